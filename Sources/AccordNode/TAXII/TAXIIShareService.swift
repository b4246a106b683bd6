import AccordCore
import ServiceLifecycle

/// Shares what published TAXII collections still owe their peers (`Node.resumePendingShares`):
/// at start-up all of it (a node stopped between storing objects and committing the events that
/// share them), then once a `interval` what a failed request left behind.
public struct TAXIIShareService: Service {
    let node: Node
    let interval: Duration

    public init(node: Node, interval: Duration = .seconds(60)) {
        self.node = node
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // The first pass takes everything recorded before this process served a request;
            // later ones leave shares younger than an interval to the requests sharing them.
            var cutoff = node.time.now()
            while !Task.isCancelled {
                do {
                    try await node.resumePendingShares(recordedBefore: cutoff)
                } catch {
                    node.logger.warning("STIX shares owed to peers not sent; retrying at the next interval", metadata: ["error": "\(error)"])
                }
                do { try await node.time.sleep(for: interval) } catch { return }
                cutoff = Timestamp(milliseconds: node.time.now().milliseconds - Int64(interval.components.seconds) * 1000)
            }
        }
    }
}
