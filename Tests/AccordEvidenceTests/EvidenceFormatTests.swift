import AccordTestSupport
import AccordCore
import Crypto
import Foundation
import Testing

@testable import AccordEvidence

/// The evidence file format on real files: round trips for every recipient, and every way a
/// file can be damaged or misdirected refused with a clear error and nothing left behind.
@Suite struct EvidenceFormatTests {
    let aurelia = Curve25519.KeyAgreement.PrivateKey()
    let borealis = Curve25519.KeyAgreement.PrivateKey()
    let caledonia = Curve25519.KeyAgreement.PrivateKey()

    var recipients: [(node: String, key: PublicEncryptionKey)] {
        [("aurelia", try! PublicEncryptionKey(raw: Array(aurelia.publicKey.rawRepresentation))),
         ("borealis", try! PublicEncryptionKey(raw: Array(borealis.publicKey.rawRepresentation)))]
    }

    func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "accord-evidence-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    func randomFile(_ path: String, size: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return bytes
    }

    @Test(arguments: [0, 1, 1023, 1024, 1025, 5 * 1024 + 17])
    func everyRecipientGetsTheFileBack(size: Int) throws {
        try withDirectory { dir in
            let plain = try randomFile(dir + "/in", size: size)
            let (header, sha) = try EvidenceFiles.encrypt(input: dir + "/in", output: dir + "/enc", recipients: recipients, chunkSize: 1024)
            #expect(sha == Array(SHA256.hash(data: plain)))
            #expect(header.chunks == max(1, Int64((size + 1023) / 1024)))
            let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/enc")
            #expect((attributes[.size] as? Int).map(Int64.init) == header.ciphertextSize)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            // The header survives its JSON form.
            let parsed = try EvidenceHeader(json: try JSONParser.parse(CanonicalJSON.encode(header.json)))
            #expect(parsed == header)
            for (name, key) in [("aurelia", aurelia), ("borealis", borealis)] {
                try EvidenceFiles.decrypt(input: dir + "/enc", header: parsed, as: name, privateKey: key, sha256: sha, output: dir + "/out-\(name)")
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/out-\(name)"))) == plain)
            }
        }
    }

    @Test func aNodeThatIsNotARecipientOrHoldsAnotherKeyCannotOpenIt() throws {
        try withDirectory { dir in
            _ = try randomFile(dir + "/in", size: 3000)
            let (header, sha) = try EvidenceFiles.encrypt(input: dir + "/in", output: dir + "/enc", recipients: recipients, chunkSize: 1024)
            let notListed = #expect(throws: AccordError.self) {
                try EvidenceFiles.decrypt(input: dir + "/enc", header: header, as: "caledonia", privateKey: caledonia, sha256: sha, output: dir + "/out")
            }
            #expect(notListed?.code == .forbidden)
            // Caledonia posing as borealis with its own key.
            let wrongKey = #expect(throws: AccordError.self) {
                try EvidenceFiles.decrypt(input: dir + "/enc", header: header, as: "borealis", privateKey: caledonia, sha256: sha, output: dir + "/out")
            }
            #expect(wrongKey?.code == .badKey)
            // A header whose entry for borealis was swapped for caledonia's key: the wrapped key does not open.
            var swapped = header
            swapped.recipients[1].key = try PublicEncryptionKey(raw: Array(caledonia.publicKey.rawRepresentation))
            let swappedKey = #expect(throws: AccordError.self) {
                try EvidenceFiles.decrypt(input: dir + "/enc", header: swapped, as: "borealis", privateKey: caledonia, sha256: sha, output: dir + "/out")
            }
            #expect(swappedKey?.code == .badKey)
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
    }

    /// Damages the ciphertext with `damage` and expects decryption to fail with `expected` in
    /// its message, leaving no output.
    func expectRefused(_ damage: (inout [UInt8], EvidenceHeader) -> Void, header change: ((inout EvidenceHeader) -> Void)? = nil, _ expected: String) throws {
        try withDirectory { dir in
            _ = try randomFile(dir + "/in", size: 4 * 1024 + 100)
            var (header, sha) = try EvidenceFiles.encrypt(input: dir + "/in", output: dir + "/enc", recipients: recipients, chunkSize: 1024)
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/enc")))
            damage(&bytes, header)
            change?(&header)
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/enc"))
            let error = #expect(throws: AccordError.self) {
                try EvidenceFiles.decrypt(input: dir + "/enc", header: header, as: "borealis", privateKey: borealis, sha256: sha, output: dir + "/out")
            }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/out.partial"))
        }
    }

    @Test func aTamperedChunkIsRefused() throws {
        try expectRefused({ bytes, _ in bytes[1500] ^= 0x01 }, "chunk 1 does not authenticate")
    }

    @Test func reorderedChunksAreRefused() throws {
        try expectRefused({ bytes, h in
            let (a, n) = h.ciphertextRange(ofChunk: 1), (b, _) = h.ciphertextRange(ofChunk: 2)
            let first = Array(bytes[Int(a)..<Int(a) + n]), second = Array(bytes[Int(b)..<Int(b) + n])
            bytes.replaceSubrange(Int(a)..<Int(a) + n, with: second)
            bytes.replaceSubrange(Int(b)..<Int(b) + n, with: first)
        }, "chunk 1 does not authenticate")
    }

    @Test func aTruncatedFileIsRefused() throws {
        // The last chunk dropped: the file ends early.
        try expectRefused({ bytes, h in bytes.removeLast(h.ciphertextRange(ofChunk: h.chunks - 1).length) }, "truncated")
        // Cut inside a chunk.
        try expectRefused({ bytes, _ in bytes.removeLast(10) }, "truncated")
        // Cut at a chunk boundary and the header changed to say the file was shorter: the
        // binding changes, so the wrapped key does not open.
        try expectRefused({ bytes, h in bytes.removeLast(h.ciphertextRange(ofChunk: h.chunks - 1).length) },
                          header: { $0.size = 4 * 1024 }, "does not open")
    }

    @Test func aFileWithBytesAppendedIsRefused() throws {
        try expectRefused({ bytes, _ in bytes += [0, 1, 2] }, "longer than")
    }

    @Test func garbageHeadersAreRefusedWithTheMemberNamed() throws {
        let (header, _) = try EvidenceCipher.newHeader(size: 10, chunkSize: 1024, recipients: recipients)
        let good = header.json
        func with(_ key: String, _ value: JSONValue) -> JSONValue {
            var o = good.objectValue!
            o[key] = value
            return .object(o)
        }
        let cases: [(JSONValue, String)] = [
            (with("format", "accord-evidence/v2"), "format"),
            (with("suite", "AES"), "suite"),
            (with("chunk_size", 1), "chunk_size"),
            (with("chunk_size", .number(Double(1 << 30))), "chunk_size"),
            (with("size", -1), "size"),
            (with("chunks", 7), "chunks"),
            (with("recipients", []), "recipients"),
            (with("recipients", [["node": "x"]]), "recipients"),
            (.array([]), "format"),
        ]
        for (json, field) in cases {
            let error = #expect(throws: AccordError.self) { try EvidenceHeader(json: json) }
            #expect(error?.field == field, "\(json)")
        }
    }

    /// scripts/evidence-decrypt, written from docs/protocol.md §12 with Python's `cryptography`
    /// (scripts/setup installs it), decrypts what Accord encrypts, and refuses a tampered copy.
    @Test func anIndependentDecrypterReadsWhatAccordWrites() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
            let run = try await Subprocess.finish("/usr/bin/env", ["python3", root + "/scripts/evidence-decrypt"] + arguments, mergeErrors: true)
            return (run.status, run.text)
        }
        let dir = NSTemporaryDirectory() + "accord-evidence-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let plain = try randomFile(dir + "/in", size: 3 * 65536 + 123)
            let (header, sha) = try EvidenceFiles.encrypt(input: dir + "/in", output: dir + "/enc", recipients: recipients, chunkSize: 65536)
            try Data(CanonicalJSON.encode(header.json)).write(to: URL(fileURLWithPath: dir + "/header.json"))
            let key = Encoding.base64(Array(borealis.rawRepresentation))
            let args = ["--header", dir + "/header.json", "--node", "borealis", "--key", key, "--sha256", Encoding.hex(sha), dir + "/enc", dir + "/out"]
            let ok = try await run(args)
            #expect(ok.status == 0, "\(ok.output)")
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/out"))) == plain)
            // The vectors shipped in docs/ check too.
            let vectors = try await run([root + "/docs/vectors/evidence-v1.json"])
            #expect(vectors.status == 0 && vectors.output.contains("all check"), "\(vectors.output)")
            // One flipped bit in the second chunk: refused, nothing written.
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/enc")))
            bytes[65536 + 16 + 5] ^= 0x80
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/enc"))
            try FileManager.default.removeItem(atPath: dir + "/out")
            let refused = try await run(args)
            #expect(refused.status != 0 && refused.output.contains("refused"), "\(refused.output)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        }
    }
}
