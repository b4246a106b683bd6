import AccordCore
import AccordStore
import Foundation
import Testing

/// The SQLite store on real files.
@Suite struct SQLiteStoreTests {
    let keys = NodeKeys.generate()
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func withStore(_ body: (SQLiteStore, String) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "accord-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/accord.sqlite"
        try await body(try SQLiteStore(path: path), path)
    }

    func openEvent(to: [String] = ["borealis"]) throws -> (Event, CaseState) {
        let body: [String: JSONValue] = ["kind": "check", "title": "Check", "fields": [:], "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0).json]
        let e = Event.sign(type: .open, origin: "aurelia", to: to, caseID: nil, time: t0, body: body, keys: keys)
        return (e, try CaseState.open(CaseStep(e)))
    }

    @Test func authoredEventsGoToTheLogAndTheOutboxTogether() async throws {
        try await withStore { store, path in
            try await store.savePeer(Peer(name: "borealis", url: "http://127.0.0.1:1", signingKey: NodeKeys.generate().publicSigningKey, encryptionKey: NodeKeys.generate().publicEncryptionKey, addedAt: t0))
            try await store.savePeer(Peer(name: "caledonia", url: "http://127.0.0.1:2", signingKey: NodeKeys.generate().publicSigningKey, encryptionKey: NodeKeys.generate().publicEncryptionKey, addedAt: t0))
            let (e, state) = try openEvent(to: ["borealis", "caledonia"])
            #expect(try await store.commitAuthored(e, caseState: state, now: t0) == 0)
            #expect(try await store.logSize() == 1)
            #expect(try await store.pendingDeliveries(peer: "borealis", limit: 10).map(\.id) == [e.id])
            #expect(try await store.pendingDeliveries(peer: "caledonia", limit: 10).map(\.id) == [e.id])
            #expect(try await store.caseState(e.id) == state)
            // A second commit of the same event fails whole: no second leaf, no second outbox row.
            await #expect(throws: AccordError.self) { _ = try await store.commitAuthored(e, caseState: state, now: t0) }
            #expect(try await store.logSize() == 1)
            #expect(try await store.pendingDeliveries(peer: "borealis", limit: 10).count == 1)
            // The cursor moves, and survives reopening the file.
            let position = try await store.pendingDeliveries(peer: "borealis", limit: 1)[0].position
            try await store.acknowledgeDelivery(peer: "borealis", through: position, rejections: [], now: t0)
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.pendingDeliveries(peer: "borealis", limit: 10).isEmpty)
            #expect(try await reopened.pendingDeliveries(peer: "caledonia", limit: 10).count == 1)
            #expect(try await reopened.stored(e.id) == e)
        }
    }

    /// Delivery reads the next batch while the previous one's cursor is still being committed.
    @Test func pendingDeliveriesStartAfterTheCursorAndAfterWhatWasSent() async throws {
        try await withStore { store, _ in
            try await store.savePeer(Peer(name: "borealis", url: "http://127.0.0.1:1", signingKey: NodeKeys.generate().publicSigningKey, encryptionKey: NodeKeys.generate().publicEncryptionKey, addedAt: t0))
            var ids: [EventID] = []
            for _ in 0..<5 {
                let (e, state) = try openEvent()
                _ = try await store.commitAuthored(e, caseState: state, now: t0)
                ids.append(e.id)
            }
            let all = try await store.pendingDeliveries(peer: "borealis", limit: 10)
            #expect(all.map(\.id) == ids)
            #expect(try await store.pendingDeliveries(peer: "borealis", after: all[1].position, limit: 10).map(\.id) == Array(ids[2...]))
            #expect(try await store.pendingDeliveries(peer: "borealis", after: all[1].position, limit: 2).map(\.id) == Array(ids[2..<4]))
            // The durable cursor wins when it is further on.
            try await store.acknowledgeDelivery(peer: "borealis", through: all[3].position, rejections: [], now: t0)
            #expect(try await store.pendingDeliveries(peer: "borealis", after: all[1].position, limit: 10).map(\.id) == [ids[4]])
            #expect(try await store.pendingDeliveries(peer: "borealis", after: all[4].position, limit: 10).isEmpty)
        }
    }

    @Test func aReceivedBatchIsAppliedOnce() async throws {
        try await withStore { store, _ in
            try await store.savePeer(Peer(name: "aurelia", url: "http://127.0.0.1:1", signingKey: keys.publicSigningKey, encryptionKey: keys.publicEncryptionKey, addedAt: t0))
            let (e, state) = try openEvent()
            let receipt = InboundReceipt(peer: "aurelia", batchID: "b1", events: [e], caseStates: [state], keyChanges: [], result: Array("r".utf8), now: t0)
            try await store.commitReceived(receipt)
            try await store.commitReceived(receipt)
            #expect(try await store.eventCount() == 1)
            #expect(try await store.inboundBatchResult(peer: "aurelia", batchID: "b1") == Array("r".utf8))
            // A different batch carrying the same event cannot store it twice, and leaves nothing half-written.
            let again = InboundReceipt(peer: "aurelia", batchID: "b2", events: [e], caseStates: [state], keyChanges: [], result: [], now: t0)
            await #expect(throws: AccordError.self) { try await store.commitReceived(again) }
            #expect(try await store.inboundBatchResult(peer: "aurelia", batchID: "b2") == nil)
        }
    }

    /// Commits never checkpoint the WAL themselves (its fsync would land in their latency);
    /// the background checkpointer copies it into the database file.
    @Test func theWALIsCheckpointedInTheBackground() async throws {
        try await withStore { store, path in
            func size(_ p: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0 }
            let before = size(path)
            let big: JSONValue = .string(String(repeating: "x", count: 2000))
            for i in 0..<400 {
                let body: [String: JSONValue] = ["kind": "check", "title": .string("Check \(i)"), "fields": ["message": big],
                                                 "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0).json]
                let e = Event.sign(type: .open, origin: "aurelia", to: ["borealis"], caseID: nil, time: t0, body: body, keys: keys)
                _ = try await store.commitAuthored(e, caseState: try CaseState.open(CaseStep(e)), now: t0)
            }
            #expect(size(path + "-wal") > 1_000_000)
            var waited = 0
            while size(path) < before + 1_000_000 && waited < 100 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(size(path) >= before + 1_000_000, "the database file did not grow: the WAL was not checkpointed")
            #expect(try await store.eventCount() == 400)
        }
    }

    @Test func theDatabaseFileIsOwnerOnly() async throws {
        try await withStore { _, path in
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o077 == 0)
        }
    }

    @Test func aDamagedFileIsReportedNotOverwritten() async throws {
        let path = NSTemporaryDirectory() + "accord-bad-\(UUID().uuidString.prefix(8)).sqlite"
        try Data("this is not a database".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: AccordError.self) { _ = try SQLiteStore(path: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "this is not a database")
    }

    @Test func tokensAreStoredAsHashesWithUniqueNames() async throws {
        try await withStore { store, _ in
            let record = TokenRecord(hash: [UInt8](repeating: 9, count: 32), name: "duty", role: .officer, createdAt: t0)
            try await store.saveToken(record)
            await #expect(throws: AccordError.self) { try await store.saveToken(TokenRecord(hash: [1], name: "duty", role: .admin, createdAt: t0)) }
            #expect(try await store.token(hash: record.hash)?.role == .officer)
            #expect(try await store.revokeToken(name: "duty"))
            #expect(try await store.token(hash: record.hash)?.revoked == true)
        }
    }
}

extension SQLiteStore {
    func stored(_ id: EventID) async throws -> Event? { try await event(id)?.event }
}
