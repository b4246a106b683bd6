import AccordCore
import AccordLog
import AccordStore
import Crypto
import Foundation
import Logging
import Synchronization

/// A node's side of the tamper-evident record: it signs checkpoints of its own log and
/// gathers its peers' cosignatures, obtains receipts (inclusion proofs) for the events it
/// received, and compares what it witnessed with its peers to catch equivocation.
///
/// One per running node, shared by `LogService` (the schedule) and the HTTP routes (on demand).
public final class LogCoordinator: Sendable {
    public let node: Node
    let client: FederationClient
    /// One checkpoint-and-cosign round at a time.
    let roundLock = AsyncLock()
    /// Per origin: local sequence before its oldest received event that may still lack a receipt.
    let receiptCursors = Mutex<[String: Int64]>([:])
    /// Per witness that gave no cosignature: when to ask again (on the node's clock) and how often it failed.
    let witnessBackoff = Mutex<[String: (until: Timestamp, failures: Int)]>([:])
    /// Per origin that failed to answer: when to ask again (on the node's clock) and how often it failed.
    let receiptBackoff = Mutex<[String: (until: Timestamp, failures: Int)]>([:])
    /// Origins whose received events may still lack a receipt; nil until a first round has
    /// looked at every peer. An idle node asks no one and reads nothing.
    let awaitingOrigins = Mutex<Set<String>?>(nil)
    /// Origins asked at once in one receipt round.
    static let receiptParallelism = 8
    /// Checkpoints already examined, by (origin, size, root): a repeat costs nothing. Bounded.
    let examined = Mutex<Set<CheckpointKey>>([])
    static let examinedLimit = 8192
    /// When this node last sent evidence against each origin to every peer.
    let lastSpread = Mutex<[String: Timestamp]>([:])
    static let spreadIntervalSeconds = 3600
    /// Consistency proofs one exchange may make this node ask for.
    static let lookupsPerExchange = 4

    struct CheckpointKey: Hashable, Sendable {
        let origin: String
        let size: Int64
        let root: [UInt8]
    }

    public static let witnessPath = "/witness/v1/add-checkpoint"
    public static let inclusionPath = "/federation/v1/log/inclusion"
    public static let consistencyPath = "/federation/v1/log/consistency"
    public static let exchangePath = "/federation/v1/log/exchange"

    public init(node: Node, client: FederationClient = FederationClient()) {
        self.node = node
        self.client = client
        node.alertListener.withLock { listener in
            listener = { [weak self] alert in
                guard let self else { return }
                Task { await self.spread(alert) }
            }
        }
    }

    var settings: LogSettings { node.configuration.log }
    var store: any Store { node.store }
    var timeout: Duration { .seconds(Int64(settings.requestTimeoutSeconds)) }

    // MARK: Checkpoints

    /// Signs a checkpoint of the log as it stands, unless the latest already covers it.
    public func issueCheckpoint() async throws -> StoredCheckpoint? {
        let size = try await store.logSize()
        let latest = try await store.latestCheckpoint()
        if size == 0 || (latest?.size ?? -1) >= size { return latest }
        let root = try await store.logRoot(size: size)
        let note = try Checkpoint(origin: node.name, size: size, rootHash: root).sign(keys: node.keys)
        try await store.saveCheckpoint(StoredCheckpoint(size: size, root: root, note: note.serialized, issuedAt: node.time.now()))
        node.logger.debug("checkpoint signed", metadata: ["size": "\(size)"])
        return try await store.checkpoint(size: size)
    }

    /// The peers asked to cosign this node's checkpoints: the configured `log.witnesses`, or
    /// `log.witness_set_size` pinned peers chosen by rendezvous hashing (the lowest
    /// SHA-256(origin ‖ "\n" ‖ peer)), which spreads the witnessing load evenly over a network
    /// and changes by one member when one peer joins or leaves; 0 means every pinned peer.
    public func witnessSet(from peers: [Peer]) -> [Peer] {
        if let named = settings.witnesses { return peers.filter { named.contains($0.name) } }
        let size = settings.witnessSetSize
        if size == 0 || peers.count <= size { return peers }
        func rank(_ p: Peer) -> [UInt8] { Array(SHA256.hash(data: Array("\(node.name)\n\(p.name)".utf8))) }
        return Array(peers.map { ($0, rank($0)) }.sorted { $0.1.lexicographicallyPrecedes($1.1) }.prefix(size).map(\.0))
    }

