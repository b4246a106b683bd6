import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// A node that rewrites its log (real SQLite tables, rewritten underneath it) and signs the
/// other history is caught: by its witnesses when it asks them to cosign, and by peers
/// comparing what they witnessed.
@Suite(.serialized) struct EquivocationTests {
    static func roots(_ alert: JSONValue) throws -> Set<String> {
        var roots = Set<String>()
        for key in ["first_checkpoint", "second_checkpoint"] {
            let note = try SignedNote(parsing: try #require(alert[key]?.stringValue))
            roots.insert(try Checkpoint(body: note.text).body)
        }
        return roots
    }

    @Test func witnessesRefuseToCosignAForkAndKeepBothCheckpoints() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            _ = try await LogFixtures.author(a, checks: 5, to: ["borealis", "caledonia"])
            let honest = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(honest["size"]?.intValue == 6)
            #expect(honest["cosigners"] == ["borealis", "caledonia"])
            let honestNote = try #require(honest["note"]?.stringValue)

            // Aurelia rewrites history from leaf 2 on, grows it a little, and signs that.
            try await LogFixtures.fork(a, keeping: 2, newLeaves: 7)
            #expect(try await a.node.store.logSize() == 9)
            let forked = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(forked["size"]?.intValue == 9)
            // No witness cosigned the second branch.
            #expect(forked["cosigners"] == [])
            #expect(forked["witnessed_at"]?.isNull == true)
            let forkedNote = try #require(forked["note"]?.stringValue)

            for w in [b, c] {
                // The witness still holds the honest branch…
                let held = try #require(try await w.node.store.witnessState(origin: "aurelia"))
                #expect(held.size == 6)
                #expect(honestNote.hasPrefix(String(held.note.prefix(while: { $0 != "\n" }))))
                // …and reports the fork, with both signed checkpoints, to its operators.
                let alerts = try #require(try await w.client.get("/api/v1/alerts").arrayValue)
                #expect(alerts.count == 1)
                let alert = try #require(alerts.first)
                #expect(alert["origin"]?.stringValue == "aurelia")
                #expect(alert["kind"]?.stringValue == "inconsistent_proof")
                let first = try SignedNote(parsing: try #require(alert["first_checkpoint"]?.stringValue))
                let second = try SignedNote(parsing: try #require(alert["second_checkpoint"]?.stringValue))
                // Both are genuinely signed by aurelia: the alert is proof a third party can check.
                let one = try Checkpoint.open(first, logName: "aurelia", logKey: a.node.keys.publicSigningKey)
                let two = try Checkpoint.open(second, logName: "aurelia", logKey: a.node.keys.publicSigningKey)
                #expect(one.size == 6)
                #expect(two.size == 9)
                #expect(forkedNote.hasPrefix(second.text))
                // Aurelia cannot prove 9 consistent with 6.
                let proof = try await a.node.store.consistencyProof(from: 6, to: 9)
                #expect(throws: AccordError.self) {
                    try Merkle.verifyConsistency(oldSize: 6, newSize: 9, oldRoot: one.rootHash, newRoot: two.rootHash, proof: proof)
                }
                let metrics = try await w.client.send(.GET, "/api/v1/log/metrics")
                #expect(String(decoding: metrics.body, as: UTF8.self).contains("accord_equivocation_alerts_total 1\n"))
            }
            // Asking again does not cosign either, nor repeat the alert.
            _ = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(try await a.node.store.latestCheckpoint()?.cosigners == [])
            #expect(try await b.node.store.alerts().count == 1)
        }
    }

    @Test func peersComparingWhatTheyWitnessedCatchASplitView() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            try await cluster.start("aurelia")
            try await cluster.start("borealis")
            _ = try await LogFixtures.author(a, checks: 4, to: ["borealis"])
            // Branch one, shown to borealis only.
            let one = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(one["cosigners"] == ["borealis"])
            await cluster.stop("borealis")

            // Branch two, same size, shown to caledonia only (which has seen nothing of aurelia yet).
            try await LogFixtures.fork(a, keeping: 1, newLeaves: 4, forgetCheckpoints: true)
            try await cluster.start("caledonia")
            let two = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(two["size"] == one["size"])
            #expect(two["root"] != one["root"])
            #expect(two["cosigners"] == ["caledonia"])
            await cluster.stop("aurelia")

            // Each witness is content with what it saw, until they compare.
            #expect(try await c.node.store.alerts().isEmpty)
            try await cluster.start("borealis")
            #expect(try await b.node.store.alerts().isEmpty)
            _ = try await b.client.post("/api/v1/log/exchange", [:])
            // The evidence reaches caledonia in a request of its own, just after.
            #expect(try await TestCluster.eventually(timeout: .seconds(10)) { try await !c.node.store.alerts().isEmpty })

            for w in [b, c] {
                let alerts = try #require(try await w.client.get("/api/v1/alerts").arrayValue)
                #expect(alerts.count == 1, "\(w.name) raised no alert")
                guard let alert = alerts.first else { continue }
                #expect(alert["kind"]?.stringValue == "same_size_different_root")
                #expect(alert["origin"]?.stringValue == "aurelia")
                // Borealis pulled caledonia's branch and caught the fork; it sent the evidence to
                // caledonia at once, which checked both signed checkpoints itself.
                #expect(alert["detected_via"]?.stringValue == (w.name == "borealis" ? "exchange with caledonia" : "evidence from borealis"))
                // Both branches' checkpoints, both signed by aurelia.
                let notes = try ["first_checkpoint", "second_checkpoint"].map { try SignedNote(parsing: try #require(alert[$0]?.stringValue)) }
                let roots = try Set(notes.map { try Checkpoint.open($0, logName: "aurelia", logKey: a.node.keys.publicSigningKey).rootHash })
                #expect(roots == [try #require(Encoding.unbase64(one["root"]?.stringValue ?? "")), try #require(Encoding.unbase64(two["root"]?.stringValue ?? ""))])
            }
            // Neither witness cosigned the other's branch.
            #expect(try await b.node.store.witnessState(origin: "aurelia")?.root == Encoding.unbase64(one["root"]?.stringValue ?? ""))
            #expect(try await c.node.store.witnessState(origin: "aurelia")?.root == Encoding.unbase64(two["root"]?.stringValue ?? ""))
        }
    }
}
