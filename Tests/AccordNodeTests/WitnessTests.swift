import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// The C2SP tlog-witness add-checkpoint endpoint of a real node, over real HTTP: every answer
/// the spec defines.
@Suite(.serialized) struct WitnessTests {
    static let path = LogCoordinator.witnessPath

    @Test func everyAnswerOfAddCheckpoint() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            _ = try await LogFixtures.author(a, checks: 3, to: ["borealis"])
            let note4 = try await LogFixtures.checkpoint(a)
            #expect(try await a.node.store.logSize() == 4)

            // No message signature: 401, nothing stored.
            var r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 0, note: note4), to: b, from: a, signed: false)
            #expect(r.status == 401)

            // 400: not an add-checkpoint body; old size above the checkpoint size.
            r = try await LogFixtures.post(Self.path, Array("hello\n".utf8), to: b, from: a)
            #expect(r.status == 400)
            #expect(r.errorCode == "malformed")
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 5, note: note4), to: b, from: a)
            #expect(r.status == 400)

            // 404: a log this node does not witness (origin not pinned).
            let stranger = NodeKeys.generate()
            let unknown = try Checkpoint(origin: "zeta", size: 4, rootHash: try await a.node.store.logRoot(size: 4)).sign(keys: stranger)
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 0, note: unknown), to: b, from: a)
            #expect(r.status == 404)
            #expect(r.errorCode == "not_found")

            // 403: aurelia's origin line, signed by another key.
            let forged = try await LogFixtures.checkpoint(a, keys: stranger)
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 0, note: forged), to: b, from: a)
            #expect(r.status == 403)
            #expect(r.errorCode == "forbidden")
            #expect(try await b.node.store.witnessState(origin: "aurelia") == nil)

            // 200: first checkpoint, old size 0 and no proof. The answer is borealis's cosignature line.
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 0, note: note4), to: b, from: a)
            #expect(r.status == 200, "\(r.text)")
            var cosigned = note4
            for line in try AddCheckpointRequest.cosignatureLines(r.body, for: note4) { try cosigned.add(line) }
            let witnessKey = try NoteVerifierKey(name: "borealis", type: .cosignatureV1, key: b.node.keys.publicSigningKey)
            #expect(try cosigned.verify(against: [witnessKey]).count == 1)
            let state = try #require(try await b.node.store.witnessState(origin: "aurelia"))
            #expect(state.size == 4)

            // 409: the client's old size is stale; the body is the witness's size, as text/x.tlog.size.
            _ = try await LogFixtures.author(a, checks: 3, to: ["borealis"])
            let note7 = try await LogFixtures.checkpoint(a)
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 0, note: note7), to: b, from: a)
            #expect(r.status == 409)
            #expect(r.text == "4\n")
            #expect(r.contentType == AddCheckpointRequest.sizeContentType)

            // 422: the right old size with a proof that does not verify, and with none at all.
            var proof = try await a.node.store.consistencyProof(from: 4, to: 7)
            proof[0][0] ^= 1
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 4, proof: proof, note: note7), to: b, from: a)
            #expect(r.status == 422)
            #expect(r.errorCode == "bad_proof")
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 4, proof: [], note: note7), to: b, from: a)
            #expect(r.status == 422)
            #expect(try await b.node.store.witnessState(origin: "aurelia")?.size == 4)
            // The origin itself failed to prove its checkpoint consistent: kept as evidence, once.
            var alerts = try await b.node.store.alerts()
            #expect(alerts.map(\.kind) == ["inconsistent_proof"])
            #expect(alerts.first?.first.hasPrefix(note4.text) == true)
            #expect(alerts.first?.second == note7.serialized)

            // 200 with the true proof; the state moves to 7.
            proof = try await a.node.store.consistencyProof(from: 4, to: 7)
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 4, proof: proof, note: note7), to: b, from: a)
            #expect(r.status == 200, "\(r.text)")
            #expect(try await b.node.store.witnessState(origin: "aurelia")?.size == 7)

            // 409 again for the same size with another root: a fork, kept as an alert with both notes.
            let other = try Checkpoint(origin: "aurelia", size: 7, rootHash: Array(repeating: 7, count: 32)).sign(keys: a.node.keys)
            r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 7, note: other), to: b, from: a)
            #expect(r.status == 409)
            #expect(r.text == "7\n")
            alerts = try await b.node.store.alerts()
            #expect(alerts.count == 2)
            #expect(alerts.last?.kind == "same_size_different_root")
            #expect(alerts.last?.first.hasPrefix(note7.text) == true)
            #expect(alerts.last?.second == other.serialized)
            #expect(try await b.node.store.witnessState(origin: "aurelia")?.root == (try await a.node.store.logRoot(size: 7)))
        }
    }

    @Test func aRelayedBadProofIsRefusedButAccusesNobody() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            _ = try await LogFixtures.author(a, checks: 2, to: ["borealis"])
            let first = try await LogFixtures.checkpoint(a)
            #expect(try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 0, note: first), to: b, from: a).status == 200)
            _ = try await LogFixtures.author(a, checks: 2, to: ["borealis"])
            let second = try await LogFixtures.checkpoint(a)
            // caledonia relays aurelia's honest checkpoint with a made-up proof.
            let r = try await LogFixtures.post(Self.path, LogFixtures.addCheckpoint(old: 3, proof: [Array(repeating: 1, count: 32)], note: second), to: b, from: c)
            #expect(r.status == 422)
            #expect(try await b.node.store.alerts().isEmpty)
        }
    }
}
