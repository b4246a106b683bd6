import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// The `accord` executable as a person runs it.
@Suite(.serialized) struct CommandLineTests {
    struct Run {
        var status: Int32
        var out: String
        var err: String
    }

    static func accord(_ args: [String], env: [String: String] = [:]) async throws -> Run {
        let run = try await AccordExecutable.run(args, environment: env)
        return Run(status: run.status, out: run.text, err: run.errorText)
    }

    @Test func theDemoRunsAndVerifiesEveryStep() async throws {
        let tmp = TemporaryDirectory("accord-demo")
        defer { tmp.remove() }
        let run = try await Self.accord(["demo", "--once", "--data", tmp.path + "/demo"])
        #expect(run.status == 0, "\(run.out)\n\(run.err)")
        #expect(run.out.contains("✓ Every step was signed, delivered, verified and stored identically on every node concerned."))
        #expect(run.out.contains("identical case state on aurelia-247 and borealis-247"))
        #expect(!run.out.contains("✗"))
    }

    @Test func initTokensAndPeersFromTheCommandLine() async throws {
        let tmp = TemporaryDirectory("accord-cli")
        defer { tmp.remove() }
        let a = tmp.path + "/a", b = tmp.path + "/b"
        let initA = try await Self.accord(["init", "--name", "aurelia", "--data", a, "--country", "XA", "--roles", "technical,diplomatic"])
        #expect(initA.status == 0, "\(initA.err)")
        #expect(initA.out.contains("fingerprint:"))
        for file in ["keys/signing.key", "keys/encryption.key", "accord.json", "accord.sqlite"] {
            var info = stat()
            #expect(stat(a + "/" + file, &info) == 0, "\(file) missing")
            #expect(info.st_mode & 0o077 == 0, "\(file) is readable by others")
        }
        // Doing it twice is refused and changes nothing.
        let again = try await Self.accord(["init", "--name", "aurelia", "--data", a])
        #expect(again.status != 0)
        #expect(again.err.contains("already holds a node"))
        // Bad input gets a clear message.
        let badName = try await Self.accord(["init", "--name", "Not Valid", "--data", tmp.path + "/c"])
        #expect(badName.status != 0)
        #expect(badName.err.contains("not a node name"))
        let badRole = try await Self.accord(["init", "--name", "c", "--data", tmp.path + "/c", "--roles", "spy"])
        #expect(badRole.status != 0)
        #expect(badRole.err.contains("unknown role"))

        let token = try await Self.accord(["token", "create", "--data", a, "--name", "duty", "--role", "officer"])
        #expect(token.status == 0)
        #expect(token.out.hasPrefix(OperatorTokens.prefix))
        #expect(!(try await Self.accord(["token", "list", "--data", a]).out.contains(token.out.trimmingCharacters(in: .whitespacesAndNewlines))))

        #expect(try await Self.accord(["init", "--name", "borealis", "--data", b]).status == 0)
        let keyB = try await Self.accord(["key", "show", "--data", b]).out
        let base64 = try #require(keyB.split(separator: "\n").first { $0.contains("public key:") }?.split(separator: " ").last.map(String.init))
        let encryption = try #require(keyB.split(separator: "\n").first { $0.contains("encryption key:") }?.split(separator: " ").last.map(String.init))
        let fingerprint = try PublicSigningKey(base64: base64).fingerprint
        let noEncryption = try await Self.accord(["peer", "add", "--data", a, "--url", "http://127.0.0.1:1", "--name", "borealis", "--key", base64, "--fingerprint", fingerprint])
        #expect(noEncryption.status != 0)
        #expect(noEncryption.err.contains("--encryption-key"))
        let wrong = try await Self.accord(["peer", "add", "--data", a, "--url", "http://127.0.0.1:1", "--name", "borealis", "--key", base64, "--encryption-key", encryption, "--fingerprint", String(repeating: "0", count: 64)])
        #expect(wrong.status != 0)
        #expect(wrong.err.contains("does not match"))
        let pinned = try await Self.accord(["peer", "add", "--data", a, "--url", "http://127.0.0.1:1", "--name", "borealis", "--key", base64, "--encryption-key", encryption, "--fingerprint", fingerprint])
        #expect(pinned.status == 0, "\(pinned.err)")
        #expect(try await Self.accord(["peer", "list", "--data", a]).out.contains("borealis"))
        // Talking to a node that is not running says so.
        let offline = try await Self.accord(["case", "list"], env: ["ACCORD_URL": "http://127.0.0.1:1", "ACCORD_TOKEN": "accord_x"])
        #expect(offline.status != 0)
        #expect(offline.err.contains("cannot reach the node"))
    }
}
