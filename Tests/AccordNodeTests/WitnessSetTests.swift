import AccordCore
import AccordHTTP
import AccordLog
import AccordStore
import AccordTestSupport
import Crypto
import Foundation
import Testing

@testable import AccordNode

/// A node's log is cosigned by a bounded witness set, not by every peer; a witness that is
/// down is backed off rather than asked every round.
@Suite(.serialized) struct WitnessSetTests {
    @Test func checkpointsAreCosignedByTheWitnessSetOnly() async throws {
        let names = ["aurelia", "borealis", "caledonia", "dalmatia", "estmark", "frisia", "gotland"]
        let settings = LogSettings(checkpointIntervalSeconds: 0, witnessQuorum: 2, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0, witnessSetSize: 3)
        try await TestCluster.with(names, log: settings) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            _ = try await LogFixtures.author(a, checks: 2, to: ["borealis"])
            // The set: the three peers with the lowest SHA-256("aurelia\n" + name).
            func rank(_ n: String) -> [UInt8] { Array(SHA256.hash(data: Array("aurelia\n\(n)".utf8))) }
            let expected = names.dropFirst().sorted { rank($0).lexicographicallyPrecedes(rank($1)) }.prefix(3).sorted()
            let log = LogCoordinator(node: a.node)
            #expect(log.witnessSet(from: try await a.node.store.peers()).map(\.name).sorted() == Array(expected))
            let round = try await a.client.post("/api/v1/log/checkpoints", [:])
            #expect(round["cosigners"]?.arrayValue?.compactMap(\.stringValue).sorted() == Array(expected))
            #expect(round["witnessed_at"]?.stringValue != nil)
            // Peers outside the set were never asked: they hold no witness state for aurelia.
            for name in names.dropFirst() where !expected.contains(name) {
                #expect(try await cluster[name].node.store.witnessState(origin: "aurelia") == nil)
            }
        }
    }

    @Test func aWitnessThatIsDownIsBackedOff() async throws {
        let settings = LogSettings(checkpointIntervalSeconds: 10, witnessQuorum: 1, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0, witnessSetSize: 0)
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], time: time, log: settings) { cluster in
            try await cluster.start("aurelia")
            try await cluster.start("borealis")
            let a = cluster["aurelia"]
            let log = LogCoordinator(node: a.node)
            _ = try await LogFixtures.author(a, checks: 1, to: ["borealis"])
            let first = try await log.checkpointRound()
            #expect(first?.cosigners == ["borealis"])
            #expect(log.witnessBackoff.withLock { $0["caledonia"]?.failures } == 1)
            // The next scheduled round does not ask caledonia again until its backoff has passed.
            _ = try await LogFixtures.author(a, checks: 1, to: ["borealis"])
            _ = try await log.checkpointRound()
            #expect(log.witnessBackoff.withLock { $0["caledonia"]?.failures } == 1)
            time.advance(seconds: 11)
            try await cluster.start("caledonia")
            let third = try await log.checkpointRound()
            #expect(third?.cosigners.sorted() == ["borealis", "caledonia"])
            #expect(log.witnessBackoff.withLock { $0["caledonia"] } == nil)
        }
    }
}