    /// Issues a checkpoint if the log grew, then asks every witness of the set that has not
    /// cosigned the latest checkpoint yet and is not backed off after failing (an operator's
    /// explicit request, `ignoringBackoff`, asks them all). Returns the latest checkpoint with
    /// its cosignatures.
    @discardableResult
    public func checkpointRound(ignoringBackoff: Bool = false) async throws -> StoredCheckpoint? {
        try await roundLock.withLock {
            guard let latest = try await issueCheckpoint() else { return nil }
            let now = node.time.now()
            let peers = witnessSet(from: try await store.peers()).filter { peer in
                !latest.cosigners.contains(peer.name) && (ignoringBackoff || witnessBackoff.withLock { $0[peer.name].map { $0.until <= now } ?? true })
            }
            if peers.isEmpty { return latest }
            let cosignatures = await withTaskGroup(of: (String, StoredCosignature?).self) { group in
                for peer in peers { group.addTask { (peer.name, await self.requestCosignature(of: latest, from: peer)) } }
                var got: [StoredCosignature] = []
                for await (name, c) in group {
                    if let c { got.append(c) }
                    noteWitnessAnswer(name, answered: c != nil)
                }
                return got
            }
            if cosignatures.isEmpty { return latest }
            let updated = try await store.addCosignatures(size: latest.size, cosignatures, quorum: settings.witnessQuorum, now: node.time.now())
            node.metrics.cosigned(by: cosignatures.map(\.witness))
            if let updated, updated.witnessedAt != nil, latest.witnessedAt == nil {
                node.logger.info("checkpoint witnessed", metadata: ["size": "\(updated.size)", "cosigners": "\(updated.cosigners.joined(separator: ","))"])
            }
            if let updated, updated.witnessedAt != nil {
                node.gossip.learn(origin: node.name, size: updated.size, root: updated.root, note: updated.note, now: node.time.now(), seconds: settings.gossipHotSeconds)
            }
            return updated
        }
    }

    /// A witness that gave no cosignature is asked again only after a backoff (doubling from the
    /// checkpoint interval, at most an hour, on the node's clock); one that cosigned is asked every round.
    func noteWitnessAnswer(_ witness: String, answered: Bool) {
        witnessBackoff.withLock { b in
            if answered {
                b.removeValue(forKey: witness)
                return
            }
            let failures = (b[witness]?.failures ?? 0) + 1
            let ms = min(max(settings.checkpointIntervalSeconds, 1) * 1000 << min(failures - 1, 12), 3_600_000)
            b[witness] = (node.time.now().advanced(ms: ms), failures)
        }
    }

    /// Asks one witness for its cosignature; nil if it refuses or cannot be reached.
    func requestCosignature(of checkpoint: StoredCheckpoint, from peer: Peer) async -> StoredCosignature? {
        var logger = node.logger
        logger[metadataKey: "witness"] = .string(peer.name)
        do {
            guard let base = try? SignedNote(parsing: checkpoint.note) else { return nil }
            var oldSize = try await store.lastCosignedSize(by: peer.name)
            // At most one retry, with the size a 409 told us.
            for _ in 0..<2 {
                guard oldSize <= checkpoint.size else { return nil }
                let proof = oldSize == 0 ? [] : try await store.consistencyProof(from: oldSize, to: checkpoint.size)
                let body = AddCheckpointRequest(oldSize: oldSize, proof: proof, note: base).body
                do {
                    let answer = try await client.post(Self.witnessPath, body: body, to: peer, from: node, timeout: timeout)
                    let key = try NoteVerifierKey(name: peer.name, type: .cosignatureV1, key: peer.signingKey)
                    for line in try AddCheckpointRequest.cosignatureLines(answer, for: base) where line.name == key.name && line.keyID == key.keyID {
                        let c = try Cosignature(line)
                        guard c.isValid(forText: base.text, key: peer.signingKey) else {
                            logger.warning("a witness returned a cosignature that does not verify")
                            return nil
                        }
                        return StoredCosignature(witness: peer.name, line: line.line, timestamp: Int64(c.timestamp))
                    }
                    logger.warning("a witness answered without its cosignature")
                    return nil
                } catch let f as FederationClient.Failure where f.status == 409 {
                    guard let held = AddCheckpointRequest.decimal(Substring(f.message.split(separator: "\n").first ?? "")), held != oldSize else {
                        logger.warning("a witness refuses the checkpoint (409)", metadata: ["size": "\(checkpoint.size)", "answer": "\(f.message.prefix(100))"])
                        return nil
                    }
                    oldSize = held
                }
            }
        } catch {
            logger.notice("cosignature request failed", metadata: ["size": "\(checkpoint.size)", "error": "\(String(describing: error).prefix(300))"])
        }
        return nil
    }

    // MARK: Answering peers (origin side)

