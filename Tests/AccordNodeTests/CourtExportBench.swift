import AccordConsole
import AccordCore
import AccordEvidence
import AccordLog
import AccordNode
import AccordTestSupport
import Foundation
import Testing

/// How long a court export of a 200-event case takes (docs/benchmarks.md). Not part of the
/// suite: run with `ACCORD_BENCH_EXPORT=1 swift test --filter CourtExportBench`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["ACCORD_BENCH_EXPORT"] != nil))
struct CourtExportBench {
    @Test func aCourtExportOfA200EventCase() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", ["kind": "check", "title": "Export bench", "to": ["borealis"], "fields": [:]])
            let id = try #require(opened["event"]?.stringValue)
            let caseID = EventID(hex: id)!
            _ = try await Fixtures.state(b, id)
            let up = try await a.client.send(.POST, "/api/v1/cases/\(id)/evidence?name=bench.bin", body: [UInt8](repeating: 1, count: 4096))
            let evidence = EventID(hex: try #require(up.json?["event"]?.stringValue))!
            // Custody records fill the case up to 200 events, as operators reading the file would.
            while try await a.node.store.events(inCase: caseID).count < 200 {
                try await a.node.recordCustody(EvidenceCustody(evidence: evidence, action: .opened, by: "bench"))
            }
            let total = try await a.node.store.events(inCase: caseID).count
            let ready = try await TestCluster.eventually(timeout: .seconds(120)) {
                _ = try? await a.client.post("/api/v1/log/checkpoints", [:])
                _ = try? await b.client.post("/api/v1/log/checkpoints", [:])
                _ = try? await b.client.post("/api/v1/receipts/fetch", [:])
                guard try await b.node.store.events(inCase: caseID).count == total else { return false }
                let x = try await CourtExport.make(caseID, node: b.node, log: cluster.log("borealis")!)
                return x.archive.entries.allSatisfy { $0.proof != nil }
            }
            try #require(ready)
            for (name, member) in [("aurelia (author)", a), ("borealis (receiver)", b)] {
                var times: [Double] = []
                var sizes = (0, 0)
                for _ in 0..<7 {
                    let start = ContinuousClock.now
                    let x = try await CourtExport.make(caseID, node: member.node, log: cluster.log(member.name)!)
                    let archive = x.archiveBytes, html = x.html
                    let elapsed = ContinuousClock.now - start
                    #expect(x.report.valid, "\(x.report.allProblems.prefix(3))")
                    sizes = (archive.count, html.utf8.count)
                    times.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
                }
                times.sort()
                print(String(format: "court export of %d events on %@: median %.3f s, max %.3f s (archive %d bytes, record %d bytes)",
                             total, name, times[times.count / 2], times.last!, sizes.0, sizes.1))
                #expect(times[times.count / 2] < 1.0)
            }
            // The offline verification of the same archive.
            let x = try await CourtExport.make(caseID, node: b.node, log: cluster.log("borealis")!)
            let start = ContinuousClock.now
            let report = CaseArchiveVerifier(policy: x.report.valid ? TrustPolicy(trusting: try await LogFixtures.pinnedKeys(b)) : TrustPolicy(trusting: [:])).verify(try CaseArchive.parse(x.archiveBytes))
            let elapsed = ContinuousClock.now - start
            #expect(report.valid)
            print("offline verification of the \(total)-event archive: \(elapsed)")
        }
    }
}
