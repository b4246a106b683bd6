import AccordCore
import AccordHTTP
import AccordLog
@testable import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Checkpoints, cosignatures and receipts between real nodes.
@Suite(.serialized) struct LogTests {
    @Test func checkpointsAreCosignedByPeersAndWitnessedAtQuorum() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], log: LogSettings(checkpointIntervalSeconds: 0, witnessQuorum: 2, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0)) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            _ = try await LogFixtures.author(a, checks: 3, to: ["borealis"])

            let first = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(first["size"]?.intValue == 4)
            #expect(first["cosigners"] == ["borealis", "caledonia"])
            #expect(first["witnessed_at"]?.stringValue != nil)
            // The note verifies: aurelia's signature and both cosignatures.
            let note = try SignedNote(parsing: try #require(first["note"]?.stringValue))
            let checkpoint = try Checkpoint.open(note, logName: "aurelia", logKey: a.node.keys.publicSigningKey)
            #expect(checkpoint.rootHash == (try await a.node.store.logRoot(size: 4)))
            let witnesses = try [b, c].map { try NoteVerifierKey(name: $0.name, type: .cosignatureV1, key: $0.node.keys.publicSigningKey) }
            #expect(try note.verify(against: witnesses).map(\.name) == ["borealis", "caledonia"])
            #expect(try await b.node.store.witnessState(origin: "aurelia")?.size == 4)

            // The log grows; the next round sends consistency proofs from 4, and both cosign again.
            _ = try await LogFixtures.author(a, checks: 5, to: ["caledonia"])
            let second = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(second["size"]?.intValue == 9)
            #expect(second["cosigners"] == ["borealis", "caledonia"])
            #expect(try await c.node.store.witnessState(origin: "aurelia")?.size == 9)
            // Nothing new: the same checkpoint comes back.
            #expect(try await a.client.post("/api/v1/log/checkpoints", [:])["size"]?.intValue == 9)

            // With one witness down, the quorum of two is not met: issued, not witnessed.
            await cluster.stop("caledonia")
            _ = try await LogFixtures.author(a, checks: 1, to: ["borealis"])
            let third = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(third["size"]?.intValue == 10)
            #expect(third["cosigners"] == ["borealis"])
            #expect(third["witnessed_at"]?.isNull == true)
            let status = try await a.client.get("/api/v1/log")
            #expect(status["witnessed"]?["size"]?.intValue == 9)
            // Back up: the next round completes the quorum for size 10.
            try await cluster.start("caledonia")
            let again = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(again["cosigners"] == ["borealis", "caledonia"])
            #expect(again["witnessed_at"]?.stringValue != nil)

            // Proofs on the operator API verify against the roots it reports.
            let inclusion = try await a.client.get("/api/v1/log/inclusion?index=2&size=10")
            let proof = try #require(inclusion["inclusion_proof"]?.arrayValue).compactMap { $0.stringValue.flatMap(Encoding.unbase64) }
            let leaf = try #require(try await a.node.store.logLeaves(from: 2, limit: 1).first)
            try Merkle.verifyInclusion(leafHash: Merkle.leafHash(leaf.bytes), index: 2, size: 10, proof: proof,
                                       root: try #require(Encoding.unbase64(inclusion["root"]?.stringValue ?? "")))
            let consistency = try await a.client.get("/api/v1/log/consistency?old=4&new=10")
            try Merkle.verifyConsistency(
                oldSize: 4, newSize: 10, oldRoot: try #require(Encoding.unbase64(consistency["old_root"]?.stringValue ?? "")),
                newRoot: try #require(Encoding.unbase64(consistency["new_root"]?.stringValue ?? "")),
                proof: try #require(consistency["proof"]?.arrayValue).compactMap { $0.stringValue.flatMap(Encoding.unbase64) })
        }
    }

    @Test func receiversObtainReceiptsAndOnlyForWhatWasAddressedToThem() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            let toB = try await LogFixtures.author(a, checks: 3, to: ["borealis"])
            let toC = try await LogFixtures.author(a, checks: 1, to: ["caledonia"])
            for id in toB { try await b.node.waitForReceipt(of: id) }
            try await c.node.waitForReceipt(of: toC[0])

            // Not witnessed yet: nothing to give.
            #expect(try await b.client.post("/api/v1/receipts/fetch", [:])["stored"]?.intValue == 0)
            _ = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(try await b.client.post("/api/v1/receipts/fetch", [:])["stored"]?.intValue == 3)
            let receipt = try #require(try await b.node.store.receipt(for: toB[1]))
            #expect(receipt.leafIndex == (try await a.node.store.logIndex(of: toB[1])))
            #expect(receipt.treeSize == 5)
            // Fetched once: nothing more to do.
            #expect(try await b.client.post("/api/v1/receipts/fetch", [:])["stored"]?.intValue == 0)

            // Caledonia asks aurelia about an event addressed to borealis: told nothing about it,
            // exactly as for an id that does not exist.
            let body = CanonicalJSON.encode(["events": .strings([toB[0].hex, String(repeating: "ab", count: 32), toC[0].hex])])
            let r = try await LogFixtures.post(LogCoordinator.inclusionPath, body, to: a, from: c)
            #expect(r.status == 200)
            #expect(r.json?["unknown"] == .strings([toB[0].hex, String(repeating: "ab", count: 32)]))
            #expect(r.json?["proofs"]?.arrayValue?.compactMap { $0["event"]?.stringValue } == [toC[0].hex])
            // Unsigned, the endpoint answers nothing.
            #expect(try await LogFixtures.post(LogCoordinator.inclusionPath, body, to: a, from: c, signed: false).status == 401)
        }
    }

    @Test func theScheduleRunsWithoutBeingAsked() async throws {
        let settings = LogSettings(checkpointIntervalSeconds: 1, witnessQuorum: 1, receiptIntervalSeconds: 1, gossipIntervalSeconds: 1)
        try await TestCluster.with(["aurelia", "borealis"], log: settings) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let ids = try await LogFixtures.author(a, checks: 2, to: ["borealis"])
            // Checkpoint, cosignature and receipt all happen in the background.
            #expect(try await TestCluster.eventually { try await b.node.store.receipt(for: ids[1]) != nil })
            #expect(try await a.node.store.latestWitnessedCheckpoint()?.cosigners == ["borealis"])
            #expect(try await b.node.store.alerts().isEmpty)
            #expect(try await a.node.store.alerts().isEmpty)
        }
    }
}