    /// Inclusion proofs for events this node authored and addressed to `requester`, against its
    /// latest witnessed checkpoint. Events unknown, not authored here or not addressed to the
    /// requester are all reported alike as `unknown`: a node learns nothing of what was not
    /// addressed to it.
    public func inclusionAnswer(_ body: [UInt8], requester: String) async throws -> JSONValue {
        let request: JSONValue
        do { request = try JSONParser.parse(body) } catch { throw AccordError(.malformed, "the request is not JSON: \(error)") }
        guard let items = request["events"]?.arrayValue, (1...1000).contains(items.count) else {
            throw AccordError(.malformed, "the request is {\"events\": [1 to 1000 event ids]}")
        }
        let checkpoint = try await store.latestWitnessedCheckpoint()
        var proofs: [JSONValue] = []
        var pending: [JSONValue] = []
        var unknown: [JSONValue] = []
        for item in items {
            guard let text = item.stringValue, let id = EventID(hex: text) else { throw AccordError(.malformed, "an event id is 64 lowercase hex digits") }
            guard let stored = try await store.event(id), let index = stored.logIndex, stored.event.isAddressed(to: requester) else {
                unknown.append(.string(text))
                continue
            }
            guard let checkpoint, index < checkpoint.size else {
                pending.append(.string(text))
                continue
            }
            let proof = try await store.inclusionProof(index: index, size: checkpoint.size)
            proofs.append(["event": .string(text), "leaf_index": .number(Double(index)), "inclusion_proof": .array(proof.map { .string(Encoding.base64($0)) })])
        }
        return [
            "checkpoint": checkpoint.map { .string($0.note) } ?? .null,
            "tree_size": checkpoint.map { .number(Double($0.size)) } ?? .null,
            "proofs": .array(proofs), "pending": .array(pending), "unknown": .array(unknown),
        ]
    }

    /// A consistency proof between two sizes of this node's log, for a peer comparing checkpoints.
    public func consistencyAnswer(_ body: [UInt8]) async throws -> JSONValue {
        let request: JSONValue
        do { request = try JSONParser.parse(body) } catch { throw AccordError(.malformed, "the request is not JSON: \(error)") }
        guard let old = request["old"]?.intValue, let new = request["new"]?.intValue, old >= 1, old <= new else {
            throw AccordError(.malformed, "the request is {\"old\": m, \"new\": n} with 1 ≤ m ≤ n")
        }
        let proof = try await store.consistencyProof(from: Int64(old), to: Int64(new))
        return ["old": .number(Double(old)), "new": .number(Double(new)), "proof": .array(proof.map { .string(Encoding.base64($0)) })]
    }

    // MARK: Receipts

    /// Asks origins for inclusion proofs of received events that have none yet (all of them,
    /// or only `only`). Returns how many receipts were stored. An operator's explicit request
    /// (`ignoringBackoff`) asks every origin now.
    ///
    /// Each pinned origin is asked for its own events, several origins at once, each from its
    /// own cursor: an origin that is offline, unpinned or short of cosignatures holds back only
    /// its own receipts. One that fails is left alone for a while (capped exponential backoff
    /// on the node's clock) instead of being asked, and waited for, every round.
    @discardableResult
    public func fetchReceipts(only: EventID? = nil, ignoringBackoff: Bool = false) async -> Int {
        if let only {
            guard let e = try? await store.event(only), e.logIndex == nil, (try? await store.receipt(for: only)) == nil else { return 0 }
            return await fetchReceipts([AwaitingReceipt(sequence: e.sequence, event: only, origin: e.event.origin)], from: e.event.origin).0
        }
        guard let peers = try? await store.peers() else { return 0 }
        let now = node.time.now()
        let fresh = node.receivedOrigins.withLock { s in
            defer { s.removeAll() }
            return s
        }
        let candidates = awaitingOrigins.withLock { a -> Set<String> in
            let set = a.map { $0.union(fresh) } ?? Set(peers.map(\.name))
            a = set
            return set
        }
        let due = peers.map(\.name).filter { name in
            candidates.contains(name) && (ignoringBackoff || receiptBackoff.withLock { $0[name].map { $0.until <= now } ?? true })
        }
        var stored = 0
        await withTaskGroup(of: Int.self) { group in
            var next = due.makeIterator()
            func startNext() -> Bool {
                guard let origin = next.next() else { return false }
                group.addTask { await self.receiptRound(for: origin) }
                return true
            }
            for _ in 0..<Self.receiptParallelism where !startNext() { break }
            for await got in group {
                stored += got
                _ = startNext()
            }
        }
        return stored
    }

    /// One origin's part of a receipt round.
    func receiptRound(for origin: String) async -> Int {
        let cursor = receiptCursors.withLock { $0[origin] ?? 0 }
        guard let awaiting = try? await store.eventsAwaitingReceipt(origin: origin, after: cursor, limit: 1000) else { return 0 }
        guard let last = awaiting.last else {
            // Nothing left to ask this origin for until it sends more (`Node.receivedOrigins`).
            _ = awaitingOrigins.withLock { $0?.remove(origin) }
            return 0
        }
        let (got, missing) = await fetchReceipts(awaiting, from: origin)
        if got == 0 && !missing.isEmpty {
            let delay = receiptBackoff.withLock { b -> Int in
                let failures = (b[origin]?.failures ?? 0) + 1
                let ms = min(settings.receiptIntervalSeconds * 1000 << min(failures - 1, 10), 3_600_000)
                b[origin] = (node.time.now().advanced(ms: max(ms, 1000)), failures)
                return ms
            }
            node.logger.debug("receipts deferred", metadata: ["origin": "\(origin)", "retry_ms": "\(delay)"])
        } else {
            _ = receiptBackoff.withLock { $0.removeValue(forKey: origin) }
        }
        // Next time, start at this origin's oldest event still without a receipt.
        let next = (missing.min().map { $0 - 1 }) ?? last.sequence
        receiptCursors.withLock { $0[origin] = max($0[origin] ?? 0, next) }
        return got
    }

