import AccordCore
import AccordStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers this node's outbox to every pinned peer: per peer one batch in flight, a durable
/// cursor, a result per event, capped exponential backoff, and catch-up after restarts.
public struct DeliveryService: Service {
    let node: Node
    let client: FederationClient
    /// How often the list of peers is re-read (peers may be added while the node runs).
    let peerRefresh: Duration

    public init(node: Node, client: FederationClient = FederationClient(), peerRefresh: Duration = .seconds(2)) {
        self.node = node
        self.client = client
        self.peerRefresh = peerRefresh
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                // A worker stops when its peer is unpinned; pinning the peer again starts a new one.
                let running = RunningPeers()
                while !Task.isCancelled {
                    if let peers = try? await node.store.peers() {
                        for peer in peers where running.names.withLock({ $0.insert(peer.name).inserted }) {
                            let worker = PeerDelivery(node: node, client: client, peer: peer.name)
                            group.addTask {
                                await worker.run()
                                _ = running.names.withLock { $0.remove(peer.name) }
                            }
                        }
                    }
                    try? await Task.sleep(for: peerRefresh)
                }
                group.cancelAll()
            }
        }
    }
}

/// The peers that have a delivery worker.
final class RunningPeers: Sendable {
    let names = Mutex(Set<String>())
}

/// The delivery loop for one peer.
struct PeerDelivery: Sendable {
    let node: Node
    let client: FederationClient
    let peer: String

    func run() async {
        var failures = 0
        var batchSize = node.configuration.delivery.batchSize
        let settings = node.configuration.delivery
        let signal = node.signal(for: peer)
        var logger = node.logger
        logger[metadataKey: "peer"] = .string(peer)
        // Two stages overlap with the peer's work on a batch: the next batch is read while the
        // request is in flight, and the answered batch's cursor is committed while the next one
        // is sent. `sent` is the last position answered; its acknowledgement may still be
        // committing (at most one is). After any failure, delivery resumes from the durable
        // cursor; the peer answers anything sent twice as a duplicate.
        var sent: Int64? = nil
        var acknowledging: Task<Void, any Error>? = nil
        var prefetched: [OutboxEntry] = []
        while !Task.isCancelled {
            do {
                guard let target = try await node.store.peer(named: peer) else { break }  // unpinned: stop delivering
                var pending = prefetched
                prefetched = []
                if pending.isEmpty { pending = try await node.store.pendingDeliveries(peer: peer, after: sent, limit: batchSize) }
                if pending.isEmpty {
                    if let a = acknowledging {
                        acknowledging = nil
                        try await a.value
                    }
                    await signal.wait(timeout: .seconds(5))
                    continue
                }
                // A batch ends with a key rotation: the peer verifies what follows with the new key.
                if let rotation = pending.firstIndex(where: { $0.type == .keyRotation }) {
                    pending = Array(pending[...rotation])
                }
                let ids = pending.map(\.id)
                let last = pending.last!.position
                let body = Batch.encode(ids: ids, canonical: pending.map(\.canonical))
                async let answer = client.post(
                    Batch.path, body: body, to: target, from: node, keys: node.signingKeys(for: try Event(bytes: pending[0].canonical)),
                    timeout: .seconds(Int64(settings.requestTimeoutSeconds)))
                let limit = batchSize
                async let next = node.store.pendingDeliveries(peer: peer, after: last, limit: limit)
                let responseBytes = try await answer
                let response = try BatchResponse(bytes: responseBytes)
                guard response.batch == Batch.id(for: ids), response.results.count == ids.count else {
                    throw FederationClient.Failure(status: 200, message: "the peer answered for another batch")
                }
                var rejections: [DeliveryRejection] = []
                for (i, result) in response.results.enumerated() where result.status == .rejected {
                    let r = DeliveryRejection(event: ids[i], code: result.code ?? "rejected", message: result.message ?? "")
                    rejections.append(r)
                    logger.warning("peer rejected an event", metadata: ["event": "\(r.event.short)", "code": "\(r.code)", "reason": "\(r.message)"])
                }
                if let a = acknowledging { try await a.value }
                let store = node.store, peer = peer, now = node.time.now(), found = rejections
                acknowledging = Task { try await store.acknowledgeDelivery(peer: peer, through: last, rejections: found, now: now) }
                sent = last
                prefetched = (try? await next) ?? []
                failures = 0
                batchSize = settings.batchSize
            } catch {
                if let a = acknowledging {
                    acknowledging = nil
                    _ = await a.result
                }
                sent = nil
                prefetched = []
                if Task.isCancelled { break }
                failures += 1
                if let f = error as? FederationClient.Failure, f.status == 413 { batchSize = max(1, batchSize / 2) }
                let delay = settings.backoffMilliseconds(failures: failures)
                let message = String(describing: error)
                logger.notice("delivery failed; retrying", metadata: ["failures": "\(failures)", "retry_ms": "\(delay)", "error": "\(message.prefix(300))"])
                try? await node.store.recordDeliveryFailure(
                    peer: peer, error: String(message.prefix(500)), nextAttempt: node.time.now().advanced(ms: delay), now: node.time.now())
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        // Leave the last answered batch's cursor committed.
        _ = await acknowledging?.result
    }
}

extension Timestamp {
    func advanced(ms: Int) -> Timestamp { Timestamp(milliseconds: milliseconds + Int64(ms)) }
}
