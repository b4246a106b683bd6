import AccordCore
import AccordLog
import Crypto
import Foundation
import GRDB
import Testing

@testable import AccordStore

/// The SQLite-backed Merkle tree against the in-memory reference, on real files.
@Suite struct MerkleStoreTests {
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "accord-merkle-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(try SQLiteStore(path: dir + "/accord.sqlite"))
    }

    static func id(_ i: Int) -> EventID {
        EventID(bytes: Array(SHA256.hash(data: Array("leaf \(i)".utf8))))
    }

    /// Both trees built from the same ids, appended in delivery-sized transactions.
    func build(_ store: SQLiteStore, count: Int) async throws -> InMemoryMerkleNodes {
        var memory = InMemoryMerkleNodes()
        var batch: [EventID] = []
        for i in 0..<count {
            let id = Self.id(i)
            batch.append(id)
            memory.append(data: id.bytes)
            if batch.count == 500 || i == count - 1 {
                try await store.appendLogLeaves(batch)
                batch.removeAll()
            }
        }
        return memory
    }

    @Test func rootsAndProofsMatchTheInMemoryTreeUpToThreeThousandLeaves() async throws {
        try await withStore { store in
            let count = 3000
            let memory = try await build(store, count: count)
            #expect(try await store.logSize() == Int64(count))
            // Every root.
            var prefix = InMemoryMerkleNodes()
            for size in 1...count {
                prefix.append(data: Self.id(size - 1).bytes)
                let root = try await store.logRoot(size: Int64(size))
                #expect(root == prefix.root, "root of size \(size)")
                if root != prefix.root { return }
            }
            #expect(try await store.logRoot(size: 0) == Merkle.emptyRoot)
            // Random inclusion and consistency proofs, equal to the reference's and verifying.
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<400 {
                let size = Int64.random(in: 1...Int64(count), using: &rng)
                let index = Int64.random(in: 0..<size, using: &rng)
                let proof = try await store.inclusionProof(index: index, size: size)
                #expect(proof == (try Merkle.inclusionProof(index: index, size: size, reader: memory)))
                let root = try Merkle.root(size: size, reader: memory)
                try Merkle.verifyInclusion(leafHash: Merkle.leafHash(Self.id(Int(index)).bytes), index: index, size: size, proof: proof, root: root)

                let old = Int64.random(in: 1...size, using: &rng)
                let consistency = try await store.consistencyProof(from: old, to: size)
                #expect(consistency == (try Merkle.consistencyProof(from: old, to: size, reader: memory)))
                try Merkle.verifyConsistency(
                    oldSize: old, newSize: size, oldRoot: try Merkle.root(size: old, reader: memory), newRoot: root, proof: consistency)
            }
            // Sizes the log does not have are refused, not guessed.
            await #expect(throws: AccordError.self) { _ = try await store.inclusionProof(index: 0, size: Int64(count + 1)) }
            await #expect(throws: AccordError.self) { _ = try await store.logRoot(size: Int64(count + 1)) }
        }
    }

    @Test func authoredEventsAreLeavesOfTheTree() async throws {
        try await withStore { store in
            let keys = NodeKeys.generate()
            var memory = InMemoryMerkleNodes()
            for i in 0..<37 {
                let body: [String: JSONValue] = ["kind": "check", "title": .string("Check \(i)"), "fields": [:],
                                                 "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0).json]
                let e = Event.sign(type: .open, origin: "aurelia", to: ["borealis"], caseID: nil, time: t0, body: body, keys: keys)
                let state = try CaseState.open(CaseStep(e))
                let index = try await store.commitAuthored(e, caseState: state, now: t0)
                #expect(index == Int64(i))
                memory.append(data: e.id.bytes)
                let found = try await store.logIndex(of: e.id)
                #expect(found == Int64(i))
            }
            let root = try await store.logRoot(size: 37)
            #expect(root == memory.root)
        }
    }

    @Test func migrationBackfillRebuildsTheNodesOfAnOldLog() async throws {
        try await withStore { store in
            let memory = try await build(store, count: 777)
            try await store.pool.write { db in
                try db.execute(sql: "DELETE FROM log_nodes")
                try SQLiteStore.backfillLogNodes(db)
            }
            #expect(try await store.logRoot(size: 777) == memory.root)
            #expect(try await store.inclusionProof(index: 5, size: 700) == (try Merkle.inclusionProof(index: 5, size: 700, reader: memory)))
        }
    }

    /// A database written before v2 (leaves only, UNIQUE event ids) gets its tree nodes and the
    /// events' leaf indices when it is opened.
    @Test func aVersionOneDatabaseIsMigrated() async throws {
        let dir = NSTemporaryDirectory() + "accord-v1-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/accord.sqlite"
        let keys = NodeKeys.generate()
        var memory = InMemoryMerkleNodes()
        var ids: [EventID] = []
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteSchema.migrator.migrate(pool, upTo: "v1: events, cases, log, delivery, operators")
            try await pool.write { db in
                for i in 0..<300 {
                    let e = Event.sign(type: .profile, origin: "aurelia", to: [], caseID: nil, time: t0.adding(seconds: Int64(i)), body: ["n": .number(Double(i))], keys: keys)
                    try db.execute(
                        sql: "INSERT INTO events(id, origin, type, time, received_at, body) VALUES (?, 'aurelia', ?, 0, 0, ?)",
                        arguments: [Data(e.id.bytes), e.type.rawValue, Data(e.canonical)])
                    try db.execute(sql: "INSERT INTO log_leaves(event_id) VALUES (?)", arguments: [Data(e.id.bytes)])
                }
            }
            ids = try await pool.read { db in try Data.fetchAll(db, sql: "SELECT event_id FROM log_leaves ORDER BY idx").map { EventID(bytes: [UInt8]($0)) } }
            for id in ids { memory.append(data: id.bytes) }
        }
        let store = try SQLiteStore(path: path)
        #expect(try await store.logSize() == 300)
        #expect(try await store.logRoot(size: 300) == memory.root)
        #expect(try await store.logIndex(of: ids[123]) == 123)
        #expect(try await store.event(ids[7])?.logIndex == 7)
        // And it keeps growing correctly.
        let next = Self.id(999)
        try await store.appendLogLeaves([next])
        memory.append(data: next.bytes)
        #expect(try await store.logRoot(size: 301) == memory.root)
    }

    /// The right border kept between appends must not survive a transaction that rolled back.
    @Test func aRolledBackAppendLeavesNoTrace() async throws {
        try await withStore { store in
            var memory = try await build(store, count: 5)
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await store.pool.write { db in
                    for i in 100..<103 { _ = try SQLiteStore.appendToLog(db, eventID: Self.id(i)) }
                    throw Abort()
                }
            }
            #expect(try await store.logSize() == 5)
            for i in 5..<40 {
                try await store.appendLogLeaves([Self.id(i)])
                memory.append(data: Self.id(i).bytes)
            }
            #expect(try await store.logRoot(size: 40) == memory.root)
        }
    }

    @Test func witnessStateChecksAndUpdatesAtomically() async throws {
        try await withStore { store in
            // 40 concurrent "add-checkpoint" attempts, each valid only against the size it read.
            let successes = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        let claimed = Int64(i % 5)
                        let ok = try? await store.updateWitnessState(origin: "aurelia") { current -> (WitnessState?, Bool) in
                            guard (current?.size ?? 0) == claimed else { return (nil, false) }
                            return (WitnessState(origin: "aurelia", size: claimed + 1, root: [UInt8](repeating: UInt8(claimed), count: 32), note: "n\(claimed + 1)",
                                                 updatedAt: Timestamp(milliseconds: 0)), true)
                        }
                        return ok ?? false
                    }
                }
                var n = 0
                for await ok in group where ok { n += 1 }
                return n
            }
            let state = try #require(try await store.witnessState(origin: "aurelia"))
            // Never rolled back: the size equals the number of accepted steps, each from the size before.
            #expect(state.size == Int64(successes))
            #expect(state.note == "n\(successes)")
        }
    }

    @Test func checkpointsCosignaturesReceiptsAndAlertsPersist() async throws {
        try await withStore { store in
            _ = try await build(store, count: 10)
            let root = try await store.logRoot(size: 10)
            try await store.saveCheckpoint(StoredCheckpoint(size: 10, root: root, note: "aurelia\n10\nx\n\n— aurelia AAAA\n", issuedAt: t0))
            #expect(try await store.latestWitnessedCheckpoint() == nil)
            let one = try await store.addCosignatures(size: 10, [StoredCosignature(witness: "borealis", line: "— borealis BBBB\n", timestamp: 1)], quorum: 2, now: t0)
            #expect(one?.witnessedAt == nil)
            #expect(one?.note.hasSuffix("— aurelia AAAA\n— borealis BBBB\n") == true)
            let two = try await store.addCosignatures(size: 10, [StoredCosignature(witness: "caledonia", line: "— caledonia CCCC\n", timestamp: 2)], quorum: 2, now: t0)
            #expect(two?.witnessedAt == t0)
            #expect(two?.cosigners == ["borealis", "caledonia"])
            #expect(try await store.lastCosignedSize(by: "borealis") == 10)
            #expect(try await store.lastCosignedSize(by: "nobody") == 0)

            let receipt = Receipt(event: Self.id(3), origin: "borealis", leafIndex: 3, treeSize: 10, proof: [Array(root), Array(root)], checkpoint: "cp", obtainedAt: t0)
            try await store.saveReceipt(receipt)
            #expect(try await store.receipt(for: Self.id(3)) == receipt)

            let alert = EquivocationAlert(kind: "same_size_different_root", origin: "borealis", detectedVia: "test", message: "m", first: "a", second: "b", raisedAt: t0)
            #expect(try await store.raiseAlert(alert))
            #expect(try await !store.raiseAlert(EquivocationAlert(kind: "k", origin: "borealis", detectedVia: "x", message: "m", first: "b", second: "a", raisedAt: t0)))
            #expect(try await store.alerts().map(\.kind) == ["same_size_different_root"])
        }
    }
}
