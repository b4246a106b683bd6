import AccordCore
import Crypto
import Foundation
import Testing
@testable import AccordLog

/// C2SP tlog-cosignature/v1 (Ed25519).
@Suite struct CosignatureTests {
    static let logKeys = TestKeys.keys(1)
    static let witnessKeys = TestKeys.keys(3)
    static let otherKeys = TestKeys.keys(4)
    static let origin = "example.com/behind-the-sofa"
    static let witness = "witness.example.com/w1"
    static let time = Timestamp(milliseconds: 1_700_000_000_999)

    static var logKey: NoteVerifierKey { TestKeys.verifier(origin, logKeys) }
    static var witnessKey: NoteVerifierKey { TestKeys.verifier(witness, witnessKeys, .cosignatureV1) }

    static func checkpointNote() -> SignedNote {
        try! CheckpointTests.sample().sign(keys: logKeys)
    }

    @Test func keyIDUsesType4() throws {
        // From transparency-dev/formats: "remora.n621.de+da77ade7+BOvN63jn…" is a type 0x04 vkey.
        let raw = Array(Encoding.unbase64("BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")!)
        #expect(raw[0] == 0x04)
        let key = Array(raw.dropFirst())
        let hash = Array(SHA256.hash(data: Array("remora.n621.de".utf8) + [0x0A, 0x04] + key))
        let byHand = UInt32(hash[0]) << 24 | UInt32(hash[1]) << 16 | UInt32(hash[2]) << 8 | UInt32(hash[3])
        #expect(byHand == 0xDA77_ADE7)
        #expect(NoteVerifierKey.keyID(name: "remora.n621.de", type: .cosignatureV1, publicKey: key) == 0xDA77_ADE7)
        let verifier = try NoteVerifierKey(name: "remora.n621.de", type: .cosignatureV1, key: PublicSigningKey(raw: key))
        #expect(verifier.keyID == 0xDA77_ADE7)
    }

    @Test func messageIsTheSpecExample() throws {
        let message = try Cosignature.message(text: CheckpointTests.sample().body, timestamp: 1_679_315_147)
        #expect(String(decoding: message, as: UTF8.self) ==
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
        #expect(throws: AccordError.self) { try Cosignature.message(text: "two\nlines\n", timestamp: 1) }
    }

    @Test func readsTheSpecExampleAndGoTimestamps() throws {
        // The cosigned checkpoint of c2sp.org/tlog-cosignature.
        let wire = """
            example.com/behind-the-sofa
            20852163
            CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

            — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
            — witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==

            """
        let note = try SignedNote(parsing: wire)
        #expect(note.serialized == wire)
        #expect(try Checkpoint(body: note.text) == CheckpointTests.sample())
        let cosignature = try Cosignature(note.signatures[1])
        #expect(cosignature.name == "witness.example.com/w1")
        #expect(cosignature.keyID == 0x8D66_CF3F)
        #expect(cosignature.timestamp == 1_679_315_147)
        #expect(cosignature.noteSignature == note.signatures[1])
        // transparency-dev/formats' CoSigV1Timestamp vector.
        let go = try SignedNote(parsing: "a\nb\nc\n\n— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n")
        #expect(try Cosignature(go.signatures[0]).timestamp == 1_727_964_367)
        // A plain 64-byte Ed25519 signature is not a cosignature.
        #expect(throws: AccordError.self) { try Cosignature(note.signatures[0]) }
    }

    @Test func cosignAndVerifyRoundTrip() throws {
        var note = Self.checkpointNote()
        try note.cosign(name: Self.witness, keys: Self.witnessKeys, time: Self.time)
        let parsed = try SignedNote(parsing: note.serialized)
        let verified = try parsed.verify(against: [Self.logKey, Self.witnessKey])
        #expect(verified.map(\.name) == [Self.origin, Self.witness])
        #expect(verified.map(\.type) == [.ed25519, .cosignatureV1])
        #expect(verified.map(\.timestamp) == [nil, 1_700_000_000])
        #expect(verified[1].keyID == Self.witnessKey.keyID)
        // Only the witnesses a client knows count.
        #expect(try parsed.verify(against: [Self.witnessKey]).map(\.name) == [Self.witness])
        // What a witness sends back: just its signature line.
        let line = try Cosignature(signing: note.text, name: Self.witness, keys: Self.witnessKeys, time: Self.time).noteSignature.line
        #expect(line.hasPrefix("— witness.example.com/w1 "))
        #expect(line.hasSuffix("\n"))
    }

