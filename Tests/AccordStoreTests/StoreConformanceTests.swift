import AccordCore
import AccordStore
import Foundation
import Testing

/// A store backend under test: how to open a fresh, empty one.
enum StoreBackend: String, CaseIterable, CustomStringConvertible {
    case sqlite

    var description: String { rawValue }

    /// A fresh store and how to remove it.
    func open() throws -> (store: any Store, remove: () -> Void) {
        switch self {
        case .sqlite:
            let dir = NSTemporaryDirectory() + "accord-conformance-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return (try SQLiteStore(path: dir + "/accord.sqlite"), { try? FileManager.default.removeItem(atPath: dir) })
        }
    }
}

/// The contract every `Store` backend must keep, through the protocol only. A new backend adds
/// a case to `StoreBackend` and must pass all of it.
@Suite struct StoreConformanceTests {
    let keys = NodeKeys.generate()
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func with(_ backend: StoreBackend, _ body: (any Store) async throws -> Void) async throws {
        let (store, remove) = try backend.open()
        defer { remove() }
        try await body(store)
    }

    func peer(_ name: String, _ k: NodeKeys = NodeKeys.generate()) -> Peer {
        Peer(name: name, url: "http://127.0.0.1:1", signingKey: k.publicSigningKey, encryptionKey: k.publicEncryptionKey, addedAt: t0)
    }

