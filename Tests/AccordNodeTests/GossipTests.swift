import AccordCore
import AccordHTTP
import AccordLog
import AccordStore
import AccordTestSupport
import Crypto
import Foundation
import Testing

@testable import AccordNode

/// The checkpoint exchange at the size of a real network: each node pulls only what is new
/// (a digest of its recent checkpoints goes out, the difference comes back) from a few peers
/// chosen at random, and a fork found anywhere reaches every node.
@Suite(.serialized) struct GossipTests {
    static let network = (1...20).map { String(format: "node%02d", $0) }

    /// Every running node of `names` runs one exchange interval, all at once.
    static func interval(_ cluster: TestCluster, _ names: [String]) async {
        await withTaskGroup(of: Void.self) { group in
            for name in names {
                guard let log = cluster.log(name) else { continue }
                group.addTask { await log.exchangeRound() }
            }
        }
    }

    static func allHoldAnAlert(_ cluster: TestCluster, _ names: [String]) async throws -> Bool {
        for name in names where try await cluster[name].node.store.alerts().isEmpty { return false }
        return true
    }

    @Test func aSplitViewShownToDifferentWitnessesReachesEveryNodeOfATwentyNodeNetwork() async throws {
        try await TestCluster.with(Self.network) { cluster in
            try await cluster.startAll()
            let liar = cluster["node01"]
            let honest = Array(Self.network.dropFirst())
            _ = try await LogFixtures.author(liar, checks: 3, to: honest)
            let witnesses = try #require(cluster.log(liar.name)).witnessSet(from: try await liar.node.store.peers()).map(\.name)
            #expect(witnesses.count == 5)

            // The liar shows its log as it is to three of its witnesses, and another history of
            // the same size, signed with the same key, to the other two. Each cosigns what it saw.
            let size = try await liar.node.store.logSize()
            let one = try await LogFixtures.checkpoint(liar)
            let two = try Checkpoint(origin: liar.name, size: size, rootHash: LogFixtures.randomIDs(1)[0].bytes).sign(keys: liar.node.keys)
            for (i, w) in witnesses.enumerated() {
                let reply = try await LogFixtures.post(LogCoordinator.witnessPath, LogFixtures.addCheckpoint(old: 0, note: i < 3 ? one : two), to: cluster[w], from: liar)
                #expect(reply.status == 200, "\(w): \(reply.text)")
            }
            await cluster.stop(liar.name)
            // One honest node that is not a witness is down while the fork is found.
            let away = try #require(honest.first { !witnesses.contains($0) })
            await cluster.stop(away)
            let up = honest.filter { $0 != away }

            // Exchange intervals, every node pulling from 3 peers at random, until every node
            // that is up holds the alert; the bound is the time a checkpoint stays hot.
            var intervals = 0
            while intervals < LogSettings.hotIntervals {
                intervals += 1
                await Self.interval(cluster, up)
                // The node that finds the fork sends the evidence to every peer at once.
                if try await TestCluster.eventually(timeout: .seconds(10), { try await Self.allHoldAnAlert(cluster, up) }) { break }
            }
            #expect(try await Self.allHoldAnAlert(cluster, up), "after \(intervals) intervals some nodes hold no alert")
            #expect(intervals <= LogSettings.hotIntervals)

            // Every alert proves the fork by itself: two checkpoints of one size, both signed by the liar.
            for name in up {
                let alert = try #require(try await cluster[name].node.store.alerts().first)
                #expect(alert.origin == liar.name)
                #expect(alert.kind == "same_size_different_root")
                let a = try Checkpoint.open(SignedNote(parsing: alert.first), logName: liar.name, logKey: liar.node.keys.publicSigningKey)
                let b = try Checkpoint.open(SignedNote(parsing: alert.second), logName: liar.name, logKey: liar.node.keys.publicSigningKey)
                #expect(a.size == b.size && a.rootHash != b.rootHash)
            }
            // Some node found it in an exchange; how many checked a peer's evidence instead
            // depends on timing, but every alert names one of the two ways.
            var found = 0
            for name in up {
                let via = try #require(try await cluster[name].node.store.alerts().first?.detectedVia)
                #expect(via.hasPrefix("exchange with ") || via.hasPrefix(GossipState.evidenceVia), "\(via)")
                if via.hasPrefix("exchange with ") { found += 1 }
            }
            #expect(found >= 1)

            // A node that restarts passes the evidence on again.
            let reopened = try Node.open(cluster[up[0]].directory, logger: TestCluster.logger("reopened"))
            #expect(reopened.gossip.evidenceKeys(now: reopened.time.now()).isEmpty)
            await LogCoordinator(node: reopened).restoreGossip()
            #expect(reopened.gossip.evidenceKeys(now: reopened.time.now()).count == 1)

            // The node that was down hears of it in its first exchange after it comes back.
            try await cluster.start(away)
            #expect(try await cluster[away].node.store.alerts().isEmpty)
            await Self.interval(cluster, [away])
            #expect(try await TestCluster.eventually { try await !cluster[away].node.store.alerts().isEmpty })
        }
    }

