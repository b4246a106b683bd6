import AccordCore
import AccordStore
import Foundation

extension Node {
    /// Applies a batch a pinned peer sent, already authenticated as coming from it.
    ///
    /// Each event is checked (structure, origin, signature, addressee, duplicates, clock,
    /// case rules) before anything is stored; accepted events, their case states and the
    /// batch's result are then committed in one transaction. A batch id seen before
    /// returns the stored result and changes nothing.
    public func receive(batch bytes: [UInt8], from peer: Peer) async throws -> [UInt8] {
        let (batchID, items) = try Batch.parse(bytes)
        let sender = peer.name

        // Structure and signatures first, outside the case lock and spread over the cores.
        let parsed = await Self.parseAndVerify(items, key: peer.signingKey)

        return try await caseLock.withLock {
            // Authored events still queued commit first, so case states are written in order.
            await commits.flush(store: store, time: time)
            if let previous = try await store.inboundBatchResult(peer: sender, batchID: batchID) { return previous }
            let now = time.now()
            var results: [EventResult] = []
            var accepted: [Event] = []
            var acceptedIDs = Set<EventID>()
            var states: [EventID: CaseState] = [:]
            var signingKey = peer.signingKey
            let held = try await store.existingEvents(parsed.compactMap { (try? $0.get())?.0.id })
            var keyChanges: [(peer: String, key: PublicSigningKey)] = []

            for (index, item) in parsed.enumerated() {
                do {
                    var (event, signedByPinnedKey) = try item.get()
                    if signingKey != peer.signingKey { signedByPinnedKey = event.isSigned(by: signingKey) }
                    let id = event.id
                    guard event.origin == sender else {
                        throw AccordError(.forbidden, "event from \(event.origin) sent by \(sender); a node sends only the events it authored")
                    }
                    guard signedByPinnedKey else {
                        throw AccordError(.badSignature, "the event signature does not verify with \(sender)'s pinned key")
                    }
                    guard event.isAddressed(to: name) else {
                        throw AccordError(.notAddressed, "the event is addressed to \(event.to.joined(separator: ", ")), not to \(name)")
                    }
                    if acceptedIDs.contains(id) || held.contains(id) {
                        results.append(EventResult(index: index, id: id.hex, status: .duplicate))
                        continue
                    }
                    guard event.time <= now.adding(seconds: Self.maxFutureSkewSeconds) else {
                        throw AccordError(.clockSkew, "the event is dated \(event.time), in the future of this node's clock (\(now))")
                    }
                    switch event.type {
                    case .profile:
                        throw AccordError(.malformed, "profiles are fetched, not delivered")
                    case .keyRotation:
                        let newKey = try Self.rotatedKey(event)
                        signingKey = newKey
                        keyChanges.append((sender, newKey))
                    case .open:
                        guard event.caseID == nil else { throw AccordError(.malformed, "case.open carries no case member", field: "case") }
                        if states[id] != nil { throw AccordError(.illegalStep, "case \(id.short) is already open") }
                        states[id] = try CaseState.open(CaseStep(event))
                    default:
                        guard let caseID = event.caseID else { throw AccordError(.malformed, "\(event.type.rawValue) names its case", field: "case") }
                        var state: CaseState
                        if let s = states[caseID] {
                            state = s
                        } else if let s = try await currentState(caseID) {
                            state = s
                        } else {
                            throw AccordError(.unknownCase, "\(name) holds no case \(caseID.hex)")
                        }
                        try state.apply(CaseStep(event))
                        states[caseID] = state
                    }
                    accepted.append(event)
                    acceptedIDs.insert(id)
                    results.append(EventResult(index: index, id: id.hex, status: .accepted))
                } catch let error as AccordError {
                    let id = (try? item.get())?.0.id.hex
                    results.append(EventResult(index: index, id: id, status: .rejected, code: error.code.rawValue, message: error.message))
                    logger.notice("event rejected", metadata: ["peer": "\(sender)", "code": "\(error.code)", "event": "\(id ?? "-")"])
                }
            }
            let responseBytes = BatchResponse(batch: batchID, results: results).bytes
            try await store.commitReceived(
                InboundReceipt(peer: sender, batchID: batchID, events: accepted, caseStates: Array(states.values), keyChanges: keyChanges, result: responseBytes, now: now))
            for state in states.values { commits.remember(state) }
            if !accepted.isEmpty {
                notifyReceipt(of: accepted.map(\.id))
                logger.debug("batch received", metadata: ["peer": "\(sender)", "accepted": "\(accepted.count)", "of": "\(parsed.count)"])
            }
            return responseBytes
        }
    }

    /// Parses events and checks their signatures against `key`, in parallel.
    static func parseAndVerify(_ items: [JSONValue], key: PublicSigningKey) async -> [Result<(Event, Bool), AccordError>] {
        func work(_ slice: ArraySlice<JSONValue>) -> [Result<(Event, Bool), AccordError>] {
            slice.map { json in
                Result { () throws(AccordError) -> (Event, Bool) in
                    let e = try Event(json: json)
                    return (e, e.isSigned(by: key))
                }
            }
        }
        let workers = items.count >= 64 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        if workers == 1 { return work(items[...]) }
        let chunk = (items.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Result<(Event, Bool), AccordError>]).self) { group in
            for w in 0..<workers {
                let lo = w * chunk
                let hi = min(lo + chunk, items.count)
                guard lo < hi else { continue }
                let slice = items[lo..<hi]
                group.addTask { (w, work(slice)) }
            }
            var parts = [[Result<(Event, Bool), AccordError>]](repeating: [], count: workers)
            for await (w, part) in group { parts[w] = part }
            return parts.flatMap { $0 }
        }
    }

    static func rotatedKey(_ event: Event) throws(AccordError) -> PublicSigningKey {
        guard let text = event.body["signing_key"]?.stringValue else {
            throw AccordError(.missingField, "node.key_rotation needs \"signing_key\"", field: "signing_key")
        }
        return try PublicSigningKey(base64: text)
    }
}
