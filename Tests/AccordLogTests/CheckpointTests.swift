import AccordCore
import Foundation
import Testing
@testable import AccordLog

/// C2SP tlog-checkpoint bodies, signing and opening.
@Suite struct CheckpointTests {
    static let logKeys = TestKeys.keys(1)
    static let otherKeys = TestKeys.keys(2)

    static func sample(size: Int64 = 20_852_163, extensions: [String] = []) -> Checkpoint {
        try! Checkpoint(origin: "example.com/behind-the-sofa", size: size,
                        rootHash: Encoding.unbase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")!, extensions: extensions)
    }

    @Test func bodyIsTheSpecFormat() throws {
        // The example of c2sp.org/tlog-checkpoint.
        let body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        #expect(Self.sample().body == body)
        #expect(try Checkpoint(body: body) == Self.sample())
        let withExtensions = Self.sample(extensions: ["ext one", "ext two"])
        #expect(withExtensions.body == body + "ext one\next two\n")
        #expect(try Checkpoint(body: withExtensions.body) == withExtensions)
        let empty = try Checkpoint(origin: "node-a.example", size: 0, rootHash: Merkle.emptyRoot)
        #expect(empty.body == "node-a.example\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
    }

    @Test func signAndOpenRoundTrip() throws {
        let checkpoint = Self.sample(extensions: ["an extension"])
        let note = try checkpoint.sign(keys: Self.logKeys)
        #expect(note.signatures.map(\.name) == ["example.com/behind-the-sofa"])
        let wire = note.serialized
        #expect(wire.hasPrefix(checkpoint.body + "\n— example.com/behind-the-sofa "))
        let reopened = try Checkpoint.open(SignedNote(parsing: wire), logName: checkpoint.origin, logKey: Self.logKeys.publicSigningKey)
        #expect(reopened == checkpoint)
        // A key name other than the origin also works when both sides use it.
        let named = try checkpoint.sign(keys: Self.logKeys, name: "log-key")
        #expect(try Checkpoint.open(named, logName: "log-key", logKey: Self.logKeys.publicSigningKey) == checkpoint)
    }

    @Test(arguments: [
        ("20852163\n", "20852164\n"),
        ("CsUY", "CsUZ"),
        ("example.com/behind-the-sofa\n", "example.com/behind-the-sofb\n"),
    ])
    func aTamperedBodyFails(_ change: (String, String)) throws {
        let wire = try Self.sample().sign(keys: Self.logKeys).serialized
        let tampered = try SignedNote(parsing: wire.replacingOccurrences(of: change.0, with: change.1))
        let error = #expect(throws: AccordError.self) {
            try Checkpoint.open(tampered, logName: "example.com/behind-the-sofa", logKey: Self.logKeys.publicSigningKey)
        }
        #expect(error?.code == .badSignature)
    }

    @Test func anAddedExtensionLineFails() throws {
        let note = try Self.sample().sign(keys: Self.logKeys)
        let extended = try SignedNote(text: note.text + "sneaky\n", signatures: note.signatures)
        #expect(throws: AccordError.self) {
            try Checkpoint.open(extended, logName: "example.com/behind-the-sofa", logKey: Self.logKeys.publicSigningKey)
        }
    }

    @Test func aSignatureByAnotherKeyFails() throws {
        let note = try Self.sample().sign(keys: Self.otherKeys)
        let error = #expect(throws: AccordError.self) {
            try Checkpoint.open(note, logName: "example.com/behind-the-sofa", logKey: Self.logKeys.publicSigningKey)
        }
        #expect(error?.code == .badSignature)
        #expect(error?.message.contains("no signature by example.com/behind-the-sofa") == true)
        // Signed by the right key under another name: not the log's signature either.
        let misnamed = try Self.sample().sign(keys: Self.logKeys, name: "someone-else")
        #expect(throws: AccordError.self) {
            try Checkpoint.open(misnamed, logName: "example.com/behind-the-sofa", logKey: Self.logKeys.publicSigningKey)
        }
    }

    @Test(arguments: [
        "example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",  // no final newline
        "example.com/log\n20852163\n",  // two lines
        "example.com/log\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  // leading zero
        "example.com/log\n00\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "example.com/log\n+5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "example.com/log\n-5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "example.com/log\n 5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "example.com/log\n9223372036854775808\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  // > Int64.max
        "example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  // unpadded
        "example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  // non-canonical
        "example.com/log\n5\nZG9uJ3QgY2FyZSAy\n",  // not 32 bytes
        "\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  // empty origin
        "example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",  // empty extension line
        "example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next\u{7}\n",  // control character
    ])
    func malformedBodiesAreRejected(_ body: String) {
        let error = #expect(throws: AccordError.self) { try Checkpoint(body: body) }
        #expect(error?.code == .malformed)
    }

    @Test func badFieldsAreRefused() {
        #expect(throws: AccordError.self) { try Checkpoint(origin: "", size: 1, rootHash: Merkle.emptyRoot) }
        #expect(throws: AccordError.self) { try Checkpoint(origin: "a\nb", size: 1, rootHash: Merkle.emptyRoot) }
        #expect(throws: AccordError.self) { try Checkpoint(origin: "a", size: -1, rootHash: Merkle.emptyRoot) }
        #expect(throws: AccordError.self) { try Checkpoint(origin: "a", size: 1, rootHash: [1, 2]) }
        #expect(throws: AccordError.self) { try Checkpoint(origin: "a", size: 1, rootHash: Merkle.emptyRoot, extensions: [""]) }
        // An origin with a space is a valid checkpoint but not a valid key name to sign under.
        let spaced = try? Checkpoint(origin: "my log", size: 1, rootHash: Merkle.emptyRoot)
        #expect(spaced != nil)
        #expect(throws: AccordError.self) { try spaced?.sign(keys: Self.logKeys) }
    }

    @Test func checkpointOfARealTree() throws {
        var tree = InMemoryMerkleNodes()
        for i in 0..<10 { tree.append(data: Array("event \(i)".utf8)) }
        let checkpoint = try Checkpoint(origin: "node-a.example", size: tree.size, rootHash: tree.root)
        let opened = try Checkpoint.open(
            SignedNote(parsing: checkpoint.sign(keys: Self.logKeys).serialized),
            logName: "node-a.example", logKey: Self.logKeys.publicSigningKey)
        let leaf = try tree.node(level: 0, index: 4)
        let proof = try Merkle.inclusionProof(index: 4, size: opened.size, reader: tree)
        try Merkle.verifyInclusion(leafHash: leaf, index: 4, size: opened.size, proof: proof, root: opened.rootHash)
    }
}