    @Test func anIdleExchangeCarriesNothingAndADigestBringsOnlyWhatIsMissing() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            // Nothing happened yet: nothing is hot, the answer is empty.
            let idle = try await LogFixtures.post(LogCoordinator.exchangePath, CanonicalJSON.encode(["digest": [:], "alerts": []]), to: b, from: c)
            #expect(idle.status == 200)
            #expect(idle.json?["checkpoints"] == [])
            #expect(idle.json?["evidence"] == [])

            // Aurelia's log grows and is cosigned by both: its checkpoint is hot at both witnesses.
            _ = try await LogFixtures.author(a, checks: 2, to: ["borealis", "caledonia"])
            let round = try await a.client.post("/api/v1/log/checkpoints", [:])
            let size = try #require(round["size"]?.intValue)
            let root = try #require(round["root"]?.stringValue.flatMap(Encoding.unbase64))
            let full = try await LogFixtures.post(LogCoordinator.exchangePath, CanonicalJSON.encode(["digest": [:]]), to: b, from: c)
            let notes = try #require(full.json?["checkpoints"]?.arrayValue)
            #expect(notes.count == 1)
            let note = try SignedNote(parsing: try #require(notes.first?.stringValue))
            #expect(try Checkpoint.open(note, logName: "aurelia", logKey: a.node.keys.publicSigningKey).size == Int64(size))

            // A digest that lists it at that size and root, with as many signature lines, gets nothing back…
            let lines = note.signatures.count
            let entry = GossipState.digestEntry(size: Int64(size), root: root, lines: lines)
            let same = try await LogFixtures.post(LogCoordinator.exchangePath, CanonicalJSON.encode(["digest": ["aurelia": .string(entry)]]), to: b, from: c)
            #expect(same.json?["checkpoints"] == [])
            // …one that lists a smaller size, another root at that size, or fewer cosignatures gets the checkpoint.
            for stale in [
                GossipState.digestEntry(size: Int64(size) - 1, root: root, lines: lines),
                GossipState.digestEntry(size: Int64(size), root: [UInt8](repeating: 7, count: 32), lines: lines),
                GossipState.digestEntry(size: Int64(size), root: root, lines: 1),
            ] {
                let reply = try await LogFixtures.post(LogCoordinator.exchangePath, CanonicalJSON.encode(["digest": ["aurelia": .string(stale)]]), to: b, from: c)
                #expect(reply.json?["checkpoints"]?.arrayValue?.count == 1)
            }
        }
    }

    @Test func garbageExchangesAreRefusedWithAPreciseError() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let cases: [(String, [UInt8])] = [
                ("not JSON", Array("digest please".utf8)),
                ("neither digest nor checkpoints", CanonicalJSON.encode(["alerts": []])),
                ("a digest that is not an object", CanonicalJSON.encode(["digest": ["x"]])),
                ("a digest entry without a root", CanonicalJSON.encode(["digest": ["aurelia": "12"]])),
                ("a digest entry with a negative size", CanonicalJSON.encode(["digest": ["aurelia": "-1 AAAA"]])),
                ("a digest entry with too many lines", CanonicalJSON.encode(["digest": ["aurelia": "1 AAAA 101"]])),
                ("checkpoints that are not a list", CanonicalJSON.encode(["checkpoints": "note"])),
                ("too much evidence", CanonicalJSON.encode(["digest": [:], "evidence": .array(Array(repeating: [:], count: 65))])),
            ]
            for (what, body) in cases {
                let reply = try await LogFixtures.post(LogCoordinator.exchangePath, body, to: b, from: a)
                #expect(reply.status == 400, "\(what): \(reply.status)")
                #expect(reply.errorCode == "malformed", "\(what)")
            }
            // Evidence that does not hold up (not signed by the origin) raises nothing.
            let forged = try Checkpoint(origin: "aurelia", size: 3, rootHash: [UInt8](repeating: 1, count: 32)).sign(keys: NodeKeys.generate(), name: "aurelia")
            let other = try Checkpoint(origin: "aurelia", size: 3, rootHash: [UInt8](repeating: 2, count: 32)).sign(keys: NodeKeys.generate(), name: "aurelia")
            let evidence: JSONValue = ["origin": "aurelia", "first": .string(forged.serialized), "second": .string(other.serialized)]
            let reply = try await LogFixtures.post(LogCoordinator.exchangePath, CanonicalJSON.encode(["digest": [:], "evidence": [evidence]]), to: b, from: a)
            #expect(reply.status == 200)
            #expect(try await b.node.store.alerts().isEmpty)
            // Unsigned: refused before anything is read.
            let unsigned = try await LogFixtures.post(LogCoordinator.exchangePath, CanonicalJSON.encode(["digest": [:]]), to: b, from: a, signed: false)
            #expect(unsigned.status == 401)
        }
    }

    @Test func aReceiverAppliesItsOwnQuorumWhateverTheOriginIsConfiguredFor() async throws {
        // Aurelia is content with one witness (borealis); caledonia requires two.
        let origin = LogSettings(checkpointIntervalSeconds: 0, witnessQuorum: 1, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0, witnesses: ["borealis"])
        let strict = LogSettings(checkpointIntervalSeconds: 0, witnessQuorum: 2, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0)
        try await TestCluster.with(["aurelia", "borealis", "caledonia", "dalmatia"], logOf: ["aurelia": origin, "caledonia": strict]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], c = cluster["caledonia"], d = cluster["dalmatia"]
            let ids = try await LogFixtures.author(a, checks: 1, to: ["caledonia", "dalmatia"])
            let id = try #require(ids.first)
            #expect(try await TestCluster.eventually { try await c.node.store.containsEvent(id) })
            #expect(try await TestCluster.eventually { try await d.node.store.containsEvent(id) })
            let round = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(round["cosigners"] == ["borealis"])
            #expect(round["witnessed_at"]?.stringValue != nil)
            _ = try await c.client.post("/api/v1/receipts/fetch", [:])
            _ = try await d.client.post("/api/v1/receipts/fetch", [:])
            // Dalmatia (quorum 1) takes the receipt; caledonia refuses a checkpoint with one cosignature.
            #expect(try await d.node.store.receipt(for: id) != nil)
            #expect(try await c.node.store.receipt(for: id) == nil)
            let proof = try await c.client.send(.GET, "/api/v1/proofs/\(id.hex)")
            #expect(proof.status == 409)
        }
    }

    @Test func pruningLeavesEveryReceiptAndBundleIntact() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], time: time) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            // Three rounds of events, each with its own witnessed checkpoint and receipts.
            var ids: [EventID] = []
            for _ in 0..<3 {
                let round = try await LogFixtures.author(a, checks: 2, to: ["borealis"])
                for id in round { try await b.node.waitForReceipt(of: id) }
                _ = try await a.client.post("/api/v1/log/checkpoints", [:])
                _ = try await b.client.post("/api/v1/receipts/fetch", [:])
                ids += round
                time.advance(hours: 24)
            }
            let before = try await LogFixtures.pinnedKeys(b)
            // Ninety days on, the strictest retention there is.
            time.advance(hours: 90 * 24)
            let deleted = try await b.node.store.prune(RetentionPolicy(inboundBatchDays: 1, observedCheckpointDays: 1, alertsPerOrigin: 1), now: time.now())
            #expect((deleted["observed_checkpoints"] ?? 0) > 0)
            for id in ids {
                #expect(try await b.node.store.receipt(for: id) != nil)
                // The bundle is built from what is left and verifies with borealis's own trust.
                let bundle = try await LogCoordinator(node: b.node).bundle(for: id)
                let check = try bundle.verify(policy: TrustPolicy(trusting: before, quorum: 1))
                #expect(check.origin == "aurelia")
            }
        }
    }

    @Test func evidenceAgainstOneOriginIsSentToEveryPeerAtMostOnceAnHour() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis", "caledonia", "dalmatia"], time: time) { cluster in
            try await cluster.startAll()
            let b = cluster["borealis"]
            let log = try #require(cluster.log("borealis"))
            func sent() -> Int { b.node.traffic.sentByPath[LogCoordinator.exchangePath]?.requests ?? 0 }
            let alert = EquivocationAlert(kind: "same_size_different_root", origin: "aurelia", detectedVia: "test", message: "fork", first: "a", second: "b", raisedAt: time.now())
            await log.spread(alert)
            // Every peer but the origin.
            #expect(sent() == 2)
            await log.spread(alert)
            #expect(sent() == 2)
            time.advance(seconds: 3601)
            await log.spread(alert)
            #expect(sent() == 4)
        }
    }
}
