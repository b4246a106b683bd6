import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// A communication check answered by a person in a real Chromium: aurelia sends it, it appears
/// live in borealis's inbox with one button, the officer there answers, and aurelia sees the
/// human answer time apart from the delivery (scripts/checks-browser-test.py; screenshots
/// under .build/console-screenshots).
@Suite(.serialized) struct CheckBrowserTests {
    @Test func aPersonOnDutyAnswersACheckInTheConsole() async throws {
        guard BrowserScript.available() else { return }
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let accounts = try await BrowserScript.accounts(cluster, [("aurelia", ["officer"]), ("borealis", ["officer", "analyst"])]) { "check test \($0) password" }
            try await BrowserScript.run("checks-browser-test.py", BrowserScript.twoNodes(cluster, accounts: accounts), in: cluster)
        }
    }
}