    @Test func aCosignatureCoversTheWholeBody() throws {
        var note = try CheckpointTests.sample(extensions: ["extension"]).sign(keys: Self.logKeys)
        try note.cosign(name: Self.witness, keys: Self.witnessKeys, time: Self.time)
        let cosignatureOnly = try SignedNote(text: note.text, signatures: [note.signatures[1]])
        #expect(try cosignatureOnly.verify(against: [Self.witnessKey]).count == 1)
        for tamperedText in [note.text.replacingOccurrences(of: "extension", with: "extensioN"),
                             note.text.replacingOccurrences(of: "20852163", with: "20852164")] {
            let tampered = try SignedNote(text: tamperedText, signatures: [note.signatures[1]])
            let error = #expect(throws: AccordError.self) { try tampered.verify(against: [Self.witnessKey]) }
            #expect(error?.code == .badSignature)
        }
    }

    @Test func aChangedTimestampFails() throws {
        let cosignature = try Cosignature(signing: Self.checkpointNote().text, name: Self.witness, keys: Self.witnessKeys, time: Self.time)
        var bytes = cosignature.noteSignature.signature
        bytes[7] ^= 1
        let moved = try NoteSignature(name: Self.witness, keyID: cosignature.keyID, signature: bytes)
        let note = try SignedNote(text: Self.checkpointNote().text, signatures: [moved])
        #expect(throws: AccordError.self) { try note.verify(against: [Self.witnessKey]) }
        // A timestamp past 2^63 − 1 is refused.
        bytes[0] = 0x80
        #expect(throws: AccordError.self) { try Cosignature(NoteSignature(name: Self.witness, keyID: cosignature.keyID, signature: bytes)) }
    }

    @Test func aCosignatureByAnotherKeyFails() throws {
        var note = Self.checkpointNote()
        // Another key under the witness's name: different key ID, ignored, so not trusted.
        try note.cosign(name: Self.witness, keys: Self.otherKeys, time: Self.time)
        #expect(try note.verify(against: [Self.witnessKey]).isEmpty)
        // Another key's cosignature relabelled with the witness's key ID: rejected.
        let forged = try NoteSignature(name: Self.witness, keyID: Self.witnessKey.keyID, signature: note.signatures[1].signature)
        let forgedNote = try SignedNote(text: note.text, signatures: [forged])
        let error = #expect(throws: AccordError.self) { try forgedNote.verify(against: [Self.witnessKey]) }
        #expect(error?.code == .badSignature)
    }

    @Test func aPlainSignatureIsNotACosignature() throws {
        // The witness key signing as a plain Ed25519 note key gets a type-1 key ID: a verifier
        // that expects a cosignature ignores it.
        var note = Self.checkpointNote()
        try note.sign(name: Self.witness, keys: Self.witnessKeys)
        #expect(try note.verify(against: [Self.witnessKey]).isEmpty)
        // A plain-signature payload under the cosignature key ID is malformed.
        let relabelled = try NoteSignature(name: Self.witness, keyID: Self.witnessKey.keyID, signature: note.signatures[1].signature)
        let bad = try SignedNote(text: note.text, signatures: [relabelled])
        let error = #expect(throws: AccordError.self) { try bad.verify(against: [Self.witnessKey]) }
        #expect(error?.code == .malformed)
    }

    @Test func timesBefore1970AreRefused() {
        #expect(throws: AccordError.self) {
            try Cosignature(signing: Self.checkpointNote().text, name: Self.witness, keys: Self.witnessKeys, time: Timestamp(milliseconds: -1))
        }
    }
}
