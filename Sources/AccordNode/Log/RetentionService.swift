import AccordCore
import AccordStore
import Logging
import ServiceLifecycle

/// Prunes, once an hour, the tables that grow with traffic (`retention` settings): stored
/// responses to inbound batches, observed checkpoints, alerts beyond the newest per origin;
/// and the evidence files of cases closed longer than `evidence.retention_days`.
public struct RetentionService: Service {
    let node: Node
    let interval: Duration

    public init(node: Node, interval: Duration = .seconds(3600)) {
        self.node = node
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await prune()
                do { try await node.time.sleep(for: interval) } catch { return }
            }
        }
    }

    func prune() async {
        do {
            let deleted = try await node.store.prune(node.configuration.retention, now: node.time.now())
            if deleted.values.contains(where: { $0 > 0 }) {
                node.logger.info("pruned", metadata: deleted.mapValues { .stringConvertible($0) })
            }
        } catch {
            node.logger.warning("pruning failed; retrying at the next interval", metadata: ["error": "\(error)"])
        }
        if node.directory != nil {
            do { try await node.purgeExpiredEvidence() } catch {
                node.logger.warning("purging evidence failed; retrying at the next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
