import AccordCore
import AccordTestSupport
import Foundation
import Testing

/// What the browser tests share: Debian's Chromium is there, console accounts made with the
/// real `accord account add`, and a script of scripts/ run against the nodes with its
/// configuration written as JSON (scripts/browserkit.py reads it) and every check passed.
enum BrowserScript {
    /// Whether chromium-driver is installed; records an issue when it is not.
    static func available() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            Issue.record("chromium-driver is not installed; run scripts/setup")
            return false
        }
        return true
    }

    /// Where the scripts write their screenshots.
    static var screenshots: JSONValue { .string(ConsoleBrowserTests.root.appendingPathComponent(".build/console-screenshots").path) }

    /// Adds console account `name` with `role` and `password` to `member` through the CLI.
    @discardableResult
    static func addAccount(_ member: TestCluster.Member, _ name: String, role: String, password: String) async throws -> [String: String] {
        let dir = member.directory.url.path
        let added = try await ConsoleBrowserTests.accord(["account", "add", name, "--role", role, "--password-stdin", "--data", dir], input: password + "\n")
        #expect(added.status == 0, "\(added.err)")
        return ["name": name, "password": password]
    }

    /// One account per node and role, named `role-node`, with the password `password(role)`.
    static func accounts(_ cluster: TestCluster, _ roles: [(String, [String])], password: (String) -> String) async throws -> [String: [String: [String: String]]] {
        var accounts: [String: [String: [String: String]]] = [:]
        for (node, names) in roles {
            for role in names {
                accounts[node, default: [:]][role] = try await addAccount(cluster[node], "\(role)-\(node)", role: role, password: password(role))
            }
        }
        return accounts
    }

    /// The configuration of a two-node script: each node's URL and operator token, the accounts.
    static func twoNodes(_ cluster: TestCluster, accounts: [String: [String: [String: String]]]) -> JSONValue {
        [
            "aurelia": ["url": .string(cluster["aurelia"].url), "token": .string(cluster["aurelia"].token)],
            "borealis": ["url": .string(cluster["borealis"].url), "token": .string(cluster["borealis"].token)],
            "accounts": .object(accounts.mapValues { .object($0.mapValues { .object($0.mapValues { .string($0) }) }) }),
            "screenshots": screenshots,
        ]
    }

    /// Runs scripts/`script` with `config`; every check in it must pass.
    static func run(_ script: String, _ config: JSONValue, in cluster: TestCluster) async throws {
        let file = cluster.root.path + "/" + script.replacingOccurrences(of: ".py", with: ".json")
        try Data(CanonicalJSON.encode(config)).write(to: URL(fileURLWithPath: file))
        let (status, output) = try await ProjectScripts.run("python3", script, [file])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" passed, 0 failed"), "\(output)")
    }
}
