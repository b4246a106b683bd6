import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// A real Chromium against two real nodes' TAXII pages (scripts/taxii-browser-test.py): an admin
/// adds a collection published to the peer, an account (its token shown once) and rights; a TAXII
/// client posts with that token and the peer receives the object; publishing stops, the account
/// is deleted and its token refused; an analyst can do none of it.
@Suite(.serialized) struct TAXIIBrowserTests {
    @Test func anAdminConfiguresTAXIIAndAClientPostsWithTheNewToken() async throws {
        guard BrowserScript.available() else { return }
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let accounts = try await BrowserScript.accounts(cluster, [("aurelia", ["admin", "analyst"])]) { "taxii test \($0) password" }
            try await BrowserScript.run("taxii-browser-test.py", BrowserScript.twoNodes(cluster, accounts: accounts), in: cluster)
        }
    }
}