    /// Returns (receipts stored, sequences still pending).
    func fetchReceipts(_ events: [AwaitingReceipt], from origin: String) async -> (Int, [Int64]) {
        let pendingAll = events.map(\.sequence)
        guard let peer = try? await store.peer(named: origin) else { return (0, pendingAll) }
        do {
            let body = CanonicalJSON.encode(["events": .strings(events.map(\.event.hex))])
            let answer = try JSONParser.parse(try await client.post(Self.inclusionPath, body: body, to: peer, from: node, timeout: timeout))
            guard let noteText = answer["checkpoint"]?.stringValue, let size = answer["tree_size"]?.intValue else { return (0, pendingAll) }
            let note = try SignedNote(parsing: noteText)
            let checkpoint = try Checkpoint.open(note, logName: origin, logKey: peer.signingKey)
            guard checkpoint.origin == origin, checkpoint.size == Int64(size) else {
                throw AccordError(.badProof, "\(origin) sent a checkpoint for another log or size")
            }
            try await requireQuorum(note, origin: origin)
            var lookups = 1
            await learn(note, checkpoint, origin: origin, peers: try await store.peers(), source: Self.receiptSource, via: "receipt from \(origin)", lookups: &lookups)
            var done = Set<EventID>()
            for item in answer["proofs"]?.arrayValue ?? [] {
                guard let id = item["event"]?.stringValue.flatMap(EventID.init(hex:)), let index = item["leaf_index"]?.intValue,
                    let hashes = item["inclusion_proof"]?.arrayValue, events.contains(where: { $0.event == id })
                else { continue }
                let proof = hashes.compactMap { $0.stringValue.flatMap(Encoding.unbase64) }
                do {
                    try Merkle.verifyInclusion(leafHash: Merkle.leafHash(id.bytes), index: Int64(index), size: checkpoint.size, proof: proof, root: checkpoint.rootHash)
                } catch {
                    node.logger.warning("an origin sent an inclusion proof that does not verify", metadata: ["origin": "\(origin)", "event": "\(id.short)", "error": "\(error.message)"])
                    continue
                }
                try await store.saveReceipt(Receipt(
                    event: id, origin: origin, leafIndex: Int64(index), treeSize: checkpoint.size, proof: proof, checkpoint: noteText, obtainedAt: node.time.now()))
                done.insert(id)
            }
            return (done.count, events.filter { !done.contains($0.event) }.map(\.sequence))
        } catch {
            node.logger.notice("receipts not obtained", metadata: ["origin": "\(origin)", "error": "\(String(describing: error).prefix(300))"])
            return (0, pendingAll)
        }
    }

    /// Keys this node trusts as witnesses of `origin`'s log: its pinned peers but the origin, and itself.
    func witnessKeys(excluding origin: String) async throws -> [NoteVerifierKey] {
        var keys = try await store.peers().filter { $0.name != origin }.map { try NoteVerifierKey(name: $0.name, type: .cosignatureV1, key: $0.signingKey) }
        keys.append(try NoteVerifierKey(name: node.name, type: .cosignatureV1, key: node.keys.publicSigningKey))
        return keys
    }

    /// This node's trust policy: its pinned peers and itself, as origins and as witnesses, with
    /// `log.witness_quorum`. The same policy `accord proof verify --data` applies offline.
    func trustPolicy() async throws -> TrustPolicy {
        var keys = Dictionary(try await store.peers().map { ($0.name, $0.signingKey) }, uniquingKeysWith: { a, _ in a })
        keys[node.name] = node.keys.publicSigningKey
        return TrustPolicy(trusting: keys, quorum: settings.witnessQuorum)
    }

    /// Requires a quorum of this node's witnesses on a checkpoint of `origin` (the shared rule, `WitnessQuorum`).
    func requireQuorum(_ note: SignedNote, origin: String) async throws {
        _ = try await trustPolicy().checkQuorum(note, origin: origin)
    }

    // MARK: Comparing checkpoints (equivocation)

    /// A verified checkpoint of a peer's log, with the witnesses trusted here that cosigned it.
    struct Seen: Sendable {
        let size: Int64
        let root: [UInt8]
        let note: String
        let cosigners: Set<String>
    }

