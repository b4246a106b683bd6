import AccordCore
import AccordLog
import Foundation
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
}
