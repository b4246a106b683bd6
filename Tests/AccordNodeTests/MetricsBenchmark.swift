import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// What a scrape of `/metrics` costs on a node with 200 peers (docs/benchmarks.md, "Metrics").
/// Not part of the test run: scripts/bench-metrics sets ACCORD_BENCH_METRICS.
///
/// One real node with 200 pinned peers (unreachable, so every one keeps a waiting event in
/// its outbox) and the series 200 busy peers leave behind, recorded through the node's own
/// metrics: events of 10 types received from each, delivery lag to each, a cosignature from
/// each, refusals of 10 codes in 3 scopes, 40 routes × 2 methods × 3 status classes.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ACCORD_BENCH_METRICS"] != nil))
struct MetricsBenchmark {
    @Test func scrapeWithTwoHundredPeers() async throws {
        let peers = Int(ProcessInfo.processInfo.environment["ACCORD_BENCH_PEERS"] ?? "") ?? 200
        let scrapes = Int(ProcessInfo.processInfo.environment["ACCORD_BENCH_SCRAPES"] ?? "") ?? 200
        let quiet = DeliverySettings(retryInitialMilliseconds: 600_000, retryMaxMilliseconds: 600_000)
        try await TestCluster.with(["aurelia"], delivery: quiet) { cluster in
            let a = cluster["aurelia"]
            let names = (1...peers).map { String(format: "peer%03d", $0) }
            for name in names {
                let keys = NodeKeys.generate()
                try await a.node.store.savePeer(Peer(name: name, url: "http://127.0.0.1:9", signingKey: keys.publicSigningKey,
                                                     encryptionKey: keys.publicEncryptionKey, addedAt: a.node.time.now()))
            }
            try await cluster.start("aurelia")
            _ = try await a.node.sendChecks(to: nil)

            let m = a.node.metrics, now = a.node.time.now()
            let types = Array(EventType.version1.sorted { $0.rawValue < $1.rawValue }.prefix(10))
            for name in names {
                m.received(types, from: name)
                m.delivered(signedAt: (1...5).map { Timestamp(milliseconds: now.milliseconds - Int64($0) * 700) }, to: name, now: now)
                m.cosigned(by: [name])
            }
            let codes: [AccordError.Code] = [.malformed, .invalidField, .missingField, .unauthorized, .badSignature, .forbidden, .notFound, .conflict, .illegalStep, .tooLarge]
            for code in codes { for scope in [NodeMetrics.Scope.event, .federation, .api] { m.rejected(code, scope: scope) } }
            for route in 0..<40 {
                for method in ["GET", "POST"] {
                    for status in [200, 404, 500] { m.answered(route: "/api/v1/route\(route)/:id", method: method, status: status, duration: .milliseconds(3)) }
                }
            }

            var times: [Double] = []
            var bytes = 0, series = 0
            for _ in 0..<scrapes {
                let start = ContinuousClock.now
                let reply = try await MetricsFixtures.get(a.url)
                let elapsed = ContinuousClock.now - start
                try #require(reply.status == 200)
                times.append(Self.ms(elapsed))
                bytes = reply.text.utf8.count
                series = reply.text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
            }
            times.sort()
            let inProcessStart = ContinuousClock.now
            for _ in 0..<20 { _ = try await m.scrape(store: a.node.store, now: a.node.time.now()) }
            let inProcess = (ContinuousClock.now - inProcessStart) / 20
            let emitStart = ContinuousClock.now
            for _ in 0..<20 { _ = m.registry.emitToString() }
            let emit = (ContinuousClock.now - emitStart) / 20
            let depth = try await a.node.store.deliveryStatus().filter { $0.pending == 1 }.count
            let line = String(format: "metrics bench: %d peers (%d with a waiting event), %d samples, %d bytes; GET /metrics over HTTP x%d: p50 %.1f ms, p99 %.1f ms; scrape in process %.1f ms, of which the text %.1f ms",
                              peers, depth, series, bytes, scrapes, times[times.count / 2], times[min(times.count - 1, times.count * 99 / 100)],
                              Self.ms(inProcess), Self.ms(emit))
            print(line)
            #expect(series > peers * 10)
        }
    }

    static func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
}
