import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// The console's statistics page in a real Chromium (scripts/stats-browser-test.py) against a
/// real node holding the scripted history of StatsTests: the SVG charts with their title and
/// description, the tables, the period form and the downloads, compared with the API's JSON.
/// Screenshots go to .build/console-screenshots.
@Suite(.serialized) struct StatsBrowserTests {
    @Test func anAuditorReadsTheStatisticsPageInChromium() async throws {
        guard BrowserScript.available() else { return }
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            _ = try await StatsTests.play(cluster, time: time)
            let a = cluster["aurelia"]
            #expect(try await StatsTests.settle(a, time: time))
            let password = "browser test auditor password"
            try await BrowserScript.addAccount(a, "auditor-aurelia", role: "auditor", password: password)
            let config: JSONValue = [
                "url": .string(a.url), "token": .string(a.token), "day": "2026-11-27",
                "account": ["name": "auditor-aurelia", "password": .string(password)],
                "screenshots": BrowserScript.screenshots,
            ]
            try await BrowserScript.run("stats-browser-test.py", config, in: cluster)
        }
    }
}
