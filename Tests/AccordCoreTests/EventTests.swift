import Crypto
import Foundation
import Testing

@testable import AccordCore

@Suite struct EventTests {
    let keys = NodeKeys.generate()
    let time = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func sample(to: [String] = ["borealis"]) -> Event {
        Event.sign(type: .open, origin: "aurelia", to: to, caseID: nil, time: time,
                   body: ["kind": "check", "title": "Check", "fields": [:], "deadlines": ["acknowledge_by": "2026-11-27T11:00:00.000Z"]], keys: keys)
    }

    @Test func signsAndVerifies() throws {
        let e = sample()
        #expect(e.isSigned(by: keys.publicSigningKey))
        #expect(!e.isSigned(by: NodeKeys.generate().publicSigningKey))
        // The id is the SHA-256 of the canonical bytes of the whole signed event.
        #expect(e.id.bytes == Array(SHA256.hash(data: CanonicalJSON.encode(e.json))))
        // What is signed is the canonical form without "sig".
        guard case .object(var m) = e.json else { Issue.record("not an object"); return }
        m.removeValue(forKey: "sig")
        #expect(e.signedBytes == CanonicalJSON.encode(.object(m)))
    }

    @Test func roundTripsThroughBytes() throws {
        let e = sample()
        let again = try Event(bytes: e.canonical)
        #expect(again == e)
        #expect(again.id == e.id)
    }

    @Test func anyChangeBreaksTheSignature() throws {
        let e = sample()
        guard case .object(var m) = e.json else { return }
        m["to"] = .strings(["caledonia"])
        let forged = try Event(json: .object(m))
        #expect(!forged.isSigned(by: keys.publicSigningKey))
        #expect(forged.id != e.id)
    }

    static let malformations: [(String, JSONValue, String)] = [
        ("v", .number(2), "unsupported event version"),
        ("type", .string("Case Explode!"), "is not an event type name"),
        ("origin", .string("Not A Name"), "origin must be a node name"),
        ("to", .strings(["a", "a"]), "names a twice"),
        ("time", .string("2026-11-27T09:00:00Z"), "milliseconds"),
        ("case", .string("ABC"), "lowercase hex"),
        ("nonce", .string("xyz"), "nonce"),
        ("sig", .string("AAAA"), "sig must be"),
        ("extra", .number(1), "unknown event member"),
    ]

    @Test func aWellFormedUnknownTypeIsUnsupportedNotMalformed() {
        guard case .object(var m) = sample().json else { return }
        m["type"] = "report.future_kind"
        #expect {
            _ = try Event(json: .object(m))
        } throws: { error in
            (error as? AccordError)?.code == .unsupportedType
        }
    }

    @Test(arguments: malformations)
    func rejectsMalformedEvents(member: String, value: JSONValue, message: String) {
        guard case .object(var m) = sample().json else { return }
        m[member] = value
        #expect {
            _ = try Event(json: .object(m))
        } throws: { error in
            (error as? AccordError)?.message.contains(message) == true
        }
    }

    @Test func timestampsHaveOneSpelling() throws {
        let t = try #require(Timestamp(rfc3339: "2026-02-28T23:59:59.5Z"))
        #expect(t.rfc3339 == "2026-02-28T23:59:59.500Z")
        #expect(Timestamp(rfc3339: "2026-02-30T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp(rfc3339: "2026-01-01T00:00:00+01:00") == nil)
        #expect(Timestamp(milliseconds: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(rfc3339: "2000-03-01T00:00:00.000Z")!.milliseconds == 951_868_800_000)
    }

    @Test func fingerprintsMatchLoosely() {
        let key = keys.publicSigningKey
        #expect(key.matches(fingerprint: key.displayFingerprint.uppercased()))
        #expect(key.matches(fingerprint: key.fingerprint))
        let last = key.fingerprint.last!
        #expect(!key.matches(fingerprint: String(key.fingerprint.dropLast()) + (last == "0" ? "1" : "0")))
    }
}

@Suite struct MessageSignatureTests {
    let keys = NodeKeys.generate()
    let now = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!
    let body = Array("{\"batch\":\"x\",\"events\":[]}".utf8)

    func headers() -> [String: String] {
        var h: [String: String] = [:]
        for (n, v) in MessageSignature.sign(method: "POST", path: "/federation/v1/batches", body: body, recipient: "borealis", sender: "aurelia", keys: keys, created: now) {
            h[n.lowercased()] = v
        }
        return h
    }

    func verify(_ h: [String: String], body: [UInt8]? = nil, recipient: String = "borealis", at: Timestamp? = nil, key: PublicSigningKey? = nil) throws -> String {
        try MessageSignature.verify(
            method: "POST", path: "/federation/v1/batches", body: body ?? self.body, header: { h[$0] }, recipient: recipient,
            now: at ?? now, key: { $0 == "aurelia" ? (key ?? keys.publicSigningKey) : nil })
    }

    @Test func verifiesAGoodRequest() throws {
        #expect(try verify(headers()) == "aurelia")
        #expect(headers()["content-digest"] == MessageSignature.contentDigest(body))
    }

    func code(_ body: () throws -> String) -> AccordError.Code? {
        do {
            _ = try body()
            return nil
        } catch {
            return (error as? AccordError)?.code
        }
    }

    @Test func rejectsEveryTampering() {
        var h = headers()
        #expect(code { try verify(h, body: Array("{}".utf8)) } == .badSignature)  // body changed
        #expect(code { try verify(h, recipient: "caledonia") } == .notAddressed)
        #expect(code { try verify(h, at: now.adding(seconds: 301)) } == .clockSkew)
        #expect(code { try verify(h, key: NodeKeys.generate().publicSigningKey) } == .badSignature)
        h["signature-input"] = h["signature-input"]!.replacingOccurrences(of: "keyid=\"aurelia\"", with: "keyid=\"mallory\"")
        #expect(code { try verify(h) } == .unknownPeer)
        h = headers()
        h["signature-input"] = h["signature-input"]!.replacingOccurrences(of: "\"content-digest\" ", with: "")
        #expect(code { try verify(h) } == .unauthorized)
        h = headers()
        h.removeValue(forKey: "signature")
        #expect(code { try verify(h) } == .unauthorized)
        h = headers()
        h["signature"] = "accord=:not base64!:"
        #expect(code { try verify(h) } == .unauthorized)
    }
}
