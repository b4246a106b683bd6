import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Issue 7, point 2, over real nodes on loopback: the verifier sets the trust policy, never the
/// bundle; a bundle for an event signed before a key rotation verifies through its rotation chain.
@Suite(.serialized) struct ProofTrustPolicyTests {
    typealias P = ProofBundleTests

    static func with(_ json: JSONValue, _ key: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var m) = json else { return json }
        m[key] = value
        return .object(m)
    }

    /// The checkpoint note without its cosignature lines (text, blank line, origin's signature).
    static func uncosigned(_ note: String) -> String {
        note.split(separator: "\n", omittingEmptySubsequences: false).prefix(5).joined(separator: "\n") + "\n"
    }

    @Test func aBundleWithALoweredQuorumNoCosignatureOrKeysOnlyInTheBundleIsInvalid() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            _ = try await a.client.post("/api/v1/log/checkpoints", [:])
            let reply = try await P.proof(b, id)
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            let json = try JSONParser.parse(reply.body)
            await cluster.stopAll()
            let dir = cluster.root.path
            let data = b.directory.url.path
            try P.write(json, dir + "/bundle.json")
            var r = try await P.run(["proof", "verify", dir + "/bundle.json", "--data", data])
            #expect(r.status == 0 && r.output.contains("VALID: event \(id)"), "\(r.output)")

            // The bundle lowers its own quorum to 0 and drops every cosignature: still 1 required.
            let note = try #require(json["checkpoint"]?.stringValue)
            let lowered = Self.with(Self.with(json, "witness_quorum", 0), "checkpoint", .string(Self.uncosigned(note)))
            try P.write(lowered, dir + "/lowered.json")
            r = try await P.run(["proof", "verify", dir + "/lowered.json", "--data", data])
            #expect(r.status == 1)
            #expect(r.output.contains("INVALID: checkpoint cosignatures: 0 valid cosignature(s) from trusted witnesses (borealis, caledonia), 1 required"), "\(r.output)")
            // No cosignature, quorum as exported: the same.
            try P.write(Self.with(json, "checkpoint", .string(Self.uncosigned(note))), dir + "/uncosigned.json")
            r = try await P.run(["proof", "verify", dir + "/uncosigned.json", "--data", data])
            #expect(r.status == 1 && r.output.contains("INVALID: checkpoint cosignatures: 0 valid"), "\(r.output)")
            // Only the verifier lowers it, explicitly.
            r = try await P.run(["proof", "verify", dir + "/lowered.json", "--data", data, "--quorum", "0"])
            #expect(r.status == 0 && r.output.contains("VALID"), "\(r.output)")
            // The library says the same, under the node's own policy.
            let policy = TrustPolicy(trusting: Dictionary(uniqueKeysWithValues: try await b.directory.openStore().peers().map { ($0.name, $0.signingKey) })
                .merging(["borealis": try b.directory.loadKeys().publicSigningKey]) { x, _ in x })
            #expect(throws: AccordError.self) { try ProofBundle(json: lowered).verify(policy: policy) }
            #expect(try ProofBundle(json: json).verify(policy: policy).witnesses.count == 2)

            // Keys only in the bundle: a stranger signs an "aurelia" event, checkpoint and
            // cosignatures with keys of its own, and lists those keys in the bundle.
            let mallory = NodeKeys.generate(), w1 = NodeKeys.generate(), w2 = NodeKeys.generate()
            let original = try ProofBundle(json: json)
            let fake = Event.sign(type: original.event.type, origin: "aurelia", to: ["borealis"], caseID: nil, time: original.event.time,
                                  body: original.event.body, keys: mallory)
            var forgedNote = try Checkpoint(origin: "aurelia", size: 1, rootHash: Merkle.leafHash(fake.id.bytes)).sign(keys: mallory)
            try forgedNote.cosign(name: "borealis", keys: w1, time: a.node.time.now())
            try forgedNote.cosign(name: "caledonia", keys: w2, time: a.node.time.now())
            let forged = ProofBundle(
                event: fake, leafIndex: 0, treeSize: 1, inclusionProof: [], checkpoint: forgedNote.serialized,
                keys: [.init(name: "aurelia", role: "origin", key: mallory.publicSigningKey), .init(name: "borealis", role: "witness", key: w1.publicSigningKey),
                       .init(name: "caledonia", role: "witness", key: w2.publicSigningKey)],
                witnessQuorum: 2)
            try P.write(forged.json, dir + "/forged.json")
            r = try await P.run(["proof", "verify", dir + "/forged.json", "--data", data])
            #expect(r.status == 1)
            #expect(r.output.contains("INVALID: event signature: the event \(fake.id.short) does not verify with aurelia's trusted key"), "\(r.output)")
            // With no trust source there is nothing to verify against; the bundle's keys are no option.
            r = try await P.run(["proof", "verify", dir + "/forged.json"])
            #expect(r.status != 0 && r.output.contains("the keys a bundle or export carries are never trusted"), "\(r.output)")
            r = try await P.run(["proof", "verify", dir + "/forged.json", "--bundle-keys"])
            #expect(r.status != 0 && !r.output.contains("VALID"), "\(r.output)")
            // A policy that trusts only witnesses: no origin key, INVALID.
            let policyFile = dir + "/witnesses-only.json"
            try P.write(["witnesses": [["name": "caledonia", "signing_key": .string(cluster["caledonia"].node.keys.publicSigningKey.base64)]]], policyFile)
            r = try await P.run(["proof", "verify", dir + "/bundle.json", "--policy", policyFile])
            #expect(r.status == 1 && r.output.contains("INVALID: no trusted key for the event's origin aurelia"), "\(r.output)")
        }
    }

    @Test func aBundleForAnEventSignedBeforeARotationVerifiesAndABrokenChainDoesNot() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let oldKey = a.node.keys.publicSigningKey
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            // Witnessed and receipted under the old key.
            _ = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(try await TestCluster.eventually {
                _ = try await b.client.post("/api/v1/receipts/fetch", [:])
                return try await b.node.store.receipt(for: try #require(EventID(hex: id))) != nil
            })

            // Aurelia rotates; borealis follows.
            _ = try await a.client.post("/api/v1/key/rotate", [:])
            let newKey = a.node.keys.publicSigningKey
            #expect(newKey != oldKey)
            #expect(try await TestCluster.eventually { try await b.node.store.peer(named: "aurelia")?.signingKey == newKey })

            // Borealis's bundle: its receipt's checkpoint, signed with the old key, and the rotation.
            let fromB = try await P.proof(b, id)
            #expect(fromB.status == 200, "\(String(decoding: fromB.body, as: UTF8.self))")
            let bundleB = try JSONParser.parse(fromB.body)
            #expect(bundleB["event_key"]?.stringValue == oldKey.base64)
            #expect(bundleB["rotations"]?.arrayValue?.count == 1)

            // Aurelia's bundle, after a checkpoint signed with the new key has been witnessed.
            let before = try await a.node.store.latestWitnessedCheckpoint()?.size ?? 0
            #expect(try await TestCluster.eventually {
                _ = try await a.client.post("/api/v1/log/checkpoints", [:])
                return (try await a.node.store.latestWitnessedCheckpoint()?.size ?? 0) > before
            })
            let fromA = try await P.proof(a, id)
            #expect(fromA.status == 200, "\(String(decoding: fromA.body, as: UTF8.self))")
            let bundleA = try JSONParser.parse(fromA.body)
            #expect(bundleA["rotations"]?.arrayValue?.count == 1)
            #expect(bundleA["checkpoint"] != bundleB["checkpoint"])
            // An event after the rotation needs no chain.
            let after = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let afterID = try #require(after["event"]?.stringValue)
            #expect(try await TestCluster.eventually {
                _ = try await a.client.post("/api/v1/log/checkpoints", [:])
                return try await a.client.send(.GET, "/api/v1/proofs/\(afterID)").status == 200
            })
            let bundleAfter = try JSONParser.parse(try await a.client.send(.GET, "/api/v1/proofs/\(afterID)").body)
            #expect(bundleAfter["rotations"] == nil && bundleAfter["event_key"] == nil)
            await cluster.stopAll()

            let dir = cluster.root.path, data = b.directory.url.path
            for (name, json) in [("from-b", bundleB), ("from-a", bundleA), ("after", bundleAfter)] {
                try P.write(json, "\(dir)/\(name).json")
                let r = try await P.run(["proof", "verify", "\(dir)/\(name).json", "--data", data])
                #expect(r.status == 0 && r.output.contains("VALID"), "\(name): \(r.output)")
                if name != "after" { #expect(r.output.contains("ok: rotation 1 of 1"), "\(name): \(r.output)") }
            }

            // Missing: the chain removed.
            try P.write(Self.with(bundleB, "rotations", nil), dir + "/missing.json")
            var r = try await P.run(["proof", "verify", dir + "/missing.json", "--data", data])
            #expect(r.status == 1 && r.output.contains("INVALID: rotation: the event was signed by key \(oldKey.fingerprint)"), "\(r.output)")
            // Forged: a rotation to aurelia's current key signed by another key.
            let rotation = try Event(json: try #require(bundleB["rotations"]?.arrayValue?.first))
            let other = NodeKeys.generate()
            let forgedRotation = Event.sign(type: .keyRotation, origin: "aurelia", to: rotation.to, caseID: nil, time: rotation.time,
                                            body: ["signing_key": .string(newKey.base64)], keys: other)
            try P.write(Self.with(bundleB, "rotations", [forgedRotation.json]), dir + "/forged.json")
            r = try await P.run(["proof", "verify", dir + "/forged.json", "--data", data])
            #expect(r.status == 1 && r.output.contains("INVALID: rotation 1 of 1 (event \(forgedRotation.id.short)): it is not signed by the key it rotates from"), "\(r.output)")
            // Broken: the rotation's body altered (its signature no longer verifies).
            guard case .object(var m) = rotation.json, case .object(var body) = m["body"]! else { Issue.record("no body"); return }
            body["signing_key"] = .string(other.publicSigningKey.base64)
            m["body"] = .object(body)
            try P.write(Self.with(bundleB, "rotations", [.object(m)]), dir + "/broken.json")
            r = try await P.run(["proof", "verify", dir + "/broken.json", "--data", data])
            #expect(r.status == 1 && r.output.contains("INVALID: rotation 1 of 1"), "\(r.output)")
            // A verifier still pinning the old key: the chain ends elsewhere.
            let stale = dir + "/stale.json"
            try P.write(["keys": [["name": "aurelia", "signing_key": .string(oldKey.base64)], ["name": "borealis", "signing_key": .string(b.node.keys.publicSigningKey.base64)]]], stale)
            r = try await P.run(["proof", "verify", dir + "/from-b.json", "--policy", stale])
            #expect(r.status == 1 && r.output.contains("INVALID: rotation chain: its 1 rotation(s) lead from the event's key"), "\(r.output)")
        }
    }
}
