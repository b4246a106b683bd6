import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// The unmodified PyPI clients (taxii2-client, stix2-validator; scripts/setup installs them)
/// against a real node: discovery, collections, 10,000 objects posted and paged 100 at a time,
/// every filter, versions, manifest, delete (scripts/taxii-interop).
@Suite(.serialized) struct TAXIIInteropTests {
    @Test func taxii2ClientAndStix2ValidatorAgainstARealNode() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let (collection, _) = try await TAXIIFixtures.setUp(a, account: "opencti", password: "interop password 1")
            let url = a.url
            let (status, output) = try await ProjectScripts.run("python3", "taxii-interop", [url, "opencti", "interop password 1", collection, "10000"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("checks passed, 0 failed"), "\(output)")
        }
    }
}