    /// The largest checkpoint of `origin` this node holds: the one it cosigned as a witness, or
    /// the largest it observed (in receipts and exchanges).
    func held(origin: String, peers: [Peer]) async -> Seen? {
        let witnessed = (try? await store.witnessState(origin: origin)) ?? nil
        let observed = (try? await store.observedCheckpoint(origin: origin, atMost: Int64.max)) ?? nil
        if let w = witnessed, (observed?.size ?? -1) <= w.size {
            // This node cosigned it: it checked consistency with everything it cosigned before.
            var cosigners = trustedCosigners(w.note, origin: origin, peers: peers).union([node.name])
            if let o = observed, o.size == w.size, o.root == w.root {
                // The same checkpoint as others cosigned it, learned since.
                cosigners.formUnion(trustedCosigners(o.note, origin: origin, peers: peers))
            }
            return Seen(size: w.size, root: w.root, note: w.note, cosigners: cosigners)
        }
        guard let o = observed else { return nil }
        return Seen(size: o.size, root: o.root, note: o.note, cosigners: trustedCosigners(o.note, origin: origin, peers: peers))
    }

    /// The witnesses this node trusts (its pinned peers but the origin, and itself) whose
    /// cosignatures on `note` verify.
    func trustedCosigners(_ note: String, origin: String, peers: [Peer]) -> Set<String> {
        guard let parsed = try? SignedNote(parsing: note) else { return [] }
        var keys = Dictionary(peers.map { ($0.name, $0.signingKey) }, uniquingKeysWith: { a, _ in a })
        keys[node.name] = node.keys.publicSigningKey
        let verified = (try? WitnessQuorum.evaluate(parsed, origin: origin, witnesses: keys, required: 0)) ?? []
        return Set(verified.map(\.name))
    }

    /// What comparing two checkpoints of one log found.
    enum Comparison {
        case consistent
        /// An equivocation (the alert is raised, or was raised before for the same pair).
        case fork
        /// Not decided: no look-up left, or the origin did not answer.
        case undecided
    }

