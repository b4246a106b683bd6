import AccordCore
import AccordEvidence
import AccordHTTP
import AccordStore
import AccordTestSupport
import Crypto
import Foundation
import Testing

@testable import AccordNode

/// Evidence attached to a case on real nodes: the metadata event reaches the case's parties
/// and no one else, the author keeps a copy only the parties can read, and bad attachments
/// are refused before anything is signed.
@Suite(.serialized) struct EvidenceEventTests {
    func write(_ path: String, size: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return bytes
    }

    @Test func evidenceReachesThePartiesOnlyAndTheAuthorKeepsAReadableCopy() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            let opened = try await a.node.open(OpenCaseRequest(kind: .check, title: "Logs for the incident", to: ["borealis"], fields: [:]))
            let caseID = opened.event.id
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(caseID) })

            let file = cluster.root.path + "/firewall.log"
            let plain = try write(file, size: 300_000)
            let added = try await a.node.addEvidence(
                to: caseID, file: file, name: "firewall.log", mediaType: "text/plain", description: "Edge firewall",
                collectedAt: a.node.time.now(), collectedBy: "duty officer", method: "SIEM export")
            #expect(added.event.type == .evidenceAdded)
            #expect(added.event.to == ["borealis"])

            // Aurelia pinned borealis without its profile, so it takes borealis for a version-1
            // node: the evidence is held back, not sent.
            #expect(try await TestCluster.eventually { try await a.node.store.parkedDeliveries(peer: "borealis").contains { $0.event == added.event.id && $0.code == "held" } })
            #expect(try await b.node.store.containsEvent(added.event.id) == false)
            // Once aurelia holds borealis's signed profile (which lists evidence.file_added), the
            // operator sends it again.
            var pinned = try #require(try await a.node.store.peer(named: "borealis"))
            pinned.profile = try await b.node.profile().canonical
            try await a.node.store.savePeer(pinned)
            try await a.node.requestResend(to: "borealis")

            // Borealis holds the metadata, checked (the file follows: EvidenceTransferTests).
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(added.event.id) })
            let listed = try #require(try await b.node.evidence(inCase: caseID).first)
            #expect(listed.metadata.name == "firewall.log")
            #expect(listed.metadata.size == 300_000)
            #expect(listed.metadata.sha256 == Array(SHA256.hash(data: plain)))
            #expect(Set(listed.metadata.encryption.recipients.map(\.node)) == ["aurelia", "borealis"])
            // The case's timeline on borealis shows it.
            let detail = try await b.node.caseDetail(caseID)
            #expect(detail.timeline.last?.summary.hasPrefix("evidence firewall.log (text/plain, 300000 bytes, SHA-256 ") == true)
            // Caledonia, not a party, never sees it.
            #expect(try await c.node.store.containsEvent(added.event.id) == false)

            // Aurelia's copy is on its disk, owner-only, and decrypts to the file.
            let mine = try #require(try await a.node.evidence(inCase: caseID).first)
            #expect(mine.available)
            let path = try a.node.evidencePath(mine.metadata, event: added.event.id)
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
            #expect(path.contains("/evidence/\(Encoding.hex(plain.isEmpty ? [] : Array(SHA256.hash(data: plain))))/"))
            let out = cluster.root.path + "/out.log"
            _ = try await a.node.exportEvidence(added.event.id, to: out)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == plain)
            // Borealis fetches it and exports the same bytes.
            #expect(try await TestCluster.eventually { try await b.node.evidenceItem(added.event.id).available })
            _ = try await b.node.exportEvidence(added.event.id, to: cluster.root.path + "/b.log")
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: cluster.root.path + "/b.log"))) == plain)
        }
    }

    @Test func badAttachmentsAreRefusedBeforeAnythingIsSigned() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let opened = try await a.node.open(OpenCaseRequest(kind: .check, title: "Case", to: ["borealis"], fields: [:]))
            let file = cluster.root.path + "/x.bin"
            _ = try write(file, size: 10)
            let before = try await a.node.store.logSize()
            let cases: [(EventID, String, String, String, AccordError.Code)] = [
                (LogFixtures.randomIDs(1)[0], file, "x.bin", "application/octet-stream", .unknownCase),
                (opened.event.id, cluster.root.path + "/missing", "x.bin", "application/octet-stream", .notFound),
                (opened.event.id, file, "../x.bin", "application/octet-stream", .invalidField),
                (opened.event.id, file, "x.bin", "octet-stream", .invalidField),
            ]
            for (caseID, path, name, type, code) in cases {
                let error = await #expect(throws: AccordError.self) {
                    _ = try await a.node.addEvidence(to: caseID, file: path, name: name, mediaType: type)
                }
                #expect(error?.code == code, "\(name) \(type): \(error?.message ?? "-")")
            }
            #expect(try await a.node.store.logSize() == before)
            // Nothing is left in the evidence directory but what was committed (nothing).
            let dir = try a.node.evidenceDirectory()
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    @Test func theOperatorAPIUploadsListsAndServesEvidenceByRole() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            // Each knows the other's profile, as pinning through the API would.
            for (x, y) in [(a, b), (b, a)] {
                var pinned = try #require(try await x.node.store.peer(named: y.name))
                pinned.profile = try await y.node.profile().canonical
                try await x.node.store.savePeer(pinned)
            }
            let opened = try await a.client.post("/api/v1/cases", ["kind": "check", "title": "Captures", "to": ["borealis"], "fields": [:]])
            let caseText = try #require(opened["event"]?.stringValue)
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(EventID(hex: caseText)!) })

            // 5 MB streamed up as the request body.
            var plain = [UInt8](repeating: 0, count: 5_000_000)
            for i in plain.indices { plain[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
            let up = try await a.client.send(.POST, "/api/v1/cases/\(caseText)/evidence?name=capture.pcap&media_type=application/vnd.tcpdump.pcap&description=Edge%20capture", body: plain)
            #expect(up.status == 201, "\(String(decoding: up.body, as: UTF8.self))")
            let event = try #require(up.json?["event"]?.stringValue)

            // Listed on both sides; only the author holds the encrypted file so far.
            let mine = try #require(try await a.client.get("/api/v1/cases/\(caseText)/evidence").arrayValue?.first)
            #expect(mine["name"] == "capture.pcap" && mine["size"]?.intValue == 5_000_000 && mine["available"] == true)
            #expect(mine["sha256"]?.stringValue == Encoding.hex(SHA256.hash(data: plain)))
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(EventID(hex: event)!) })
            let theirs = try #require(try await b.client.get("/api/v1/cases/\(caseText)/evidence").arrayValue?.first)
            #expect(theirs["event"]?.stringValue == event && theirs["available"] == false)

            // The author downloads the decrypted file.
            let down = try await a.client.send(.GET, "/api/v1/evidence/\(event)/content")
            #expect(down.status == 200)
            #expect(down.body == plain)
            // An auditor may list evidence but not read it.
            let (token, record) = OperatorTokens.make(name: "auditor", role: .auditor, now: a.node.time.now())
            try await a.node.store.saveToken(record)
            let auditor = OperatorClient(url: a.url, token: token)
            #expect(try await auditor.send(.GET, "/api/v1/cases/\(caseText)/evidence").status == 200)
            #expect(try await auditor.send(.GET, "/api/v1/evidence/\(event)/content").status == 403)
            #expect(try await auditor.send(.POST, "/api/v1/cases/\(caseText)/evidence?name=x.bin", body: [1, 2, 3]).status == 403)
            // Refusals: no name, a bad media type, an unknown case.
            #expect(try await a.client.send(.POST, "/api/v1/cases/\(caseText)/evidence", body: [1]).status == 400)
            #expect(try await a.client.send(.POST, "/api/v1/cases/\(caseText)/evidence?name=x.bin&media_type=bin", body: [1]).status == 400)
            #expect(try await a.client.send(.POST, "/api/v1/cases/\(String(repeating: "ab", count: 32))/evidence?name=x.bin", body: [1]).status == 404)
            // Nothing staged is left behind.
            let dir = try a.node.evidenceDirectory()
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasPrefix("incoming-") })
        }
    }


    @Test func theCommandLineAttachesListsAndGetsEvidence() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.node.open(OpenCaseRequest(kind: .check, title: "Disk image", to: ["borealis"], fields: [:]))
            let file = cluster.root.path + "/image.bin"
            let plain = try write(file, size: 3_000_123)
            let api = ["--node", a.url, "--token", a.token]
            let add = try await CommandLineTests.accord(["evidence", "add", opened.event.id.hex, file, "--media-type", "application/octet-stream", "--description", "Disk image", "--json"] + api)
            #expect(add.status == 0, "\(add.err)")
            let event = try #require(try JSONParser.parse(Array(add.out.utf8))["event"]?.stringValue)
            let list = try await CommandLineTests.accord(["evidence", "list", opened.event.id.hex] + api)
            #expect(list.status == 0 && list.out.contains("image.bin") && list.out.contains("3000123 bytes") && list.out.contains("held here"), "\(list.out)\(list.err)")
            // Not this case's evidence: refused before anything is written.
            let wrongCase = try await CommandLineTests.accord(["evidence", "get", event, event, "--out", cluster.root.path + "/w.bin"] + api)
            #expect(wrongCase.status != 0 && wrongCase.err.contains("not attached to case"), "\(wrongCase.err)")
            let out = cluster.root.path + "/back.bin"
            let get = try await CommandLineTests.accord(["evidence", "get", opened.event.id.hex, event, "--out", out] + api)
            #expect(get.status == 0, "\(get.err)")
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == plain)
            // Borealis holds nothing of it (pinned without its profile, aurelia held it back): a clear error, no file.
            let missing = try await CommandLineTests.accord(["evidence", "get", opened.event.id.hex, event, "--out", cluster.root.path + "/b.bin", "--node", b.url, "--token", b.token])
            #expect(missing.status != 0 && missing.err.contains("evidence"), "\(missing.err)")
            #expect(!FileManager.default.fileExists(atPath: cluster.root.path + "/b.bin"))
            // A file that does not exist.
            let none = try await CommandLineTests.accord(["evidence", "add", opened.event.id.hex, cluster.root.path + "/none"] + api)
            #expect(none.status != 0 && none.err.contains("cannot read"), "\(none.err)")
        }
    }

    @Test func aSTIXBundleAttachedAsEvidenceIsValidatedWithTheObjectAndPropertyNamed() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let opened = try await a.node.open(OpenCaseRequest(kind: .check, title: "Indicators", to: ["borealis"], fields: [:]))
            let indicator = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
            func bundle(_ pattern: String?) -> String {
                let patternMember = pattern.map { "\"pattern\": \"\($0)\", " } ?? ""
                return """
                    {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
                      {"type": "indicator", "spec_version": "2.1", "id": "\(indicator)",
                       "created": "2026-11-27T09:00:00.000Z", "modified": "2026-11-27T09:00:00.000Z",
                       \(patternMember)"pattern_type": "stix", "valid_from": "2026-11-27T09:00:00Z"}]}
                    """
            }
            let bad = cluster.root.path + "/bad.json", good = cluster.root.path + "/good.json"
            try Data(bundle(nil).utf8).write(to: URL(fileURLWithPath: bad))
            try Data(bundle("[ipv4-addr:value = '198.51.100.1']").utf8).write(to: URL(fileURLWithPath: good))
            let before = try await a.node.store.logSize()
            let error = await #expect(throws: AccordError.self) {
                _ = try await a.node.addEvidence(to: opened.event.id, file: bad, name: "bad.json", mediaType: "application/stix+json")
            }
            #expect(error?.code == .invalidField && error?.field == "pattern" && error?.message.contains(indicator) == true, "\(error?.message ?? "-")")
            #expect(try await a.node.store.logSize() == before)
            // Not JSON at all, through the API: 400 and the reason.
            let reply = try await a.client.send(.POST, "/api/v1/cases/\(opened.event.id.hex)/evidence?name=x.json&media_type=application/stix%2Bjson", body: Array("not json".utf8))
            #expect(reply.status == 400 && reply.json?["error"]?["code"]?.stringValue == "malformed")
            // A valid bundle is attached like any file.
            let added = try await a.node.addEvidence(to: opened.event.id, file: good, name: "good.json", mediaType: "application/stix+json")
            #expect(added.event.type == .evidenceAdded)
        }
    }
}
