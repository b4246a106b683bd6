import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Bundles and whole-log exports from real nodes, verified offline after every node stopped,
/// with the library and with the `accord` executable.
@Suite(.serialized) struct ProofBundleTests {
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let run = try await AccordExecutable.run(arguments, mergeErrors: true)
        return (run.status, run.text)
    }

    static func write(_ json: JSONValue, _ path: String) throws {
        try (PrettyJSON.string(json) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A node's proof bundle for `id`, asked again while the node answers 409 ("try again"): the
    /// receipt or the witnessed checkpoint it needs is still on its way, which with every suite's
    /// nodes sharing a loaded machine can take longer than one request's own attempt to fetch it.
    /// Any other answer, or 409 still at the end, is returned as it is.
    static func proof(_ member: TestCluster.Member, _ id: String, timeout: Duration = .seconds(60)) async throws -> OperatorClient.Reply {
        var reply = try await member.client.send(.GET, "/api/v1/proofs/\(id)")
        _ = try await TestCluster.eventually(timeout: timeout) {
            if reply.status != 409 { return true }
            reply = try await member.client.send(.GET, "/api/v1/proofs/\(id)")
            return reply.status != 409
        }
        return reply
    }

    @Test func aBundleExportedWhileNodesRunVerifiesOfflineAfterAllStop() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            _ = try await a.client.post("/api/v1/log/checkpoints", [:])

            // Borealis exports the bundle of the request it received (fetching the receipt on demand);
            // aurelia exports the same event's bundle from its own log.
            let fromB = try await Self.proof(b, id)
            #expect(fromB.status == 200, "\(String(decoding: fromB.body, as: UTF8.self))")
            let fromA = try await Self.proof(a, id)
            #expect(fromA.status == 200)
            let bundlePath = cluster.root.path + "/bundle.json"
            try Data(fromB.body).write(to: URL(fileURLWithPath: bundlePath))
            let json = try JSONParser.parse(fromB.body)
            #expect(json["event_id"]?.stringValue == id)
            #expect(json["checkpoint"] == (try JSONParser.parse(fromA.body))["checkpoint"])
            // An event nobody holds: a precise 404.
            #expect(try await b.client.send(.GET, "/api/v1/proofs/\(String(repeating: "0", count: 64))").status == 404)

            await cluster.stopAll()

            // Offline, with the keys borealis pinned (read from its data directory).
            let store = try b.directory.openStore()
            var trusted = Dictionary(uniqueKeysWithValues: try await store.peers().map { ($0.name, $0.signingKey) })
            trusted["borealis"] = try b.directory.loadKeys().publicSigningKey
            let bundle = try ProofBundle(json: json)
            let verified = try bundle.verify(policy: TrustPolicy(trusting: trusted))
            #expect(verified.origin == "aurelia")
            #expect(Set(verified.witnesses.map(\.name)) == ["borealis", "caledonia"])
            #expect(bundle.event.to == ["borealis"])

            // The same with the executable, against the pinned keys of the data directory.
            var r = try await Self.run(["proof", "verify", bundlePath, "--data", b.directory.url.path])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.output.contains("VALID: event \(id)"))
            // And against a keys file written from aurelia's directory.
            let keysPath = cluster.root.path + "/keys.json"
            r = try await Self.run(["proof", "keys", "--data", a.directory.url.path])
            try r.output.write(toFile: keysPath, atomically: true, encoding: .utf8)
            r = try await Self.run(["proof", "verify", bundlePath, "--keys", keysPath, "--quorum", "2"])
            #expect(r.status == 0, "\(r.output)")

            // Tampered: another leaf index, and a cosignature by a key nobody trusts.
            guard case .object(var m) = json else { return }
            m["leaf_index"] = .number(Double(bundle.leafIndex + 1))
            let tampered = cluster.root.path + "/tampered.json"
            try Self.write(.object(m), tampered)
            r = try await Self.run(["proof", "verify", tampered, "--data", b.directory.url.path])
            #expect(r.status == 1)
            #expect(r.output.contains("INVALID: inclusion proof: "), "\(r.output)")
            r = try await Self.run(["proof", "verify", bundlePath, "--data", b.directory.url.path, "--quorum", "3"])
            #expect(r.status == 1)
            #expect(r.output.contains("INVALID: checkpoint cosignatures: 2 valid cosignature(s) from trusted witnesses"), "\(r.output)")
            r = try await Self.run(["proof", "verify", bundlePath])
            #expect(r.status != 0)
            #expect(r.output.contains("say which keys to trust"), "\(r.output)")
        }
    }

    @Test func aWholeLogExportVerifiesOfflineAndATamperedOneDoesNot() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            _ = try await LogFixtures.author(a, checks: 12, to: ["borealis"])
            _ = try await a.client.post("/api/v1/log/checkpoints", [:])
            await cluster.stopAll()

            let export = cluster.root.path + "/aurelia.jsonl"
            var r = try await Self.run(["log", "export", "--data", a.directory.url.path, "--out", export])
            #expect(r.status == 0, "\(r.output)")
            r = try await Self.run(["log", "verify", export, "--data", b.directory.url.path])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.output.contains("VALID: 13 leaves of aurelia's log match its checkpoint, cosigned by borealis; 13 event signatures checked"), "\(r.output)")

            // One leaf id replaced: the root no longer matches.
            var lines = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n").map(String.init)
            var line = try JSONParser.parse(Array(lines[5].utf8))
            guard case .object(var m) = line else { return }
            m["event"] = nil
            m["id"] = .string(String(repeating: "ab", count: 32))
            line = .object(m)
            lines[5] = CanonicalJSON.string(line)
            let tampered = cluster.root.path + "/tampered.jsonl"
            try (lines.joined(separator: "\n") + "\n").write(toFile: tampered, atomically: true, encoding: .utf8)
            r = try await Self.run(["log", "verify", tampered, "--data", b.directory.url.path])
            #expect(r.status == 1)
            #expect(r.output.contains("INVALID: root mismatch"), "\(r.output)")
            // One leaf missing.
            lines = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n").map(String.init)
            try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: tampered, atomically: true, encoding: .utf8)
            r = try await Self.run(["log", "verify", tampered, "--data", b.directory.url.path])
            #expect(r.output.contains("INVALID: the export has 12 leaves; the checkpoint commits to 13"), "\(r.output)")
        }
    }
}
