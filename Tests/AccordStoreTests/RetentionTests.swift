import AccordCore
import AccordLog
import Crypto
import Foundation
import GRDB
import Testing

@testable import AccordStore

/// Tables that grow with traffic are pruned by policy; alerts are one per pair of checkpoints.
@Suite struct RetentionTests {
    let keys = NodeKeys.generate()
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "accord-retention-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(try SQLiteStore(path: dir + "/accord.sqlite"))
    }

    func note(size: Int64, root: UInt8, extraCosigner: NodeKeys? = nil) throws -> String {
        var signed = try Checkpoint(origin: "borealis", size: size, rootHash: Array(repeating: root, count: 32)).sign(keys: keys)
        if let extraCosigner {
            let line = try Cosignature(signing: signed.text, name: "witness-\(UUID().uuidString.prefix(4).lowercased())", keys: extraCosigner, time: t0).noteSignature
            signed = try SignedNote(text: signed.text, signatures: signed.signatures + [line])
        }
        return signed.serialized
    }

    @Test func alertsAreOnePerPairOfCheckpointsWhateverTheirCosignatures() async throws {
        try await withStore { store in
            let a = try note(size: 5, root: 1), b = try note(size: 5, root: 2)
            func alert(_ first: String, _ second: String) -> EquivocationAlert {
                EquivocationAlert(kind: "same_size_different_root", origin: "borealis", detectedVia: "test", message: "fork", first: first, second: second, raisedAt: t0)
            }
            #expect(try await store.raiseAlert(alert(a, b)))
            // The same two checkpoints, in the other order, or carrying other cosignature lines.
            #expect(try await store.raiseAlert(alert(b, a)) == false)
            let b2 = try note(size: 5, root: 2, extraCosigner: NodeKeys.generate())
            #expect(b2 != b)
            #expect(try await store.raiseAlert(alert(a, b2)) == false)
            // Another pair is another alert.
            #expect(try await store.raiseAlert(alert(a, try note(size: 5, root: 3))))
            #expect(try await store.alerts().count == 2)
        }
    }

    @Test func pruningKeepsWhatIsStillNeeded() async throws {
        try await withStore { store in
            let old = t0.adding(days: -60)
            for size in Int64(1)...3 {
                try await store.saveObservedCheckpoint(ObservedCheckpoint(
                    origin: "borealis", size: size, root: Array(repeating: UInt8(size), count: 32), note: try note(size: size, root: UInt8(size)),
                    source: "test", observedAt: old))
            }
            for i in 0..<5 {
                _ = try await store.raiseAlert(EquivocationAlert(
                    kind: "same_size_different_root", origin: "borealis", detectedVia: "test", message: "fork \(i)",
                    first: try note(size: 9, root: 0), second: try note(size: 9, root: UInt8(10 + i)), raisedAt: t0))
            }
            let deleted = try await store.prune(RetentionPolicy(inboundBatchDays: 30, observedCheckpointDays: 30, alertsPerOrigin: 2), now: t0)
            #expect(deleted["observed_checkpoints"] == 2)
            #expect(deleted["alerts"] == 3)
            // The newest alerts stay; the latest observed checkpoint of an origin stays whatever its age.
            let alerts = try await store.alerts()
            #expect(alerts.map(\.message) == ["fork 3", "fork 4"])
            let again = try await store.prune(RetentionPolicy(), now: t0)
            #expect(again.values.allSatisfy { $0 == 0 })
        }
    }

    @Test func taxiiStatusResourcesAreKeptForTheirDaysOnly() async throws {
        try await withStore { store in
            for (id, age) in [("old", Int64(-8)), ("week", -6), ("new", 0)] {
                try await store.saveStatus(TAXIIStatusRecord(id: id, account: "misp", body: Array("{}".utf8), createdAt: t0.adding(days: age)))
            }
            let deleted = try await store.prune(RetentionPolicy(taxiiStatusDays: 7), now: t0)
            #expect(deleted["taxii_status"] == 1)
            #expect(try await store.status("old") == nil)
            #expect(try await store.status("week") != nil)
            #expect(try await store.status("new") != nil)
        }
    }

    @Test func aCheckpointIsStoredOnceAndPruningNeverTakesWhatAReceiptNeeds() async throws {
        try await withStore { store in
            let old = t0.adding(days: -60)
            // A hundred receipts from one answer share one note; an observed checkpoint of the same text adds none.
            let shared = try note(size: 100, root: 7)
            for i in 0..<100 {
                try await store.saveReceipt(Receipt(
                    event: EventID(bytes: Array(SHA256.hash(data: [UInt8(i)]))), origin: "borealis", leafIndex: Int64(i), treeSize: 100,
                    proof: [Array(repeating: UInt8(i), count: 32)], checkpoint: shared, obtainedAt: old))
            }
            try await store.saveObservedCheckpoint(ObservedCheckpoint(origin: "borealis", size: 100, root: Array(repeating: 7, count: 32), note: shared, source: "receipt", observedAt: old))
            // Older observed checkpoints, one of them also the note of a receipt.
            let kept = try note(size: 50, root: 5)
            try await store.saveReceipt(Receipt(
                event: EventID(bytes: Array(SHA256.hash(data: Array("early".utf8)))), origin: "borealis", leafIndex: 10, treeSize: 50,
                proof: [], checkpoint: kept, obtainedAt: old))
            for (size, root, text) in [(Int64(50), UInt8(5), kept), (Int64(60), UInt8(6), try note(size: 60, root: 6))] {
                try await store.saveObservedCheckpoint(ObservedCheckpoint(
                    origin: "borealis", size: size, root: Array(repeating: root, count: 32), note: text, source: "test", observedAt: old))
            }
            #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkpoint_notes") } == 3)

            let deleted = try await store.prune(RetentionPolicy(observedCheckpointDays: 30), now: t0)
            #expect(deleted["observed_checkpoints"] == 2)
            // Only the note of size 60 went: nothing but its observed row referred to it.
            #expect(deleted["checkpoint_notes"] == 1)
            for i in 0..<100 {
                let r = try #require(try await store.receipt(for: EventID(bytes: Array(SHA256.hash(data: [UInt8(i)])))))
                #expect(r.checkpoint == shared)
            }
            #expect(try await store.receipt(for: EventID(bytes: Array(SHA256.hash(data: Array("early".utf8)))))?.checkpoint == kept)
            #expect(try await store.receiptCheckpoint(origin: "borealis", atMost: 99) == kept)
            // The database itself refuses to drop a note a receipt refers to.
            await #expect(throws: (any Error).self) {
                try await store.write { db in try db.execute(sql: "DELETE FROM checkpoint_notes") }
            }
        }
    }

    /// A database written before v4 (a copy of the note in every receipt and observed row)
    /// keeps every receipt and observed checkpoint, with each note stored once.
    @Test func aVersionThreeDatabaseIsMigrated() async throws {
        let dir = NSTemporaryDirectory() + "accord-v3-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/accord.sqlite"
        let shared = try note(size: 40, root: 4), other = try note(size: 30, root: 3)
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteSchema.migrator.migrate(pool, upTo: "v3: peer replacements, encryption keys required")
            try await pool.write { db in
                for i in 0..<20 {
                    try db.execute(
                        sql: "INSERT INTO receipts(event_id, origin, leaf_index, tree_size, proof, checkpoint, obtained_at) VALUES (?, 'borealis', ?, 40, ?, ?, 0)",
                        arguments: [Data(SHA256.hash(data: [UInt8(i)])), i, Data(repeating: UInt8(i), count: 32), shared])
                }
                for (size, text) in [(40, shared), (30, other)] {
                    try db.execute(
                        sql: "INSERT INTO observed_checkpoints(origin, size, root, note, source, observed_at) VALUES ('borealis', ?, ?, ?, 'receipt', 0)",
                        arguments: [size, Data(repeating: UInt8(size / 10), count: 32), text])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkpoint_notes") } == 2)
        for i in 0..<20 {
            let r = try #require(try await store.receipt(for: EventID(bytes: Array(SHA256.hash(data: [UInt8(i)])))))
            #expect(r.checkpoint == shared && r.leafIndex == Int64(i) && r.proof == [Array(repeating: UInt8(i), count: 32)])
        }
        #expect(try await store.observedCheckpoint(origin: "borealis", atMost: 35)?.note == other)
        #expect(try await store.observedCheckpoint(origin: "borealis", atMost: 99)?.note == shared)
    }
}