    func openEvent(to: [String] = ["borealis"], title: String = "Check") throws -> (Event, CaseState) {
        let body: [String: JSONValue] = ["kind": "check", "title": .string(title), "fields": [:], "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0).json]
        let e = Event.sign(type: .open, origin: "aurelia", to: to, caseID: nil, time: t0, body: body, keys: keys)
        return (e, try CaseState.open(CaseStep(e)))
    }

    @Test(arguments: StoreBackend.allCases) func metadataIsKeptAndOverwritten(backend: StoreBackend) async throws {
        try await with(backend) { store in
            #expect(try await store.metadata("k") == nil)
            try await store.setMetadata("k", "one")
            try await store.setMetadata("k", "two")
            #expect(try await store.metadata("k") == "two")
        }
    }

    @Test(arguments: StoreBackend.allCases) func peersArePinnedReplacedWithARecordAndRemoved(backend: StoreBackend) async throws {
        try await with(backend) { store in
            let original = peer("borealis")
            try await store.savePeer(original)
            #expect(try await store.peer(named: "borealis") == original)
            let successor = peer("borealis")
            // A replacement naming a key that is not the pinned one changes nothing.
            await #expect(throws: (any Error).self) {
                try await store.replacePeer(successor, replacing: NodeKeys.generate().publicSigningKey, by: "admin", at: t0)
            }
            #expect(try await store.peer(named: "borealis")?.signingKey == original.signingKey)
            #expect(try await store.peerReplacements().isEmpty)
            try await store.replacePeer(successor, replacing: original.signingKey, by: "admin", at: t0)
            #expect(try await store.peer(named: "borealis")?.signingKey == successor.signingKey)
            #expect(try await store.peerReplacements() == [PeerReplacement(name: "borealis", oldKey: original.signingKey, newKey: successor.signingKey, by: "admin", at: t0)])
            #expect(try await store.removePeer(named: "borealis"))
            #expect(try await store.removePeer(named: "borealis") == false)
            #expect(try await store.peers().isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases) func anAuthoredEventIsLoggedAndQueuedWholeOrNotAtAll(backend: StoreBackend) async throws {
        try await with(backend) { store in
            try await store.savePeer(peer("borealis"))
            let (e, state) = try openEvent()
            #expect(try await store.commitAuthored(e, caseState: state, now: t0) == 0)
            await #expect(throws: (any Error).self) { _ = try await store.commitAuthored(e, caseState: state, now: t0) }
            #expect(try await store.logSize() == 1)
            #expect(try await store.eventCount() == 1)
            #expect(try await store.pendingDeliveries(peer: "borealis", limit: 10).map(\.id) == [e.id])
            #expect(try await store.caseState(e.id) == state)
            #expect(try await store.event(e.id)?.event == e)
            #expect(try await store.events(inCase: e.id).map(\.event.id) == [e.id])
            #expect(try await store.openCases(withDeadlineBy: state.deadlines.acknowledgeBy).map(\.id) == [e.id])
        }
    }

    @Test(arguments: StoreBackend.allCases) func aReceivedBatchIsAppliedOnceWithItsKeyAndProfileChanges(backend: StoreBackend) async throws {
        try await with(backend) { store in
            let sender = peer("aurelia", keys)
            try await store.savePeer(sender)
            let (e, state) = try openEvent()
            var updated = sender
            let rotated = NodeKeys.generate()
            updated.signingKey = rotated.publicSigningKey
            updated.encryptionKey = rotated.publicEncryptionKey
            updated.profile = Array("profile".utf8)
            let receipt = InboundReceipt(
                peer: "aurelia", batchID: "b1", events: [e], caseStates: [state], keyChanges: [("aurelia", rotated.publicSigningKey)],
                profile: updated, result: Array("r1".utf8), now: t0)
            try await store.commitReceived(receipt)
            try await store.commitReceived(receipt)
            #expect(try await store.eventCount() == 1)
            #expect(try await store.existingEvents([e.id, EventID(bytes: Array(repeating: 0, count: 32))]) == [e.id])
            #expect(try await store.inboundBatchResult(peer: "aurelia", batchID: "b1") == Array("r1".utf8))
            let now = try #require(try await store.peer(named: "aurelia"))
            #expect(now.signingKey == rotated.publicSigningKey)
            #expect(now.encryptionKey == rotated.publicEncryptionKey)
            #expect(now.profile == Array("profile".utf8))
            // Another batch with the same event fails whole.
            let again = InboundReceipt(peer: "aurelia", batchID: "b2", events: [e], caseStates: [state], keyChanges: [], result: [], now: t0)
            await #expect(throws: (any Error).self) { try await store.commitReceived(again) }
            #expect(try await store.inboundBatchResult(peer: "aurelia", batchID: "b2") == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases) func theOutboxParksRejectionsAndRewindsToThem(backend: StoreBackend) async throws {
        try await with(backend) { store in
            try await store.savePeer(peer("borealis"))
            var ids: [EventID] = []
            for i in 0..<4 {
                let (e, state) = try openEvent(title: "Case \(i)")
                _ = try await store.commitAuthored(e, caseState: state, now: t0)
                ids.append(e.id)
            }
            let all = try await store.pendingDeliveries(peer: "borealis", limit: 10)
            #expect(all.map(\.id) == ids)
            #expect(try await store.rewindDelivery(peer: "borealis") == nil)  // nothing parked
            try await store.acknowledgeDelivery(
                peer: "borealis", through: all[3].position,
                rejections: [DeliveryRejection(event: ids[1], code: "unknown_case", message: "lost")], now: t0)
            #expect(try await store.pendingDeliveries(peer: "borealis", limit: 10).isEmpty)
            let parked = try await store.parkedDeliveries(peer: "borealis")
            #expect(parked.map(\.event) == [ids[1]])
            #expect(parked.first?.code == "unknown_case")
            #expect(parked.first?.type == "case.open")
            #expect(try await store.deliveryStatus().first { $0.peer == "borealis" }?.rejected == 1)
            #expect(try await store.rewindDelivery(peer: "borealis") == all[1].position - 1)
            #expect(try await store.parkedDeliveries(peer: "borealis").isEmpty)
            #expect(try await store.pendingDeliveries(peer: "borealis", limit: 10).map(\.id) == Array(ids[1...]))
            try await store.recordDeliveryFailure(peer: "borealis", error: "down", nextAttempt: t0.adding(seconds: 5), now: t0)
            #expect(try await store.deliveryStatus().first { $0.peer == "borealis" }?.lastError == "down")
        }
    }

    @Test(arguments: StoreBackend.allCases) func tokensAndDraftsBelongToTheirOwners(backend: StoreBackend) async throws {
        try await with(backend) { store in
            let token = TokenRecord(hash: Array(repeating: 7, count: 32), name: "duty", role: .analyst, createdAt: t0)
            try await store.saveToken(token)
            await #expect(throws: (any Error).self) { try await store.saveToken(TokenRecord(hash: [1], name: "duty", role: .admin, createdAt: t0)) }
            #expect(try await store.token(hash: token.hash) == token)
            #expect(try await store.tokens().map(\.name) == ["duty"])
            #expect(try await store.revokeToken(name: "duty"))
            #expect(try await store.token(hash: token.hash)?.revoked == true)
            let draft = Draft(id: "d1", author: "duty", createdAt: t0, request: ["title": "x"])
            try await store.saveDraft(draft)
            #expect(try await store.draft("d1") == draft)
            #expect(try await store.drafts() == [draft])
            #expect(try await store.deleteDraft("d1"))
            #expect(try await store.deleteDraft("d1") == false)
        }
    }

    @Test(arguments: StoreBackend.allCases) func witnessStateIsDecidedAtomically(backend: StoreBackend) async throws {
        try await with(backend) { store in
            let first = WitnessState(origin: "aurelia", size: 3, root: Array(repeating: 1, count: 32), note: "n3", updatedAt: t0)
            let stored: Bool = try await store.updateWitnessState(origin: "aurelia") { current in
                current == nil ? (first, true) : (nil, false)
            }
            #expect(stored)
            // A decision that stores nothing leaves the state as it was.
            let kept: Int64 = try await store.updateWitnessState(origin: "aurelia") { current in (nil, current?.size ?? -1) }
            #expect(kept == 3)
            #expect(try await store.witnessState(origin: "aurelia")?.root == first.root)
            #expect(try await store.witnessStates().map(\.origin) == ["aurelia"])
        }
    }
}
