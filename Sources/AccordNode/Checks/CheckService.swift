import AccordCore
import ServiceLifecycle

/// Runs communication checks in the background: every `tick` it closes the checks this node
/// sent that are answered or expired, and sends the scheduled round when it is due
/// (`checks` in accord.json).
public struct CheckService: Service {
    let node: Node
    let settings: CheckSettings?
    let tick: Duration

    public init(node: Node, settings: CheckSettings? = nil, tick: Duration = .seconds(30)) {
        self.node = node
        self.settings = settings ?? node.configuration.checks
        self.tick = tick
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await pass()
                do { try await node.time.sleep(for: tick) } catch { return }
            }
        }
    }

    /// One round: close what is done, then send the scheduled checks if due.
    public func pass() async {
        await node.closeChecks()
        guard let settings, settings.enabled else { return }
        do { _ = try await node.sendScheduledChecks(settings) } catch {
            node.logger.warning("scheduled checks failed; retrying at the next round", metadata: ["error": "\(error)"])
        }
    }
}
