import Crypto
import Foundation
import Testing

@testable import AccordCore

/// docs/vectors/events.json: checked independently of the code that signs, and regenerated
/// from fixed keys to catch any change of the wire format. Set ACCORD_WRITE_VECTORS=1 to rewrite.
@Suite struct VectorTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/vectors/events.json").standardized

    static func key(_ label: String) -> NodeKeys {
        let seed = SHA256.hash(data: Array("accord test vector \(label)".utf8))
        return NodeKeys(signing: try! .init(rawRepresentation: Array(seed)), encryption: try! .init(rawRepresentation: Array(seed)))
    }

    static let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    static func vectors() throws -> [JSONValue] {
        let a = key("aurelia-247"), b = key("borealis-247")
        let policy = DeadlinePolicy.standard
        let fields: [CaseKind: [String: JSONValue]] = [
            .notification: ["summary": "DDoS against the electricity exchange from about 2,000 hosts", "severity": "high", "incident_time": "2026-11-26T03:10:00Z"],
            .assistance: ["summary": "Botnet command servers hosted in your territory", "assistance_sought": "Take down or sinkhole the listed domains", "critical_infrastructure": true],
            .preservation: [
                "authority": "Aurelia Public Prosecutor's Office", "offence": "Extortion (ransomware)", "facts": "A hospital's systems were encrypted on 2026-11-20",
                "data": "Subscriber data and connection logs of the mailbox in the ransom note", "relationship": "Used to negotiate the ransom",
                "custodian": "Borealis Mail Ltd., Northport", "necessity": "Logs are deleted after 30 days", "mla_to_follow": true,
            ],
            .disclosure: ["authority": "Aurelia Public Prosecutor's Office", "offence": "Extortion (ransomware)", "data": "Traffic data preserved under BP-2026-4411", "purpose": "Identify the service providers and the path of the communication"],
            .mla: ["authority": "Aurelia Ministry of Justice", "subject": "Ransomware extortion of a hospital", "facts": "Encryption on 2026-11-20; ransom paid in virtual currency", "assistance_sought": "Production of the preserved mailbox contents", "purpose": "Evidence for prosecution"],
            .consultation: ["subject": "The DDoS of 26 November", "proposed_dates": ["2026-11-28T10:00:00Z"], "participants": ["Cyber envoy", "CERT lead"]],
            .check: ["message": "Monthly communication check"],
        ]
        var out: [JSONValue] = []
        func add(_ e: Event, _ keys: NodeKeys, _ note: String) {
            out.append([
                "description": .string(note),
                "public_key": .string(keys.publicSigningKey.base64),
                "event": e.json,
                "signed_bytes": .string(Encoding.base64(e.signedBytes)),
                "signature": .string(Encoding.base64(e.signature)),
                "id": .string(e.id.hex),
            ])
        }
        var preservation: Event?
        for (i, kind) in CaseKind.allCases.enumerated() {
            let time = t0.adding(seconds: Int64(i))
            var body: [String: JSONValue] = [
                "kind": .string(kind.rawValue), "title": .string(kind.title), "fields": .object(fields[kind]!),
                "deadlines": policy.deadlines(for: kind, openedAt: time).json,
            ]
            if kind == .notification { body["norms"] = ["13(c)", "13(h)"] }
            let e = Event.sign(type: .open, origin: "aurelia-247", to: ["borealis-247"], caseID: nil, time: time, body: body, keys: a,
                               nonce: Array(SHA256.hash(data: Array(kind.rawValue.utf8)).prefix(8)))
            _ = try CaseState.open(CaseStep(e))
            if kind == .preservation { preservation = e }
            add(e, a, "case.open of kind \(kind.rawValue)")
        }
        let ack = Event.sign(type: .acknowledge, origin: "borealis-247", to: ["aurelia-247"], caseID: preservation!.id, time: t0.adding(hours: 1),
                             body: ["note": "Received by the duty officer"], keys: b, nonce: [1, 2, 3, 4, 5, 6, 7, 8])
        add(ack, b, "case.acknowledge of the preservation request")
        let answer = Event.sign(type: .answer, origin: "borealis-247", to: ["aurelia-247"], caseID: preservation!.id, time: t0.adding(hours: 2),
                                body: ["outcome": "granted", "details": "Preserved for 90 days under reference BP-2026-4411"], keys: b, nonce: [8, 7, 6, 5, 4, 3, 2, 1])
        add(answer, b, "case.answer (granted) of the preservation request")
        return out
    }

    @Test func theShippedVectorsAreCurrent() throws {
        let generated = try Self.vectors()
        let text = PrettyJSON.string(.array(generated)) + "\n"
        if ProcessInfo.processInfo.environment["ACCORD_WRITE_VECTORS"] == "1" {
            try text.write(to: Self.file, atomically: true, encoding: .utf8)
        }
        let shipped = try String(contentsOf: Self.file, encoding: .utf8)
        #expect(shipped == text, "docs/vectors/events.json differs from what this code signs; rerun with ACCORD_WRITE_VECTORS=1 if the change is intended")
    }

    /// Checks each vector from first principles: JCS, Ed25519, SHA-256.
    @Test func everyShippedVectorVerifies() throws {
        let vectors = try #require(try JSONParser.parse([UInt8](Data(contentsOf: Self.file))).arrayValue)
        #expect(vectors.count >= CaseKind.allCases.count)
        var kinds = Set<String>()
        for v in vectors {
            let key = try #require(try? Curve25519.Signing.PublicKey(rawRepresentation: Encoding.unbase64(v["public_key"]!.stringValue!)!))
            guard case .object(var event) = try #require(v["event"]) else { Issue.record("event is not an object"); continue }
            let sig = try #require(Encoding.unbase64(v["signature"]!.stringValue!))
            #expect(event["sig"]?.stringValue == v["signature"]?.stringValue)
            let whole = CanonicalJSON.encode(.object(event))
            #expect(Encoding.hex(SHA256.hash(data: whole)) == v["id"]?.stringValue)
            event.removeValue(forKey: "sig")
            let signed = CanonicalJSON.encode(.object(event))
            #expect(Encoding.base64(signed) == v["signed_bytes"]?.stringValue)
            #expect(key.isValidSignature(sig, for: signed))
            if event["type"]?.stringValue == "case.open", let k = event["body"]?["kind"]?.stringValue { kinds.insert(k) }
        }
        #expect(kinds == Set(CaseKind.allCases.map(\.rawValue)))
    }
}
