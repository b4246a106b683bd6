import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// A real Chromium against two real nodes' directory pages (scripts/directory-browser-test.py):
/// an admin edits the node's profile through the console, the peer's directory shows it once
/// delivered, search and role filters, and neither an auditor nor an analyst can edit.
@Suite(.serialized) struct DirectoryBrowserTests {
    @Test func anAdminEditsTheProfileAndThePeersDirectoryShowsIt() async throws {
        guard BrowserScript.available() else { return }
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let accounts = try await BrowserScript.accounts(cluster, [("aurelia", ["admin", "analyst"]), ("borealis", ["auditor"])]) { "directory test \($0) password" }
            try await BrowserScript.run("directory-browser-test.py", BrowserScript.twoNodes(cluster, accounts: accounts), in: cluster)
        }
    }
}
