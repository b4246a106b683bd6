import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Court exports of a real case between two real nodes (several steps and an evidence file),
/// verified offline after both nodes stopped, with `accord case verify-export` and a trust
/// policy from the nodes' keys; tampered archives rejected, each saying which event, field or
/// proof failed; the HTML record's content; the API route's roles.
@Suite(.serialized) struct CourtExportTests {
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ProofBundleTests.run(arguments)
    }

    /// Opens a preservation case from aurelia to borealis with hostile text in its fields, and
    /// takes it through acknowledgement, a question and its answer, an evidence file and the
    /// formal answer; waits until both logs are witnessed and borealis holds every receipt.
    static func workedCase(_ cluster: TestCluster, exercise: Bool = false) async throws -> String {
        let a = cluster["aurelia"], b = cluster["borealis"]
        guard case .object(var fields) = Fixtures.preservationFields else { throw AccordError(.malformed, "fixture") }
        fields["facts"] = "A ransom note <img src=x onerror=alert(1)> names a mailbox."
        var request: [String: JSONValue] = ["kind": "preservation", "title": "Mailbox <script>alert('court')</script>", "to": ["borealis"], "fields": .object(fields), "norms": ["13(d)"]]
        if exercise { request["exercise"] = true }
        let opened = try await a.client.post("/api/v1/cases", .object(request))
        let id = try #require(opened["event"]?.stringValue)
        _ = try await Fixtures.state(b, id)
        _ = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "acknowledge", "body": ["note": "On it."]])
        let asked = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "request_information", "body": ["questions": "Which time zone are the log times in?"]])
        let question = try #require(asked["event"]?.stringValue)
        #expect(try await TestCluster.eventually { try await a.node.store.containsEvent(EventID(hex: question)!) })
        _ = try await a.client.post("/api/v1/cases/\(id)/steps", ["type": "provide_information", "body": ["information": "UTC.", "in_reply_to": .string(question)]])
        let up = try await a.client.send(.POST, "/api/v1/cases/\(id)/evidence?name=mailbox-headers.txt&media_type=text/plain", body: Array("Received: from mx.example\n".utf8))
        try #require(up.status == 201, "\(String(decoding: up.body, as: UTF8.self))")
        let evidence = try #require(up.json?["event"]?.stringValue)
        #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(EventID(hex: evidence)!) })
        _ = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "answer", "body": ["outcome": "granted", "details": "Preserved for 90 days."]])
        #expect(try await TestCluster.eventually {
            let here = try await a.node.store.events(inCase: EventID(hex: id)!).count, there = try await b.node.store.events(inCase: EventID(hex: id)!).count
            return here == there && here >= 7
        })
        // Both logs witnessed up to their last event, borealis holding aurelia's receipts.
        let witnessed = try await TestCluster.eventually(timeout: .seconds(40)) {
            _ = try? await a.client.post("/api/v1/log/checkpoints", [:])
            _ = try? await b.client.post("/api/v1/log/checkpoints", [:])
            _ = try? await b.client.post("/api/v1/receipts/fetch", [:])
            let archive = try CaseArchive.parse(try await b.client.send(.GET, "/api/v1/cases/\(id)/export?format=archive").body)
            return archive.entries.allSatisfy { $0.proof != nil }
        }
        try #require(witnessed, "the case's events were never all witnessed")
        return id
    }

    /// A trust policy from borealis's data directory (its key and the keys it pinned), as a
    /// court's expert would build it from keys compared out of band.
    static func policyFile(_ cluster: TestCluster) async throws -> String {
        let r = try await run(["proof", "keys", "--data", cluster["borealis"].directory.url.path])
        #expect(r.status == 0, "\(r.output)")
        let path = cluster.root.path + "/trust.json"
        try r.output.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func write(_ json: JSONValue, _ path: String) throws {
        try (PrettyJSON.string(json) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func aCaseExportedWhileNodesRunVerifiesOfflineAndTamperingIsNamed() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let id = try await Self.workedCase(cluster)

            // Roles: no token, a wrong format, an auditor may export, by a prefix of the id.
            let anonymous = OperatorClient(url: b.url, token: "not-a-token")
            #expect(try await anonymous.send(.GET, "/api/v1/cases/\(id)/export").status == 401)
            let (token, record) = OperatorTokens.make(name: "court-auditor", role: .auditor, now: b.node.time.now())
            try await b.node.store.saveToken(record)
            let auditor = OperatorClient(url: b.url, token: token)
            #expect(try await auditor.send(.GET, "/api/v1/cases/\(id)/export?format=pdf").status == 400)
            let viaAuditor = try await auditor.send(.GET, "/api/v1/cases/\(id.prefix(10))/export")
            #expect(viaAuditor.status == 200)
            #expect(String(decoding: viaAuditor.body, as: UTF8.self).hasPrefix("<!DOCTYPE html>"))
            #expect(try await auditor.send(.GET, "/api/v1/cases/\(String(repeating: "0", count: 64))/export").status == 404)

            // The export is recorded in the evidence's custody in the auditor's name.
            let custodyRecorded = try await TestCluster.eventually {
                let custody = try await b.client.get("/api/v1/cases/\(id)/custody").arrayValue ?? []
                return custody.contains { $0["action"]?.stringValue == "exported" && $0["by"]?.stringValue == "court-auditor" }
            }
            #expect(custodyRecorded)

            // The command line, from borealis: both files into a directory.
            let out = cluster.root.path + "/export"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let exported = try await Self.run(["case", "export", String(id.prefix(8)), "--out", out, "--node", b.url, "--token", b.token])
            #expect(exported.status == 0, "\(exported.output)")
            let html = out + "/case-\(id.prefix(12)).html", archivePath = out + "/case-\(id.prefix(12)).accord.json"
            #expect(FileManager.default.fileExists(atPath: html) && FileManager.default.fileExists(atPath: archivePath), "\(exported.output)")
            // The export itself was recorded after it was made: the archive holds the events before.
            let events = try CaseArchive.parse(Array(try Data(contentsOf: URL(fileURLWithPath: archivePath)))).entries
            #expect(events.count == (try await b.node.store.events(inCase: EventID(hex: id)!)).count - 1)
            let pinned = try await LogFixtures.pinnedKeys(b)

            await cluster.stopAll()
            let policy = try await Self.policyFile(cluster)

            // Valid offline, the archive and the record alike.
            var r = try await Self.run(["case", "verify-export", archivePath, "--policy", policy])
            #expect(r.status == 0, "\(r.output)")
            #expect(r.output.contains("VALID: all \(events.count) events"), "\(r.output)")
            #expect(r.output.contains("ok: event 1 of \(events.count) (case.open by aurelia, id \(id.prefix(12)))"), "\(r.output)")
            #expect(r.output.contains("evidence: mailbox-headers.txt sha256 "), "\(r.output)")
            r = try await Self.run(["case", "verify-export", html, "--trust", policy])
            #expect(r.status == 0, "\(r.output)")

            // The HTML record: every event, fingerprints, proofs, the verify command, hostile text inert.
            let page = try String(contentsOfFile: html, encoding: .utf8)
            for e in events { #expect(page.contains(e.event.id.hex)) }
            #expect(page.contains(pinned["aurelia"]!.fingerprint) && page.contains(pinned["borealis"]!.fingerprint))
            #expect(page.contains("accord case verify-export"))
            #expect(page.contains("Mailbox &lt;script&gt;alert(&#39;court&#39;)&lt;/script&gt;"))
            #expect(!page.contains("<script>alert") && !page.contains("<img src=x"))
            #expect(page.contains("default-src 'none'"))
            #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("@import"))
            #expect(page.contains("class=\"proof\"") && page.contains("accord-proof-bundle/v1"))
            #expect(page.contains("received here") || page.contains("delivered"))

            // Tampering, each named.
            let original = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: archivePath)))
            let tampered = cluster.root.path + "/tampered.json"
            func verify(_ json: JSONValue, quorum: Int? = nil) async throws -> (status: Int32, output: String) {
                try Self.write(json, tampered)
                return try await Self.run(["case", "verify-export", tampered, "--policy", policy] + (quorum.map { ["--quorum", String($0)] } ?? []))
            }
            func edit(_ index: Int, _ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
                guard case .object(var m) = original, var list = m["events"]?.arrayValue, case .object(var e) = list[index] else { return original }
                change(&e)
                list[index] = .object(e)
                m["events"] = .array(list)
                return .object(m)
            }
            func editEvent(_ index: Int, _ change: @escaping (inout [String: JSONValue]) -> Void) -> JSONValue {
                edit(index) { e in
                    guard case .object(var p) = e["proof"], case .object(var ev) = p["event"] else { return }
                    change(&ev)
                    p["event"] = .object(ev)
                    e["proof"] = .object(p)
                }
            }
            // A byte of an event's body changed: its id no longer matches.
            r = try await verify(editEvent(1) { ev in ev["body"] = ["note": "On it!"] })
            #expect(r.status == 1 && r.output.contains("event 2 of \(events.count): proof: \"event_id\" is"), "\(r.output)")
            // The same with the ids removed, so that only the signature can tell.
            r = try await verify(edit(1) { e in
                e["event_id"] = nil
                guard case .object(var p) = e["proof"], case .object(var ev) = p["event"] else { return }
                ev["body"] = ["note": "On it!"]
                p["event"] = .object(ev)
                p["event_id"] = nil
                e["proof"] = .object(p)
            })
            #expect(r.status == 1 && r.output.contains("FAIL: event 2 of \(events.count) (case.acknowledge by borealis") && r.output.contains("does not verify with borealis's trusted key"), "\(r.output)")
            // Two events swapped.
            guard case .object(var swapped) = original, var list = swapped["events"]?.arrayValue else { return }
            list.swapAt(1, 2)
            for i in list.indices { if case .object(var e) = list[i] { e["index"] = .number(Double(i + 1)); list[i] = .object(e) } }
            swapped["events"] = .array(list)
            r = try await verify(.object(swapped))
            #expect(r.status == 1 && r.output.contains("out of order"), "\(r.output)")
            // An event moved without renumbering: its index says so.
            guard case .object(var moved) = original, var list2 = moved["events"]?.arrayValue else { return }
            list2.swapAt(2, 3)
            moved["events"] = .array(list2)
            r = try await verify(.object(moved))
            #expect(r.status == 1 && r.output.contains("event 3 of \(events.count): its \"index\" is 4, not 3"), "\(r.output)")
            // A proof removed.
            r = try await verify(edit(3) { e in e["proof"] = nil })
            #expect(r.status == 1 && r.output.contains("event 4 of \(events.count): has neither \"proof\" nor \"event\""), "\(r.output)")
            // A proof replaced by the bare event: unproven.
            r = try await verify(edit(3) { e in
                e["event"] = e["proof"]?["event"]
                e["proof"] = nil
                e["unproven"] = "removed"
            })
            #expect(r.status == 1 && r.output.contains("FAIL: event 4 of \(events.count)") && r.output.contains("no inclusion proof"), "\(r.output)")
            // A hash of the inclusion proof changed.
            r = try await verify(edit(0) { e in
                guard case .object(var p) = e["proof"], var hashes = p["inclusion_proof"]?.arrayValue, !hashes.isEmpty else { return }
                hashes[0] = .string(Encoding.base64([UInt8](repeating: 7, count: 32)))
                p["inclusion_proof"] = .array(hashes)
                e["proof"] = .object(p)
            })
            #expect(r.status == 1 && r.output.contains("FAIL: event 1 of \(events.count)") && r.output.contains("inclusion proof does not lead"), "\(r.output)")
            // An attacker's key: aurelia's opening re-signed with it, and claimed in the archive's keys.
            let attacker = NodeKeys.generate()
            let opening = events[0].event
            let forged = Event.sign(type: opening.type, origin: opening.origin, to: opening.to, caseID: opening.caseID, time: opening.time, body: opening.body, keys: attacker)
            var forgedArchive = edit(0) { e in
                e["event_id"] = .string(forged.id.hex)
                guard case .object(var p) = e["proof"] else { return }
                p["event"] = forged.json
                p["event_id"] = .string(forged.id.hex)
                p["keys"] = .array([["name": "aurelia", "role": "origin", "signing_key": .string(attacker.publicSigningKey.base64)]])
                e["proof"] = .object(p)
            }
            if case .object(var m) = forgedArchive {
                m["keys"] = .array([["name": "aurelia", "role": "origin", "signing_key": .string(attacker.publicSigningKey.base64)]])
                forgedArchive = .object(m)
            }
            r = try await verify(forgedArchive)
            #expect(r.status == 1 && r.output.contains("FAIL: event 1 of \(events.count) (case.open by aurelia") && r.output.contains("does not verify with aurelia's trusted key"), "\(r.output)")
            #expect(r.output.contains("the archive claims aurelia's key is \(attacker.publicSigningKey.fingerprint)"), "\(r.output)")
            // The evidence list's hash changed (the signed event still says the right one).
            guard case .object(var withHash) = original, var files = withHash["evidence"]?.arrayValue, case .object(var file) = files.first else { return }
            file["sha256"] = .string(String(repeating: "0", count: 64))
            files[0] = .object(file)
            withHash["evidence"] = .array(files)
            r = try await verify(.object(withHash))
            #expect(r.status == 1 && r.output.contains("evidence 1 (mailbox-headers.txt") && r.output.contains("\"sha256\" is \"0000"), "\(r.output)")
            // More witnesses than the logs have: not witnessed enough.
            r = try await verify(original, quorum: 2)
            #expect(r.status == 1 && r.output.contains("log is not witnessed enough for you"), "\(r.output)")
            // Garbage, a truncated archive, an oversize file.
            try Data("%PDF-1.4 not an archive".utf8).write(to: URL(fileURLWithPath: tampered))
            r = try await Self.run(["case", "verify-export", tampered, "--policy", policy])
            #expect(r.status == 1 && r.output.contains("not JSON: malformed JSON at byte 0"), "\(r.output)")
            let whole = try Data(contentsOf: URL(fileURLWithPath: archivePath))
            try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: tampered))
            r = try await Self.run(["case", "verify-export", tampered, "--policy", policy])
            #expect(r.status == 1 && r.output.contains("truncated?"), "\(r.output)")
            _ = FileManager.default.createFile(atPath: tampered, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tampered))
            try handle.truncate(atOffset: UInt64(CaseArchive.maxBytes + 1))
            try handle.close()
            r = try await Self.run(["case", "verify-export", tampered, "--policy", policy])
            #expect(r.status == 1 && r.output.contains("a case export is read only up to"), "\(r.output)")
            // Without a trust source, nothing is verified.
            r = try await Self.run(["case", "verify-export", archivePath])
            #expect(r.status != 0 && r.output.contains("say which keys to trust"), "\(r.output)")
            _ = a
        }
    }
}
