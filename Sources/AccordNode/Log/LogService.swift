import AccordCore
import Logging
import ServiceLifecycle

/// The log's schedule: checkpoint and cosignature rounds, receipt fetching and the exchange
/// of witnessed checkpoints with peers, each on its own interval (`log` settings; 0 = off).
public struct LogService: Service {
    let log: LogCoordinator

    public init(log: LogCoordinator) {
        self.log = log
    }

    public func run() async throws {
        let s = log.node.configuration.log
        await log.restoreGossip()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                let log = self.log
                if s.checkpointIntervalSeconds > 0 {
                    group.addTask {
                        await Self.every(.seconds(Int64(s.checkpointIntervalSeconds)), on: log.node.time) {
                            do { try await log.checkpointRound() } catch {
                                log.node.logger.notice("checkpoint round failed", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                }
                if s.receiptIntervalSeconds > 0 {
                    group.addTask { await Self.every(.seconds(Int64(s.receiptIntervalSeconds)), on: log.node.time) { await log.fetchReceipts() } }
                }
                if s.gossipIntervalSeconds > 0 {
                    group.addTask {
                        await Self.every(.seconds(Int64(s.gossipIntervalSeconds)), jitter: 0.25, on: log.node.time) { await log.exchangeRound() }
                    }
                }
                // A service that returns early would stop the whole node: wait for shutdown.
                group.addTask { while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) } }
                await group.waitForAll()
            }
        }
    }

    /// Runs `body` every `interval` of the node's clock. With `jitter`, each wait is drawn
    /// uniformly from `interval` ± that fraction, so that nodes started together do not
    /// stay in step.
    static func every(_ interval: Duration, jitter: Double = 0, on time: any TimeSource, _ body: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            let wait = jitter > 0 ? interval * Double.random(in: (1 - jitter)...(1 + jitter)) : interval
            do { try await time.sleep(for: wait) } catch { return }
            await body()
        }
    }
}
