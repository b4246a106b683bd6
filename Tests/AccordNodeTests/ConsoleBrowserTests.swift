import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// A real Chromium (Debian's packages, driven by Selenium from PyPI; scripts/setup installs
/// them) against two real nodes: sign-in with and without TOTP, a request appearing live,
/// a whole preservation case through the forms, roles, a forged CSRF token, screenshots under
/// .build/console-screenshots (scripts/console-browser-test.py).
@Suite(.serialized) struct ConsoleBrowserTests {
    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// Runs `accord` (the real binary) with `input` on standard input.
    static func accord(_ args: [String], input: String = "") async throws -> (status: Int32, out: String, err: String) {
        let run = try await AccordExecutable.run(args, input: input)
        return (run.status, run.text, run.errorText)
    }

    @Test func aDutyOfficerWorksAPreservationCaseInChromium() async throws {
        guard BrowserScript.available() else { return }
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            var accounts: [String: [String: [String: String]]] = [:]
            for (node, roles) in [("aurelia", ["officer"]), ("borealis", ["officer", "analyst", "auditor"])] {
                let dir = cluster[node].directory.url.path
                for role in roles {
                    let name = "\(role)-\(node)", password = "browser test \(role) password"
                    var account = try await BrowserScript.addAccount(cluster[node], name, role: role, password: password)
                    if node == "borealis" && role == "officer" {
                        let totp = try await Self.accord(["account", "totp", name, "--data", dir])
                        #expect(totp.status == 0, "\(totp.err)")
                        let line = try #require(totp.out.split(separator: "\n").first { $0.hasPrefix("secret (base32): ") })
                        account["totp"] = String(line.dropFirst("secret (base32): ".count))
                        #expect(totp.out.contains("otpauth://totp/"))
                    }
                    accounts[node, default: [:]][role] = account
                }
            }
            let listed = try await Self.accord(["account", "list", "--data", cluster["borealis"].directory.url.path])
            #expect(listed.out.contains("officer-borealis  officer  password+totp"))
            #expect(!listed.out.contains("browser test"), "passwords are never listed")

            try await BrowserScript.run("console-browser-test.py", BrowserScript.twoNodes(cluster, accounts: accounts), in: cluster)
        }
    }
}
