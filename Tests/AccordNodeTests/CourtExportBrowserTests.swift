import AccordCore
import AccordLog
import AccordNode
import AccordTestSupport
import Foundation
import Testing

/// A court export made with the console's button in a real Chromium (scripts/export-browser-test.py):
/// the record opened and printed in the browser, self-contained; then both nodes stop and the
/// record and the archive the browser saved are verified offline.
@Suite(.serialized) struct CourtExportBrowserTests {
    @Test func anOfficerExportsACaseFromTheConsoleAndACourtVerifiesItOffline() async throws {
        guard BrowserScript.available() else { return }
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let b = cluster["borealis"]
            let id = try await CourtExportTests.workedCase(cluster, exercise: true)
            let password = "court export browser password"
            try await BrowserScript.addAccount(b, "officer-b", role: "officer", password: password)
            let events = try await b.node.store.events(inCase: EventID(hex: id)!)
            let pinned = try await LogFixtures.pinnedKeys(b)
            let archive = cluster.root.path + "/browser.accord.json", html = cluster.root.path + "/browser.html"
            let config: JSONValue = [
                "url": .string(b.url), "account": ["name": "officer-b", "password": .string(password)], "case": .string(id),
                "events": .strings(events.map(\.event.id.hex)), "fingerprints": .strings(["aurelia", "borealis"].map { pinned[$0]!.fingerprint }),
                "archive_out": .string(archive), "html_out": .string(html),
                "screenshots": BrowserScript.screenshots,
            ]
            try await BrowserScript.run("export-browser-test.py", config, in: cluster)

            await cluster.stopAll()
            let policy = try await CourtExportTests.policyFile(cluster)
            for path in [archive, html] {
                let r = try await CourtExportTests.run(["case", "verify-export", path, "--policy", policy])
                #expect(r.status == 0, "\(r.output)")
                #expect(r.output.contains("VALID: all "), "\(r.output)")
            }
        }
    }
}
