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
        let (batchID, after, items) = try Batch.parse(bytes)
        let sender = peer.name

        // Structure and signatures first, outside the case lock and spread over the cores:
        // the batch this one follows may be committing meanwhile.
        let parsed = await Self.parseAndVerify(items, key: peer.signingKey)
        if let after { try await waitForBatch(after, from: sender) }

        return try await caseLock.withLock {
            // Authored events still queued commit first, so case states are written in order.
            await commits.flush(store: store, time: time)
            if let previous = try await store.inboundBatchResult(peer: sender, batchID: batchID) { return previous }
            let now = time.now()
            var results: [EventResult] = []
            var accepted: [Event] = []
            var acceptedIDs = Set<EventID>()
            var refused: [AccordError.Code] = []
            var context = ReceiptContext(node: self, sender: peer)
            let held = try await store.existingEvents(parsed.compactMap { (try? $0.get())?.0.id })

            for (index, item) in parsed.enumerated() {
                do {
                    var (event, signedByPinnedKey) = try item.get()
                    if context.signingKey != peer.signingKey { signedByPinnedKey = event.isSigned(by: context.signingKey) }
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
                    guard let handler = ReceiptHandlers.byType[event.type] else {
                        throw AccordError(.unsupportedType, "\(name) does not accept events of type \(event.type.rawValue)")
                    }
                    try await handler.accept(event, into: &context)
                    accepted.append(event)
                    acceptedIDs.insert(id)
                    results.append(EventResult(index: index, id: id.hex, status: .accepted))
                } catch let error as AccordError where error.code != .storage {
                    // A refusal of this event; a storage failure aborts the batch instead (the sender retries).
                    let id = (try? item.get())?.0.id.hex
                    results.append(EventResult(index: index, id: id, status: .rejected, code: error.code.rawValue, message: error.message))
                    refused.append(error.code)
                    logger.notice("event rejected", metadata: ["peer": "\(sender)", "code": "\(error.code)", "event": "\(id ?? "-")"])
                }
            }
            let responseBytes = BatchResponse(batch: batchID, results: results).bytes
            var receipt = InboundReceipt(
                peer: sender, batchID: batchID, events: accepted, caseStates: Array(context.states.values), keyChanges: context.keyChanges,
                profile: context.profileUpdates.last, result: responseBytes, now: now)
            receipt.taxii = context.taxii
            // Committed with the events: a notification is neither lost nor queued twice by a restart.
            receipt.notifications = notifications.queue(received: accepted, states: context.states, at: now)
            try await store.commitReceived(receipt)
            metrics.received(accepted.map(\.type), from: sender)
            for code in refused { metrics.rejected(code, scope: .event) }
            for state in context.states.values { commits.remember(state) }
            notifyBatch(BatchKey(peer: sender, batch: batchID))
            if !receipt.notifications.isEmpty { notificationsQueued.fire() }
            if !accepted.isEmpty {
                receivedOrigins.withLock { $0.formUnion(accepted.map(\.origin)) }
                notifyReceipt(of: accepted.map(\.id))
                if accepted.contains(where: { $0.type == .evidenceAdded }) { evidenceTransfers.poke() }
                logger.debug("batch received", metadata: ["peer": "\(sender)", "accepted": "\(accepted.count)", "of": "\(parsed.count)"])
            }
            return responseBytes
        }
    }

    /// Returns once the batch `id` from `peer` has been processed (at once if it has been),
    /// or throws `out_of_order` when it has not within the configured wait.
    func waitForBatch(_ id: String, from peer: String) async throws {
        let key = BatchKey(peer: peer, batch: id)
        let waiter = OneShot()
        // Batches are committed under the case lock, so checking and registering under it cannot miss one.
        let processed = try await caseLock.withLock {
            if try await store.inboundBatchResult(peer: peer, batchID: id) != nil { return true }
            batchWaiters.withLock { $0[key, default: []].append(waiter) }
            return false
        }
        if processed { return }
        await waiter.wait(timeout: .milliseconds(configuration.delivery.orderWaitMilliseconds))
        batchWaiters.withLock { waiters in
            waiters[key]?.removeAll { $0 === waiter }
            if waiters[key]?.isEmpty == true { waiters.removeValue(forKey: key) }
        }
        guard try await store.inboundBatchResult(peer: peer, batchID: id) != nil else {
            throw AccordError(.outOfOrder, "this batch follows batch \(id), which \(name) has not processed; send that one first")
        }
    }

    func notifyBatch(_ key: BatchKey) {
        let ready = batchWaiters.withLock { $0.removeValue(forKey: key) ?? [] }
        for w in ready { w.fire() }
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
        // Small chunks, more than there are cores, so a core that frees up takes the next one.
        let workers = items.count >= 64 ? min(16, max(2, ProcessInfo.processInfo.activeProcessorCount * 4), (items.count + 31) / 32) : 1
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

/// A batch as its sender names it.
struct BatchKey: Hashable, Sendable {
    let peer: String
    let batch: String
}
