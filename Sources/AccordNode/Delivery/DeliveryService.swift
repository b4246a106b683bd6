import AccordCore
import AccordStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers this node's outbox to every pinned peer: per peer up to two ordered batches in flight, a durable
/// cursor, a result per event, capped exponential backoff, and catch-up after restarts.
public struct DeliveryService: Service {
    let node: Node
    let client: FederationClient
    /// How often the list of peers is re-read when nothing signals a change (peers pinned
    /// through the operator API signal it; `accord peer add` on the data directory does not).
    let peerRefresh: Duration
    /// How long an idle worker waits before it looks at its outbox again without a signal
    /// (new events, pinning and resend requests all signal it).
    static let idleRecheck: Duration = .seconds(30)

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
                    await node.peerListSignal.wait(timeout: peerRefresh)
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
///
/// Up to `delivery.batches_in_flight` batches are on the wire at once, each naming the one
/// before it (`after`), so the peer verifies the next batch while it commits the previous one
/// and applies them in order. Answers are taken in order; an answered batch's cursor is
/// committed while the next answer is awaited (at most one such commit is pending). After any
/// failure, everything in flight is dropped and delivery resumes from the durable cursor; the
/// peer answers anything sent twice as a duplicate.
struct PeerDelivery: Sendable {
    let node: Node
    let client: FederationClient
    let peer: String

    /// A batch sent and not yet answered.
    struct InFlight {
        let ids: [EventID]
        /// When each sent event was signed, for the delivery lag.
        var signedAt: [Timestamp] = []
        let batch: String
        let last: Int64
        let endsWithRotation: Bool
        let answer: Task<[UInt8], any Error>
        /// Events not sent because the peer does not accept their type, recorded when this batch is answered.
        var held: [DeliveryRejection] = []
        /// Nothing was sent (every event was held): the peer never sees this batch id.
        var isLocal = false
    }

    func run() async {
        var failures = 0
        let settings = node.configuration.delivery
        var batchSize = settings.batchSize
        let signal = node.signal(for: peer)
        var logger = node.logger
        logger[metadataKey: "peer"] = .string(peer)
        var sent: Int64? = nil  // the last position answered; its cursor may still be committing
        var acknowledging: Task<Void, any Error>? = nil
        var inFlight: [InFlight] = []
        // The peer's verified profile (the types it accepts), re-verified only when it changes.
        var profile: (bytes: [UInt8]?, verified: Profile.Verified?) = (nil, nil)
        while !Task.isCancelled {
            do {
                guard let target = try await node.store.peer(named: peer) else { break }  // unpinned: stop delivering
                if node.takeResendRequest(for: peer) {
                    // The operator asked to send parked events again: rewind the cursor to the
                    // first of them. The peer answers what it already holds as duplicates.
                    await Self.dropInFlight(&inFlight, &acknowledging, &sent)
                    let from = try await node.store.rewindDelivery(peer: peer)
                    logger.notice("re-sending parked events", metadata: ["from_position": "\(from.map(String.init) ?? "-")"])
                }
                if target.profile != profile.bytes {
                    profile = (target.profile, target.profile.flatMap { try? Profile.verify($0) })
                }
                // The peer verifies what follows a key rotation with the new key: nothing is sent
                // after a batch ending in one until it is answered.
                while inFlight.count < settings.batchesInFlight, inFlight.last?.endsWithRotation != true {
                    var pending = try await node.store.pendingDeliveries(peer: peer, after: inFlight.last?.last ?? sent, limit: batchSize)
                    if pending.isEmpty { break }
                    let rotation = pending.firstIndex { $0.type == .keyRotation }
                    if let rotation { pending = Array(pending[...rotation]) }
                    let after = inFlight.last { !$0.isLocal }?.batch
                    inFlight.append(try send(pending, to: target, accepting: profile.verified, after: after, endsWithRotation: rotation != nil))
                }
                guard let head = inFlight.first else {
                    if let a = acknowledging {
                        acknowledging = nil
                        try await a.value
                    }
                    await signal.wait(timeout: DeliveryService.idleRecheck)
                    continue
                }
                // Requests run as tasks of their own: stopping delivery must cancel them itself.
                let answer = head.answer
                let bytes = try await withTaskCancellationHandler { try await answer.value } onCancel: { answer.cancel() }
                let response = try BatchResponse(bytes: bytes)
                inFlight.removeFirst()
                guard response.batch == head.batch, response.results.count == head.ids.count else {
                    throw FederationClient.Failure(status: 200, message: "the peer answered for another batch")
                }
                var rejections: [DeliveryRejection] = head.held
                for (i, result) in response.results.enumerated() where result.status == .rejected {
                    let r = DeliveryRejection(event: head.ids[i], code: result.code ?? "rejected", message: result.message ?? "")
                    rejections.append(r)
                    logger.warning("peer rejected an event", metadata: ["event": "\(r.event.short)", "code": "\(r.code)", "reason": "\(r.message)"])
                }
                if let a = acknowledging { try await a.value }
                let store = node.store, peer = peer, now = node.time.now(), last = head.last, found = rejections
                acknowledging = Task { try await store.acknowledgeDelivery(peer: peer, through: last, rejections: found, now: now) }
                node.metrics.delivered(signedAt: head.signedAt, to: peer, now: now)
                sent = last
                failures = 0
                batchSize = settings.batchSize
            } catch {
                await Self.dropInFlight(&inFlight, &acknowledging, &sent)
                if Task.isCancelled { break }
                failures += 1
                if let f = error as? FederationClient.Failure, f.status == 413 { batchSize = max(1, batchSize / 2) }
                let delay = settings.backoffMilliseconds(failures: failures)
                let message = String(describing: error)
                logger.notice("delivery failed; retrying", metadata: ["failures": "\(failures)", "retry_ms": "\(delay)", "error": "\(message.prefix(300))"])
                try? await node.store.recordDeliveryFailure(
                    peer: peer, error: String(message.prefix(500)), nextAttempt: node.time.now().advanced(ms: delay), now: node.time.now())
                // On the node's clock, so that retries follow an injected one.
                try? await node.time.sleep(for: .milliseconds(delay))
            }
        }
        for f in inFlight { f.answer.cancel() }
        // Leave the last answered batch's cursor committed.
        _ = await acknowledging?.result
    }

