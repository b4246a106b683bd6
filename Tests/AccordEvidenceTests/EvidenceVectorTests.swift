import AccordCore
import Crypto
import Foundation
import Testing

@testable import AccordEvidence

/// docs/vectors/evidence-v1.json: keys, plaintext, header and every chunk, enough to write a
/// compatible decrypter. This suite checks that the shipped vectors decrypt, layer by layer.
/// `ACCORD_WRITE_VECTORS=1 swift test --filter EvidenceVectorTests` writes a fresh set.
@Suite struct EvidenceVectorTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/vectors/evidence-v1.json").path

    static let plaintext: [UInt8] = Array(String(repeating: "Accord evidence test vector: preserved server logs, 2026-11-27.\n", count: 40).utf8)

    static func write() throws {
        let keys = [("aurelia", Curve25519.KeyAgreement.PrivateKey()), ("borealis", Curve25519.KeyAgreement.PrivateKey())]
        let (header, fileKey) = try EvidenceCipher.newHeader(
            size: Int64(plaintext.count), chunkSize: 1024,
            recipients: keys.map { ($0.0, try! PublicEncryptionKey(raw: Array($0.1.publicKey.rawRepresentation))) })
        let chunks = EvidenceCipher.Chunks(header: header, fileKey: fileKey)
        var items: [JSONValue] = []
        for i in 0..<header.chunks {
            let start = Int(i) * header.chunkSize
            let plain = Array(plaintext[start..<min(start + header.chunkSize, plaintext.count)])
            let nonce = EvidenceCipher.nonce(i, last: i == header.chunks - 1).withUnsafeBytes { Array($0) }
            items.append(["index": .number(Double(i)), "nonce": .string(Encoding.hex(nonce)), "sealed": .string(Encoding.base64(try chunks.seal(plain, index: i)))])
        }
        let doc: JSONValue = [
            "description": "accord-evidence/v1 test vectors (docs/protocol.md §12). Keys are raw X25519 private keys; file_key and chunk_key are shown to check each layer.",
            "recipients_private_keys": .object(Dictionary(uniqueKeysWithValues: keys.map { ($0.0, JSONValue.string(Encoding.base64(Array($0.1.rawRepresentation)))) })),
            "plaintext": .string(Encoding.base64(plaintext)),
            "plaintext_sha256": .string(Encoding.hex(SHA256.hash(data: plaintext))),
            "header": header.json,
            "binding": .string(Encoding.hex(header.binding)),
            "file_key": .string(fileKey.withUnsafeBytes { Encoding.hex(Array($0)) }),
            "chunk_key": .string(EvidenceCipher.chunkKey(fileKey, header).withUnsafeBytes { Encoding.hex(Array($0)) }),
            "chunks": .array(items),
        ]
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let object = try JSONSerialization.jsonObject(with: Data(CanonicalJSON.encode(doc)))
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).write(to: URL(fileURLWithPath: path))
    }

    @Test func theShippedVectorsDecryptLayerByLayer() throws {
        if ProcessInfo.processInfo.environment["ACCORD_WRITE_VECTORS"] != nil { try Self.write() }
        let doc = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.path))))
        let header = try EvidenceHeader(json: try #require(doc["header"]))
        #expect(Encoding.hex(header.binding) == doc["binding"]?.stringValue)
        let plaintext = try #require(doc["plaintext"]?.stringValue.flatMap(Encoding.unbase64))
        #expect(plaintext == Self.plaintext)
        #expect(Encoding.hex(SHA256.hash(data: plaintext)) == doc["plaintext_sha256"]?.stringValue)
        let keys = try #require(doc["recipients_private_keys"]?.objectValue)
        #expect(keys.count == header.recipients.count)
        for (node, value) in keys {
            let raw = try #require(value.stringValue.flatMap(Encoding.unbase64))
            let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw)
            // The key wrap (HPKE) gives the file key…
            let fileKey = try EvidenceCipher.openKey(header, as: node, with: key)
            #expect(fileKey.withUnsafeBytes { Encoding.hex(Array($0)) } == doc["file_key"]?.stringValue)
            // …the chunk key is derived from it…
            #expect(EvidenceCipher.chunkKey(fileKey, header).withUnsafeBytes { Encoding.hex(Array($0)) } == doc["chunk_key"]?.stringValue)
            // …and every chunk opens, in order, to the plaintext.
            let chunks = EvidenceCipher.Chunks(header: header, fileKey: fileKey)
            var out: [UInt8] = []
            for item in try #require(doc["chunks"]?.arrayValue) {
                let index = Int64(try #require(item["index"]?.intValue))
                #expect(EvidenceCipher.nonce(index, last: index == header.chunks - 1).withUnsafeBytes { Encoding.hex(Array($0)) } == item["nonce"]?.stringValue)
                out += try chunks.open(try #require(item["sealed"]?.stringValue.flatMap(Encoding.unbase64)), index: index)
            }
            #expect(out == plaintext)
        }
    }
}
