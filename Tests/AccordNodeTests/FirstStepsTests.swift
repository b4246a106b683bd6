import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// What a new user meets first: `--version`, `init`'s next steps run exactly as printed,
/// clear errors for a missing node, a bad configuration or an unreachable peer, and the
/// CLI's view of cases (search, filters, exercise banner, time zones).
@Suite(.serialized) struct FirstStepsTests {
    typealias Run = CommandLineTests.Run

    static func accord(_ args: [String], env: [String: String] = [:]) async throws -> Run {
        try await CommandLineTests.accord(args, env: env)
    }

    /// Waits off the cooperative pool until `file` contains `text`, for at most `seconds`.
    static func waitFor(_ text: String, in file: String, seconds: Double) async -> String? {
        await withCheckedContinuation { c in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline {
                    if let s = try? String(contentsOfFile: file, encoding: .utf8), s.contains(text) { return c.resume(returning: s) }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                c.resume(returning: nil)
            }
        }
    }

    @Test func versionIsPrinted() async throws {
        let run = try await Self.accord(["--version"])
        #expect(run.status == 0)
        #expect(run.out.hasPrefix("accord ") && run.out.contains("(protocol 1)"))
    }

    @Test func initsNextStepsWorkAsPrinted() async throws {
        let tmp = TemporaryDirectory("accord-first")
        defer { tmp.remove() }
        let port = try FreePort.find()
        let dir = tmp.path + "/node a"  // a space, so the printed commands must quote it
        let created = try await Self.accord(["init", "--name", "aurelia", "--data", dir, "--port", String(port)])
        #expect(created.status == 0, "\(created.err)")
        let steps = created.out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("  accord ") || $0.hasPrefix("  export ") }
        try #require(steps.count == 4, "\(created.out)")
        // Run each line as a shell would (sh -c), in a directory other than the node's.
        func shell(_ line: String, env: [String: String] = [:], output: String) throws -> Subprocess {
            let bin = URL(fileURLWithPath: try CrashRecoveryTests.accordBinary()).deletingLastPathComponent().path
            let environment = ProcessInfo.processInfo.environment.merging(env) { $1 }.merging(["PATH": bin + ":/usr/bin:/bin"]) { $1 }
            return try Subprocess.start("/bin/sh", ["-c", line], environment: environment, directory: tmp.path, output: .file(output), error: .file(output + ".err"))
        }
        // 1. token create prints the token.
        let tokenFile = tmp.path + "/token.txt"
        let tokenRun = try shell(steps[0], output: tokenFile)
        #expect(tokenRun.wait() == 0)
        let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix(OperatorTokens.prefix))
        // 2. serve, its output a file: the listening line is there at once, not at exit.
        let served = tmp.path + "/serve.out"
        let server = try shell("exec " + steps[1].trimmingCharacters(in: .whitespaces), output: served)
        defer { if server.isRunning { server.terminate(); server.wait() } }
        let line = await Self.waitFor("listening on", in: served, seconds: 20)
        #expect(line?.contains("aurelia listening on http://127.0.0.1:\(port)") == true, "\((try? String(contentsOfFile: served + ".err", encoding: .utf8)) ?? "")")
        // 3. export and case list, with the token in place of TOKEN.
        let listFile = tmp.path + "/list.txt"
        let script = steps[2].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "=TOKEN", with: "=" + token) + "; " + steps[3].trimmingCharacters(in: .whitespaces)
        let list = try shell(script, env: ["ACCORD_URL": "", "ACCORD_TOKEN": ""], output: listFile)
        #expect(list.wait() == 0, "\((try? String(contentsOfFile: listFile + ".err", encoding: .utf8)) ?? "")")
        #expect(try String(contentsOfFile: listFile, encoding: .utf8).contains("No cases."))
        server.terminate()
        server.wait()
    }

    @Test func errorsSayWhatIsWrong() async throws {
        let tmp = TemporaryDirectory("accord-errors")
        defer { tmp.remove() }
        // No node here.
        for args in [["token", "list"], ["token", "create", "--name", "x", "--role", "admin"], ["peer", "list"], ["serve"]] {
            let run = try await Self.accord(args + ["--data", tmp.path + "/nothing"])
            #expect(run.status != 0)
            #expect(run.err.contains("there is no Accord node in \(tmp.path)/nothing"), "\(args): \(run.err)")
            #expect(run.err.contains("accord init"))
            #expect(!FileManager.default.fileExists(atPath: tmp.path + "/nothing/accord.sqlite"))
        }
        // A configuration value of the wrong type names its key and the type it must have.
        let a = tmp.path + "/a"
        #expect(try await Self.accord(["init", "--name", "aurelia", "--data", a]).status == 0)
        let configPath = a + "/accord.json"
        let original = try String(contentsOfFile: configPath, encoding: .utf8)
        func withConfig(_ edit: (inout [String: Any]) -> Void) async throws -> Run {
            var object = try JSONSerialization.jsonObject(with: Data(original.utf8)) as! [String: Any]
            edit(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: configPath))
            return try await Self.accord(["key", "show", "--data", a])
        }
        var run = try await withConfig { $0["listen_port"] = "7400" }
        #expect(run.status != 0)
        #expect(run.err.contains("listen_port must be a whole number, not text"), "\(run.err)")
        run = try await withConfig { $0["delivery"] = ["batch_size": true] }
        #expect(run.err.contains("delivery.batch_size must be a whole number, not true or false"), "\(run.err)")
        run = try await withConfig { $0["deadlines"] = ["rules": ["assistance": ["acknowledge_within_minutes": "soon"]]] }
        #expect(run.err.contains("deadlines.rules.assistance.acknowledge_within_minutes must be a whole number"), "\(run.err)")
        run = try await withConfig { $0.removeValue(forKey: "name") }
        #expect(run.err.contains("name is missing"), "\(run.err)")
        // Names written by earlier versions still load; new ones are snake_case.
        run = try await withConfig { $0["deadlines"] = ["rules": ["assistance": ["acknowledgeWithinHours": 2, "answerWithinHours": 48]], "preservationDays": 70] }
        #expect(run.status == 0, "\(run.err)")
        let loaded = try DataDirectory(a).loadConfiguration()
        #expect(loaded.deadlines.rule(for: .assistance).acknowledgeWithinMinutes == 120)
        #expect(loaded.deadlines.preservationDays == 70)
        try DataDirectory(a).saveConfiguration(loaded)
        let saved = try String(contentsOfFile: configPath, encoding: .utf8)
        #expect(saved.contains("\"acknowledge_within_minutes\"") && saved.contains("\"preservation_days\"") && !saved.contains("WithinHours"))
        // Every key of the written configuration is snake_case.
        for key in Self.keys(of: try JSONSerialization.jsonObject(with: Data(saved.utf8))) where !["rules"].contains(key) {
            #expect(key == key.lowercased(), "configuration key \(key) is not snake_case")
        }
        // Peer add: plain words, not the HTTP library's nested errors.
        for (url, expected) in [("http://127.0.0.1:1", "connection refused"), ("localhost:7400", "must start with http:// or https://")] {
            run = try await Self.accord(["peer", "add", "--data", a, "--url", url, "--fingerprint", "00"])
            #expect(run.status != 0)
            #expect(run.err.contains(expected), "\(run.err)")
            #expect(!run.err.contains("errno") && !run.err.contains("HTTPClientError") && !run.err.contains("(error set)"), "\(run.err)")
        }
    }

    static func keys(of value: Any) -> [String] {
        if let o = value as? [String: Any] { return o.keys + o.values.flatMap(keys) }
        if let a = value as? [Any] { return a.flatMap(keys) }
        return []
    }

    @Test func theCommandLineFindsAndShowsCases() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"]
            let env = ["ACCORD_URL": a.url, "ACCORD_TOKEN": a.token, "ACCORD_TZ": "", "TZ": "UTC"]
            func cli(_ args: [String], tz: String? = nil) async throws -> Run {
                var edited = env
                if let tz { edited["ACCORD_TZ"] = tz }
                return try await Self.accord(args, env: edited)
            }
            var run = try await cli(["case", "open", "--kind", "assistance", "--title", "Botnet drill", "--to", "borealis",
                                     "--field", "summary=Command servers of the Oberland botnet", "--field", "assistance_sought=Sinkhole the domains",
                                     "--exercise", "--urgent", "--basis", "Budapest 35", "--basis", "uncc:47"])
            #expect(run.status == 0, "\(run.err)")
            #expect(run.out.contains("EXERCISE"))
            #expect(run.out.contains("budapest:35") && run.out.contains("24/7 network"))
            let id = try #require(run.out.split(separator: "\n").first { $0.hasPrefix("Opened case ") }.map { String($0.dropFirst(12)) })
            run = try await cli(["case", "open", "--kind", "check", "--title", "x", "--to", "borealis", "--basis", "budapest:99"])
            #expect(run.status != 0)
            #expect(run.err.contains("unknown legal basis \"budapest:99\""))

            run = try await cli(["case", "search", "oberland"])
            #expect(run.status == 0, "\(run.err)")
            #expect(run.out.contains(String(id.prefix(12))) && run.out.contains("[EXERCISE]") && run.out.contains("[URGENT]"))
            run = try await cli(["case", "list", "--search", "nothing-like-this"])
            #expect(run.out.contains("No case matches."))
            run = try await cli(["case", "list", "--no-exercise"])
            #expect(run.out.contains("No cases."))
            run = try await cli(["case", "list", "--peer", "borealis", "--party-status", "awaiting_acknowledgement", "--exercise"])
            #expect(run.out.contains(String(id.prefix(12))))
            run = try await cli(["case", "search", "\"unterminated"])
            #expect(run.status != 0)
            #expect(run.err.contains("not a valid query"))

            // Shown in the officer's zone with UTC beside; the API keeps UTC.
            run = try await cli(["case", "show", String(id.prefix(8))], tz: "Asia/Tokyo")
            #expect(run.status == 0, "\(run.err)")
            #expect(run.out.hasPrefix("*** EXERCISE"))
            #expect((run.out.contains("JST (") || run.out.contains("Asia/Tokyo (")) && run.out.contains(" UTC)"), "\(run.out)")
            run = try await cli(["case", "show", String(id.prefix(8)), "--tz", "UTC"], tz: "Asia/Tokyo")
            #expect(!run.out.contains("JST") && !run.out.contains("Tokyo") && run.out.contains(" UTC"))
            run = try await cli(["case", "show", String(id.prefix(8)), "--tz", "Mars/Olympus"])
            #expect(run.status != 0)
            #expect(run.err.contains("is not a time zone"))
            run = try await cli(["case", "show", "abc"])
            #expect(run.status != 0)
            #expect(run.err.contains("6 to 64 hex digits"))
            let json = try await cli(["case", "show", id, "--json"], tz: "Asia/Tokyo")
            #expect(json.out.contains("Z\""))
            #expect(!json.out.contains("JST") && !json.out.contains("Tokyo"))
        }
    }
}
