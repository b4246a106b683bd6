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
    static func accord(_ args: [String], input: String = "") throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try CrashRecoveryTests.accordBinary())
        p.arguments = args
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = stdin
        p.standardOutput = out
        p.standardError = err
        try p.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in DispatchQueue.global().async { c.resume(with: Result { try body() }) } }
    }

    @Test func aDutyOfficerWorksAPreservationCaseInChromium() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            Issue.record("chromium-driver is not installed; run scripts/setup")
            return
        }
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            var accounts: [String: [String: [String: String]]] = [:]
            for (node, roles) in [("aurelia", ["officer"]), ("borealis", ["officer", "analyst", "auditor"])] {
                let dir = cluster[node].directory.url.path
                for role in roles {
                    let name = "\(role)-\(node)", password = "browser test \(role) password"
                    let added = try await Self.offPool { try Self.accord(["account", "add", name, "--role", role, "--password-stdin", "--data", dir], input: password + "\n") }
                    #expect(added.status == 0, "\(added.err)")
                    var account = ["name": name, "password": password]
                    if node == "borealis" && role == "officer" {
                        let totp = try await Self.offPool { try Self.accord(["account", "totp", name, "--data", dir]) }
                        #expect(totp.status == 0, "\(totp.err)")
                        let line = try #require(totp.out.split(separator: "\n").first { $0.hasPrefix("secret (base32): ") })
                        account["totp"] = String(line.dropFirst("secret (base32): ".count))
                        #expect(totp.out.contains("otpauth://totp/"))
                    }
                    accounts[node, default: [:]][role] = account
                }
            }
            let listed = try await Self.offPool { try Self.accord(["account", "list", "--data", cluster["borealis"].directory.url.path]) }
            #expect(listed.out.contains("officer-borealis  officer  password+totp"))
            #expect(!listed.out.contains("browser test"), "passwords are never listed")

            let config: JSONValue = [
                "aurelia": ["url": .string(cluster["aurelia"].url), "token": .string(cluster["aurelia"].token)],
                "borealis": ["url": .string(cluster["borealis"].url), "token": .string(cluster["borealis"].token)],
                "accounts": .object(accounts.mapValues { .object($0.mapValues { .object($0.mapValues { .string($0) }) }) }),
                "screenshots": .string(Self.root.appendingPathComponent(".build/console-screenshots").path),
            ]
            let file = cluster.root.path + "/browser-test.json"
            try Data(CanonicalJSON.encode(config)).write(to: URL(fileURLWithPath: file))
            let (status, output) = try await ProjectScripts.run("python3", "console-browser-test.py", [file])
            #expect(status == 0, "\(output)")
            #expect(output.contains(" passed, 0 failed"), "\(output)")
        }
    }
}