    /// Cancels the batches on the wire and forgets them, letting a pending cursor commit finish:
    /// delivery then resumes from the durable cursor.
    static func dropInFlight(_ inFlight: inout [InFlight], _ acknowledging: inout Task<Void, any Error>?, _ sent: inout Int64?) async {
        for f in inFlight { f.answer.cancel() }
        inFlight = []
        if let a = acknowledging {
            acknowledging = nil
            _ = await a.result
        }
        sent = nil
    }

    /// Starts the request for one batch. Events of a type the peer's profile does not list are
    /// held back (parked with code `held`), never sent.
    func send(_ pending: [OutboxEntry], to target: Peer, accepting profile: Profile.Verified?, after: String?, endsWithRotation: Bool) throws -> InFlight {
        var sendable: [OutboxEntry] = []
        var held: [DeliveryRejection] = []
        for entry in pending {
            if profile?.accepts(entry.type) ?? EventType.version1.contains(entry.type) {
                sendable.append(entry)
            } else {
                held.append(DeliveryRejection(
                    event: entry.id, code: "held",
                    message: "not sent: \(target.name) does not accept \(entry.type.rawValue) events (its profile lists the types it accepts); re-send once it does"))
            }
        }
        let last = pending.last!.position
        guard !sendable.isEmpty else {
            let answer = Task<[UInt8], any Error> { BatchResponse(batch: Batch.id(for: []), results: []).bytes }
            return InFlight(ids: [], batch: Batch.id(for: []), last: last, endsWithRotation: endsWithRotation, answer: answer, held: held, isLocal: true)
        }
        let ids = sendable.map(\.id)
        let body = Batch.encode(ids: ids, canonical: sendable.map(\.canonical), after: after)
        let keys = node.signingKeys(for: try Event(bytes: sendable[0].canonical))
        let client = client, node = node, timeout = Duration.seconds(Int64(node.configuration.delivery.requestTimeoutSeconds))
        let answer = Task { try await client.post(Batch.path, body: body, to: target, from: node, keys: keys, timeout: timeout) }
        return InFlight(ids: ids, signedAt: sendable.map(\.time), batch: Batch.id(for: ids), last: last, endsWithRotation: endsWithRotation, answer: answer, held: held)
    }
}

extension Timestamp {
    func advanced(ms: Int) -> Timestamp { Timestamp(milliseconds: milliseconds + Int64(ms)) }
}
