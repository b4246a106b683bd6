import AccordCore
import Crypto
import Foundation
import Testing

@testable import AccordEvidence

/// The body of an `evidence.file_added` event: read back as written, and every bad member
/// refused by name.
@Suite struct EvidenceMetadataTests {
    let keys = [("aurelia", Curve25519.KeyAgreement.PrivateKey()), ("borealis", Curve25519.KeyAgreement.PrivateKey())]

    func metadata(size: Int64 = 5000) throws -> EvidenceMetadata {
        let (header, _) = try EvidenceCipher.newHeader(
            size: size, chunkSize: 1024, recipients: keys.map { ($0.0, try! PublicEncryptionKey(raw: Array($0.1.publicKey.rawRepresentation))) })
        return EvidenceMetadata(
            name: "firewall.log", mediaType: "text/plain", size: size, sha256: Array(SHA256.hash(data: [1, 2, 3])), description: "Edge firewall, 26 Nov",
            collectedAt: Timestamp(rfc3339: "2026-11-26T23:00:00.000Z"), collectedBy: "CERT-A duty officer", method: "export from the SIEM", encryption: header)
    }

    @Test func aBodyReadsBackAsWritten() throws {
        let m = try metadata()
        let again = try EvidenceMetadata(body: try JSONParser.parse(CanonicalJSON.encode(.object(m.body))).objectValue!)
        #expect(again == m)
        try m.checkRecipients(author: "aurelia", to: ["borealis"])
        let other = #expect(throws: AccordError.self) { try m.checkRecipients(author: "aurelia", to: ["borealis", "caledonia"]) }
        #expect(other?.field == "encryption")
    }

    @Test func badMembersAreRefusedByName() throws {
        let good = try metadata().body
        func with(_ key: String, _ value: JSONValue?) -> [String: JSONValue] {
            var b = good
            b[key] = value
            return b
        }
        let cases: [([String: JSONValue], String)] = [
            (with("name", nil), "name"),
            (with("name", "../etc/passwd"), "name"),
            (with("name", .string(String(repeating: "a", count: 256))), "name"),
            (with("media_type", "text"), "media_type"),
            (with("media_type", "text/plain; charset=utf-8"), "media_type"),
            (with("size", -1), "size"),
            (with("size", 4999), "size"),
            (with("sha256", "ABC"), "sha256"),
            (with("sha256", .string(String(repeating: "A", count: 64))), "sha256"),
            (with("collected_at", "yesterday"), "collected_at"),
            (with("encryption", nil), "encryption"),
            (with("encryption", ["format": "x"]), "format"),
            (with("extra", "x"), "extra"),
        ]
        for (body, field) in cases {
            let error = #expect(throws: AccordError.self) { try EvidenceMetadata(body: body) }
            #expect(error?.field == field, "\(field): \(error?.message ?? "-")")
        }
    }
}
