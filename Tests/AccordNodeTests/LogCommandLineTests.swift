import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// `accord log …` and `accord proof export` against running nodes, through the executable.
@Suite(.serialized) struct LogCommandLineTests {
    @Test func checkpointProveAlertsAndExportFromTheCommandLine() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let ids = try await LogFixtures.author(a, checks: 3, to: ["borealis"])
            func accord(_ member: TestCluster.Member, _ args: [String]) async throws -> (status: Int32, output: String) {
                try await ProofBundleTests.run(args + ["--node", member.url, "--token", member.token])
            }

            var r = try await accord(a, ["log", "checkpoint", "--new"])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.output.contains("aurelia: 4 leaves"), "\(r.output)")
            #expect(r.output.contains("cosigned by: borealis"), "\(r.output)")
            #expect(r.output.contains("aurelia\n4\n"), "\(r.output)")

            r = try await accord(a, ["log", "prove", "--event", ids[1].hex])
            #expect(r.status == 0, "\(r.output)")
            let inclusion = try JSONParser.parse(Array(r.output.utf8))
            #expect(inclusion["leaf_index"]?.intValue == 2)
            #expect(inclusion["tree_size"]?.intValue == 4)
            r = try await accord(a, ["log", "prove", "--from", "1", "--to", "4"])
            #expect(try JSONParser.parse(Array(r.output.utf8))["proof"]?.arrayValue?.count == 2, "\(r.output)")

            r = try await accord(b, ["log", "alerts"])
            #expect(r.output.contains("No equivocation alerts."), "\(r.output)")

            let path = cluster.root.path + "/bundle.json"
            r = try await accord(b, ["proof", "export", ids[2].hex, "--out", path])
            #expect(r.status == 0, "\(r.output)")
            let bundle = try ProofBundle(json: try JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: path)))))
            #expect(bundle.event.id == ids[2])
            #expect(bundle.leafIndex == 3)
            // An event borealis does not hold.
            r = try await accord(b, ["proof", "export", String(repeating: "1", count: 64)])
            #expect(r.status != 0)
            #expect(r.output.contains("holds no event"), "\(r.output)")
        }
    }
}
