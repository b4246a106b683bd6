import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// The unmodified PyPI clients (taxii2-client, stix2-validator; scripts/setup installs them)
/// against a real node: discovery, collections, 10,000 objects posted and paged 100 at a time,
/// every filter, versions, manifest, delete (scripts/taxii-interop).
@Suite(.serialized) struct TAXIIInteropTests {
    static var scripts: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts").path
    }

    /// Runs a Python script; returns its exit status and what it printed.
    static func python(_ script: String, _ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", scripts + "/" + script] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func taxii2ClientAndStix2ValidatorAgainstARealNode() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let (collection, _) = try await TAXIIFixtures.setUp(a, account: "opencti", password: "interop password 1")
            let url = a.url
            // Off the cooperative pool: the script runs for minutes, and the nodes of every other
            // test share that pool's few threads.
            let (status, output) = try await withCheckedThrowingContinuation { (c: CheckedContinuation<(Int32, String), any Error>) in
                DispatchQueue.global().async { c.resume(with: Result { try Self.python("taxii-interop", [url, "opencti", "interop password 1", collection, "10000"]) }) }
            }
            #expect(status == 0, "\(output)")
            #expect(output.contains("checks passed, 0 failed"), "\(output)")
        }
    }
}