    /// Compares two verified checkpoints of `origin`. The same size with another root is a
    /// fork. Different sizes are consistent when at least `witness_quorum` witnesses this node
    /// trusts cosigned both (a witness checks consistency before it cosigns: the same trust a
    /// receipt already rests on); otherwise the origin is asked for a consistency proof, if
    /// `lookups` allows one.
    func compare(_ a: Seen, _ b: Seen, origin: String, via: String, lookups: inout Int) async -> Comparison {
        if a.size == b.size {
            guard a.root != b.root else { return .consistent }
            await node.raiseEquivocation(
                kind: "same_size_different_root", origin: origin, via: via,
                message: "\(origin) signed two checkpoints of size \(a.size) with different roots", first: a.note, second: b.note)
            return .fork
        }
        let (small, large) = a.size < b.size ? (a, b) : (b, a)
        if small.size == 0 { return .consistent }
        if WitnessQuorum.isMet(by: small.cosigners.intersection(large.cosigners), origin: origin, required: settings.witnessQuorum) { return .consistent }
        guard lookups > 0, let peer = try? await store.peer(named: origin) else { return .undecided }
        lookups -= 1
        let answer: JSONValue
        do {
            let body = CanonicalJSON.encode(["old": .number(Double(small.size)), "new": .number(Double(large.size))])
            answer = try JSONParser.parse(try await client.post(Self.consistencyPath, body: body, to: peer, from: node, timeout: timeout))
        } catch {
            node.logger.notice("could not ask an origin for a consistency proof", metadata: ["origin": "\(origin)", "error": "\(String(describing: error).prefix(200))"])
            return .undecided
        }
        let proof = (answer["proof"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(Encoding.unbase64) }
        do {
            try Merkle.verifyConsistency(oldSize: small.size, newSize: large.size, oldRoot: small.root, newRoot: large.root, proof: proof)
        } catch {
            await node.raiseEquivocation(
                kind: "inconsistent_proof", origin: origin, via: via,
                message: "\(origin) cannot prove its checkpoint of size \(large.size) consistent with its checkpoint of size \(small.size): \(error.message)",
                first: small.note, second: large.note)
            return .fork
        }
        return .consistent
    }

    /// Takes in a checkpoint of a peer's log whose origin signature was verified: compares it
    /// with the largest this node holds, and if it is larger (and not a fork), stores it as
    /// observed and passes it on in exchanges. A checkpoint that came with receipts is stored
    /// even when it is not larger: its cosignature times bound when later events were signed
    /// (`ReplyTiming`). Returns false when it could not be compared.
    @discardableResult
    func learn(_ note: SignedNote, _ checkpoint: Checkpoint, origin: String, peers: [Peer], source: String, via: String, lookups: inout Int) async -> Bool {
        let text = note.serialized
        let seen = Seen(size: checkpoint.size, root: checkpoint.rootHash, note: text, cosigners: trustedCosigners(text, origin: origin, peers: peers))
        var larger = true
        if let held = await held(origin: origin, peers: peers) {
            switch await compare(held, seen, origin: origin, via: via, lookups: &lookups) {
            case .undecided: return false
            case .fork: return true
            case .consistent: break
            }
            // The same checkpoint with cosignatures this node did not hold counts as new.
            larger = checkpoint.size > held.size
                || (checkpoint.size == held.size && checkpoint.rootHash == held.root && !seen.cosigners.isSubset(of: held.cosigners))
        }
        if larger || source == Self.receiptSource {
            try? await store.saveObservedCheckpoint(ObservedCheckpoint(
                origin: origin, size: checkpoint.size, root: checkpoint.rootHash, note: text, source: source, observedAt: node.time.now()))
        }
        if larger {
            node.gossip.learn(origin: origin, size: checkpoint.size, root: checkpoint.rootHash, note: text, now: node.time.now(), seconds: settings.gossipHotSeconds)
        }
        return true
    }

    /// The `source` of a checkpoint that came with receipts.
    static let receiptSource = "receipt"

    /// Examines checkpoints a peer sent: verifies each origin's signature with the pinned key
    /// (or this node's own), and compares it with what this node holds.
    ///
    /// A checkpoint examined before (same origin, size and root) is skipped, whatever other
    /// cosignatures its note carries; only logs this node knows are read, at most one checkpoint
    /// of each per exchange (and at most 1,000 notes in all); and one exchange makes this node
    /// ask origins for at most `lookupsPerExchange` consistency proofs (the rest wait for a
    /// later exchange), so a peer cannot make it do unbounded work.
    public func examine(_ notes: [String], from source: String) async {
        let peers = (try? await store.peers()) ?? []
        var lookups = Self.lookupsPerExchange
        var seenOrigins = Set<String>()
        for text in notes.prefix(1000) {
            guard let note = try? SignedNote(parsing: text), let parsed = try? Checkpoint(body: note.text) else { continue }
            let origin = parsed.origin
            // Only logs this node knows, and one checkpoint of each per exchange.
            guard origin == node.name || peers.contains(where: { $0.name == origin }) else { continue }
            guard seenOrigins.insert(origin).inserted else { continue }
            let key = CheckpointKey(origin: origin, size: parsed.size, root: parsed.rootHash)
            if examined.withLock({ $0.contains(key) }) { continue }
            if origin == node.name {
                await examineOwn(note: note, checkpoint: parsed, source: source)
                remember(key)
                continue
            }
            guard let peer = peers.first(where: { $0.name == origin }), (try? Checkpoint.open(note, logName: origin, logKey: peer.signingKey)) != nil else { continue }
            if await learn(note, parsed, origin: origin, peers: peers, source: source, via: "exchange with \(source)", lookups: &lookups) {
                remember(key)
            }
        }
    }

    /// Examines equivocation evidence a peer passed on: two checkpoints of one log, each
    /// verified with the origin's pinned key and compared with each other as if this node had
    /// met both itself (a fork of the same size proves itself; different sizes take a
    /// consistency proof from the origin). Evidence that does not hold up is ignored.
    public func examineEvidence(_ items: [JSONValue], from source: String) async {
        let peers = (try? await store.peers()) ?? []
        var lookups = Self.lookupsPerExchange
        for item in items.prefix(GossipState.evidenceLimit) {
            guard let origin = item["origin"]?.stringValue, let first = item["first"]?.stringValue, let second = item["second"]?.stringValue,
                let a = try? SignedNote(parsing: first), let b = try? SignedNote(parsing: second)
            else { continue }
            if origin == node.name {
                for note in [a, b] {
                    if let c = try? Checkpoint(body: note.text), c.origin == origin { await examineOwn(note: note, checkpoint: c, source: source) }
                }
                continue
            }
            guard let peer = peers.first(where: { $0.name == origin }),
                let one = try? Checkpoint.open(a, logName: origin, logKey: peer.signingKey),
                let two = try? Checkpoint.open(b, logName: origin, logKey: peer.signingKey)
            else { continue }
            // No cosigners counted: only a proof from the origin can reconcile two checkpoints a
            // peer presents as conflicting.
            _ = await compare(
                Seen(size: one.size, root: one.rootHash, note: a.serialized, cosigners: []),
                Seen(size: two.size, root: two.rootHash, note: b.serialized, cosigners: []),
                origin: origin, via: GossipState.evidenceVia + source, lookups: &lookups)
        }
    }

    func remember(_ key: CheckpointKey) {
        examined.withLock { set in
            if set.count >= Self.examinedLimit { set.removeAll(keepingCapacity: true) }
            set.insert(key)
        }
    }

    /// A checkpoint signed with this node's key that its own log contradicts: the key is
    /// compromised, or the log was rewritten.
    func examineOwn(note: SignedNote, checkpoint: Checkpoint, source: String) async {
        guard (try? Checkpoint.open(note, logName: node.name, logKey: node.keys.publicSigningKey)) != nil,
            let size = try? await store.logSize(), checkpoint.size <= size,
            let root = try? await store.logRoot(size: checkpoint.size), root != checkpoint.rootHash
        else { return }
        var mine = (try? await store.checkpoint(size: checkpoint.size))?.note
        if mine == nil { mine = (try? await store.latestCheckpoint())?.note }
        await node.raiseEquivocation(
            kind: "not_in_own_log", origin: node.name, via: "exchange with \(source)",
            message: "\(source) holds a checkpoint of size \(checkpoint.size) signed with this node's key that its own log does not match",
            first: mine ?? "", second: note.serialized)
    }

    // MARK: The exchange (gossip)

    /// One exchange interval: pulls from `log.gossip_fanout` peers chosen at random (every
    /// peer when `all`, as an operator's explicit request does), at most
    /// `exchangeParallelism` at once. Each request carries the digest of what this node
    /// holds hot and the keys of the evidence it holds; each answer brings only what the
    /// digest lacks.
    public func exchangeRound(all: Bool = false) async {
        guard let peers = try? await store.peers(), !peers.isEmpty else { return }
        let chosen = all ? peers : Array(peers.shuffled().prefix(settings.gossipFanout))
        await exchange(exchangeRequest(now: node.time.now()), with: chosen)
    }

    /// An exchange request: the digest of what is hot, the keys of the evidence held, and
    /// any evidence pushed with it.
    func exchangeRequest(now: Timestamp, evidence: [JSONValue] = []) -> [UInt8] {
        var body: [String: JSONValue] = [
            "digest": .object(node.gossip.digest(now: now).mapValues { .string($0) }),
            "alerts": .strings(node.gossip.evidenceKeys(now: now)),
        ]
        if !evidence.isEmpty { body["evidence"] = .array(evidence) }
        return CanonicalJSON.encode(.object(body))
    }

    /// Sends evidence of an equivocation this node detected to every peer but the origin at
    /// once: an alert reaches every reachable node within one request, not after epidemic rounds.
    ///
    /// At most once an hour per origin: a log that signs fork after fork cannot make this node
    /// send a request to every peer for each one (later evidence still spreads by pull).
    func spread(_ alert: EquivocationAlert) async {
        let now = node.time.now()
        let due = lastSpread.withLock { last -> Bool in
            if let t = last[alert.origin], t.advanced(ms: Self.spreadIntervalSeconds * 1000) > now { return false }
            last[alert.origin] = now
            return true
        }
        guard due, let peers = try? await store.peers() else { return }
        let evidence = GossipState.evidenceJSON(origin: alert.origin, first: alert.first, second: alert.second)
        await exchange(exchangeRequest(now: now, evidence: [evidence]), with: peers.filter { $0.name != alert.origin })
    }

    /// After a restart: the evidence of alerts raised in the last week is passed on again
    /// (checkpoints are not: what is hot is what the node learns from now on).
    public func restoreGossip() async {
        guard let alerts = try? await store.alerts() else { return }
        let since = node.time.now().advanced(ms: -GossipState.evidenceSeconds * 1000)
        for a in alerts where a.raisedAt > since {
            node.gossip.learn(evidence: a.origin, first: a.first, second: a.second, now: a.raisedAt, seconds: GossipState.evidenceSeconds)
        }
    }

    /// Peers asked at once by one exchange round.
    static let exchangeParallelism = 8

    func exchange(_ body: [UInt8], with peers: [Peer]) async {
        await withTaskGroup(of: Void.self) { group in
            var next = peers.makeIterator()
            func startNext() -> Bool {
                guard let peer = next.next() else { return false }
                group.addTask {
                    do {
                        let answer = try JSONParser.parse(try await self.client.post(Self.exchangePath, body: body, to: peer, from: self.node, timeout: self.timeout))
                        await self.examine((answer["checkpoints"]?.arrayValue ?? []).compactMap(\.stringValue), from: peer.name)
                        await self.examineEvidence(answer["evidence"]?.arrayValue ?? [], from: peer.name)
                    } catch {
                        self.node.logger.notice("checkpoint exchange failed", metadata: ["peer": "\(peer.name)", "error": "\(String(describing: error).prefix(200))"])
                    }
                }
                return true
            }
            for _ in 0..<Self.exchangeParallelism where !startNext() { break }
            for await _ in group { _ = startNext() }
        }
    }

    /// Answers a peer's exchange: examines what it sent (checkpoints, evidence), and returns the
    /// hot checkpoints its digest lacks and the evidence it does not list. A request without a
    /// digest gets every hot checkpoint.
    public func exchangeAnswer(_ body: [UInt8], from sender: String) async throws -> JSONValue {
        let request: JSONValue
        do { request = try JSONParser.parse(body) } catch { throw AccordError(.malformed, "the request is not JSON: \(error)") }
        let shape = "the request is {\"digest\": {origin: \"size root-prefix\"}, \"alerts\": [keys], \"evidence\": [...], \"checkpoints\": [signed notes]}, each member optional but one of digest and checkpoints required"
        guard request.objectValue != nil else { throw AccordError(.malformed, shape) }
        let checkpoints = request["checkpoints"]
        let digest = request["digest"]
        guard checkpoints != nil || digest != nil else { throw AccordError(.malformed, shape) }
        if let checkpoints, checkpoints.arrayValue == nil { throw AccordError(.malformed, shape, field: "checkpoints") }
        var theirs: [String: String]? = nil
        if let digest {
            guard let entries = digest.objectValue, entries.count <= GossipState.hotLimit else { throw AccordError(.malformed, shape, field: "digest") }
            var parsed: [String: String] = [:]
            for (origin, value) in entries {
                guard let text = value.stringValue, GossipState.parseDigestEntry(text) != nil else {
                    throw AccordError(.malformed, "a digest entry is \"size root-prefix\" (decimal size, base64 of the root's first 16 bytes)", field: "digest")
                }
                parsed[origin] = text
            }
            theirs = parsed
        }
        let alerts = request["alerts"]?.arrayValue ?? []
        guard alerts.count <= 1000 else { throw AccordError(.malformed, "at most 1,000 alert keys", field: "alerts") }
        let evidence = request["evidence"]?.arrayValue ?? []
        guard evidence.count <= GossipState.evidenceLimit else { throw AccordError(.malformed, "at most \(GossipState.evidenceLimit) pieces of evidence", field: "evidence") }
        await examine((checkpoints?.arrayValue ?? []).compactMap(\.stringValue), from: sender)
        await examineEvidence(evidence, from: sender)
        let now = node.time.now()
        let notes = theirs.map { node.gossip.notes(missingFrom: $0, now: now) } ?? node.gossip.allNotes(now: now)
        return ["checkpoints": .strings(notes), "evidence": .array(node.gossip.evidence(missingFrom: Set(alerts.compactMap(\.stringValue)), now: now))]
    }

    // MARK: Bundles

    /// A self-contained proof bundle for an event this node holds: authored (from its own log)
    /// or received (from its receipt). Tries once to obtain what is missing.
    public func bundle(for id: EventID) async throws -> ProofBundle {
        try await bundle(for: id, obtainMissing: true)
    }

    /// A bundle from what this node holds; with `obtainMissing`, first asks peers once for a
    /// cosigned checkpoint or the receipt that is missing.
    public func bundle(for id: EventID, obtainMissing: Bool) async throws -> ProofBundle {
        guard let stored = try await store.event(id) else { throw AccordError(.notFound, "this node holds no event \(id.hex)") }
        let event = stored.event
        let leafIndex: Int64, treeSize: Int64, proof: [[UInt8]], note: String
        let originKey: PublicSigningKey
        if let index = stored.logIndex {
            var checkpoint = try await store.latestWitnessedCheckpoint()
            if obtainMissing, checkpoint.map({ $0.size <= index }) ?? true {
                try await checkpointRound(ignoringBackoff: true)
                checkpoint = try await store.latestWitnessedCheckpoint()
            }
            guard let checkpoint, checkpoint.size > index else {
                throw AccordError(.conflict, "event \(id.short) is not yet in a checkpoint cosigned by \(settings.witnessQuorum) witness(es); try again once peers have cosigned")
            }
            (leafIndex, treeSize, note) = (index, checkpoint.size, checkpoint.note)
            proof = try await store.inclusionProof(index: index, size: checkpoint.size)
            originKey = node.keys.publicSigningKey
        } else {
            var receipt = try await store.receipt(for: id)
            if receipt == nil, obtainMissing {
                await fetchReceipts(only: id)
                receipt = try await store.receipt(for: id)
            }
            guard let receipt else {
                throw AccordError(.conflict, "no receipt yet for event \(id.short): \(event.origin) has not answered with a witnessed checkpoint that includes it; try again later")
            }
            guard let peer = try await store.peer(named: event.origin) else { throw AccordError(.unknownPeer, "\(event.origin) is no longer a pinned peer") }
            (leafIndex, treeSize, proof, note) = (receipt.leafIndex, receipt.treeSize, receipt.proof, receipt.checkpoint)
            originKey = peer.signingKey
        }
        // The event may be signed by a key the origin has rotated away from since: carry the
        // rotations that link it to the origin's current key.
        var known = [originKey]
        if event.origin == node.name { known.append(node.signingKeys(for: event).publicSigningKey) }
        let (eventKey, rotations) = try KeyRotationChain.exportChain(
            for: event, rotations: try await store.keyRotations(origin: event.origin), current: originKey, known: known)
        var keys = [ProofBundle.Key(name: event.origin, role: "origin", key: originKey)]
        if let signed = try? SignedNote(parsing: note) {
            let candidates = try await witnessKeys(excluding: event.origin)
            let verified = (try? signed.verify(against: candidates)) ?? []
            for v in verified {
                if let k = candidates.first(where: { $0.name == v.name && $0.keyID == v.keyID }) {
                    keys.append(ProofBundle.Key(name: k.name, role: "witness", key: k.key))
                }
            }
        }
        return ProofBundle(event: event, leafIndex: leafIndex, treeSize: treeSize, inclusionProof: proof, checkpoint: note, keys: keys,
                           witnessQuorum: settings.witnessQuorum, eventKey: rotations.isEmpty ? nil : eventKey, rotations: rotations)
    }
}