/// Receipt fetching never stalls: an origin that is offline holds back only its own receipts.
@Suite(.serialized) struct ReceiptIsolationTests {
    @Test func anOfflineOriginDoesNotBlockReceiptsFromOthers() async throws {
        let onDemand = LogSettings(checkpointIntervalSeconds: 0, witnessQuorum: 1, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0)
        // Caledonia's receipt round is hourly (its first one an hour after it starts, so never in
        // this test): an origin that fails is backed off for at least that long, however slowly
        // a loaded machine runs the two rounds below.
        var hourly = onDemand
        hourly.receiptIntervalSeconds = 3600
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], log: onDemand, logOf: ["caledonia": hourly]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            // aurelia sends many events to caledonia, then goes offline before any receipt is fetched.
            let fromA = try await LogFixtures.author(a, checks: 40, to: ["caledonia"])
            #expect(try await TestCluster.eventually { try await c.node.store.containsEvent(fromA.last!) })
            await cluster.stop("aurelia")
            // borealis sends a few and has its checkpoint witnessed (by caledonia).
            let fromB = try await LogFixtures.author(b, checks: 3, to: ["caledonia"])
            #expect(try await TestCluster.eventually { try await c.node.store.containsEvent(fromB.last!) })
            _ = try await b.client.post("/api/v1/log/checkpoints", [:])
            let log = LogCoordinator(node: c.node)
            _ = await log.fetchReceipts()
            for id in fromB { #expect(try await c.node.store.receipt(for: id) != nil) }
            for id in fromA { #expect(try await c.node.store.receipt(for: id) == nil) }
            #expect(log.receiptBackoff.withLock { $0["aurelia"] } != nil)
            // A second scheduled round skips aurelia while it is backed off: it costs nothing,
            // not one request (borealis's receipts are all in, so it is not asked either).
            let asked = c.node.traffic.sentByPath[LogCoordinator.inclusionPath]?.requests ?? 0
            #expect(asked >= 2)
            _ = await log.fetchReceipts()
            #expect(c.node.traffic.sentByPath[LogCoordinator.inclusionPath]?.requests ?? 0 == asked)
        }
    }
}

/// Node-to-node traffic is counted on both sides and shown with the log's metrics.
@Suite(.serialized) struct TrafficMetricsTests {
    @Test func requestsAndBytesAreCountedOnBothSides() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let ids = try await LogFixtures.author(a, checks: 3, to: ["borealis"])
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(ids.last!) })
            #expect(try await TestCluster.eventually { (a.node.traffic.sentByPath[Batch.path]?.requests ?? 0) >= 1 })
            let sent = try #require(a.node.traffic.sentByPath[Batch.path])
            #expect(sent.bytesOut > 0 && sent.bytesIn > 0 && sent.failures == 0)
            #expect((b.node.traffic.receivedByPath[Batch.path]?.requests ?? 0) >= 1)
            let metrics = try await a.client.send(.GET, "/api/v1/log/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            #expect(text.contains("accord_peer_requests_sent_total{path=\"/federation/v1/batches\",outcome=\"ok\"}"))
        }
    }
}
