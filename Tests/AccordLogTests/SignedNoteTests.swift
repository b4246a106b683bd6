import AccordCore
import Crypto
import Foundation
import Testing
@testable import AccordLog

/// Test keys, derived from fixed seeds.
enum TestKeys {
    static func keys(_ seed: UInt8) -> NodeKeys {
        let raw = [UInt8](repeating: seed, count: 32)
        return NodeKeys(
            signing: try! Curve25519.Signing.PrivateKey(rawRepresentation: raw),
            encryption: try! Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw))
    }

    static func verifier(_ name: String, _ keys: NodeKeys, _ type: NoteSignatureType = .ed25519) -> NoteVerifierKey {
        try! NoteVerifierKey(name: name, type: type, key: keys.publicSigningKey)
    }
}

/// C2SP signed-note, checked against golang.org/x/mod/sumdb/note's own test vectors.
@Suite struct SignedNoteTests {
    // From golang.org/x/mod/sumdb/note/note_test.go (vkey/skey = name+keyID+base64(type ‖ key)).
    static let peterPublic = Array(Encoding.unbase64("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")!.dropFirst())
    static let peterSeed = Array(Encoding.unbase64("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")!.dropFirst())
    static let enochPublic = Array(Encoding.unbase64("ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop")!.dropFirst())
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    static let enochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

    static var peter: NoteVerifierKey { try! NoteVerifierKey(name: "PeterNeumann", type: .ed25519, key: PublicSigningKey(raw: peterPublic)) }
    static var enoch: NoteVerifierKey { try! NoteVerifierKey(name: "EnochRoot", type: .ed25519, key: PublicSigningKey(raw: enochPublic)) }

    @Test func keyIDFollowsTheFormula() throws {
        // SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], computed here by hand.
        let hash = Array(SHA256.hash(data: Array("PeterNeumann".utf8) + [0x0A, 0x01] + Self.peterPublic))
        let byHand = UInt32(hash[0]) << 24 | UInt32(hash[1]) << 16 | UInt32(hash[2]) << 8 | UInt32(hash[3])
        #expect(NoteVerifierKey.keyID(name: "PeterNeumann", type: .ed25519, publicKey: Self.peterPublic) == byHand)
        // …and it is the key ID Go's vkey carries.
        #expect(Self.peter.keyID == 0xC74F_20A3)
        #expect(Self.enoch.keyID == 0xAF0C_FE78)
        // The type byte separates the two uses of one key.
        #expect(NoteVerifierKey.keyID(name: "PeterNeumann", type: .cosignatureV1, publicKey: Self.peterPublic) != byHand)
    }

    @Test func opensGoNotes() throws {
        let wire = Self.text + "\n" + Self.peterSig + Self.enochSig
        let note = try SignedNote(parsing: wire)
        #expect(note.text == Self.text)
        #expect(note.signatures.map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(note.signatures.map(\.keyID) == [0xC74F_20A3, 0xAF0C_FE78])
        #expect(note.serialized == wire)

        #expect(try note.verify(against: [Self.peter]).map(\.name) == ["PeterNeumann"])
        #expect(try note.verify(against: [Self.peter, Self.enoch]).map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(try note.verify(against: []).isEmpty)
        // Duplicate lines from one key count once.
        let twice = try SignedNote(parsing: Self.text + "\n" + Self.peterSig + Self.peterSig)
        #expect(try twice.verify(against: [Self.peter]).count == 1)
    }

    @Test func signsLikeGo() throws {
        let keys = NodeKeys(signing: try Curve25519.Signing.PrivateKey(rawRepresentation: Self.peterSeed), encryption: .init())
        #expect(keys.publicSigningKey.raw == Self.peterPublic)
        var note = try SignedNote(text: Self.text)
        try note.sign(name: "PeterNeumann", keys: keys)
        #expect(try note.verify(against: [Self.peter]).map(\.name) == ["PeterNeumann"])
        #if os(Linux)
        // Ed25519 is deterministic (RFC 8032) with BoringSSL; CryptoKit randomizes signatures.
        #expect(note.serialized == Self.text + "\n" + Self.peterSig)
        #endif
        // Signing again replaces the line rather than adding one.
        try note.sign(name: "PeterNeumann", keys: keys)
        #expect(note.signatures.count == 1)
    }

    @Test func aTamperedTextFails() throws {
        var wire = Self.text + "\n" + Self.peterSig
        wire = wire.replacingOccurrences(of: "answer", with: "ANSWER")
        let note = try SignedNote(parsing: wire)
        #expect(throws: AccordError(.badSignature, "the signature by PeterNeumann (key ID c74f20a3) does not verify")) {
            try note.verify(against: [Self.peter])
        }
    }

    @Test func aCorruptSignatureFromAKnownKeyFails() throws {
        let sig = Self.peterSig
        let corrupt = String(sig.prefix(60)) + "ABCD" + String(sig.dropFirst(60))
        let note = try SignedNote(parsing: Self.text + "\n" + corrupt)
        let error = #expect(throws: AccordError.self) { try note.verify(against: [Self.peter]) }
        #expect(error?.code == .badSignature)
    }

    @Test func anotherKeyUnderTheSameNameIsNotTrusted() throws {
        // Signed by a different key under Peter's name: the key ID differs, so the line is
        // ignored and nothing trusted signed the note.
        var note = try SignedNote(text: Self.text)
        try note.sign(name: "PeterNeumann", keys: TestKeys.keys(9))
        #expect(try note.verify(against: [Self.peter]).isEmpty)
        // A forged line with Peter's key ID but another key's signature is caught.
        let forged = try NoteSignature(name: "PeterNeumann", keyID: Self.peter.keyID, signature: note.signatures[0].signature)
        let forgedNote = try SignedNote(text: Self.text, signatures: [forged])
        #expect(throws: AccordError.self) { try forgedNote.verify(against: [Self.peter]) }
    }

    @Test(arguments: [
        text,  // no signatures
        text + "\n",  // blank line but no signature
        text + "\n" + String(peterSig.dropLast()),  // no final newline
        "\u{01}" + text + "\n" + peterSig,  // control character
        text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text + "\n" + peterSig + "Unexpected line.\n",
        text + "\n" + peterSig + "\n",  // empty line among signatures
        text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text + "\n" + "— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        text + "\n" + "— PeterNeumann\n",  // no signature
        text + "\n" + "— PeterNeumann \n",  // empty signature
        text + "\n" + "— PeterNeumann AAAA\n",  // shorter than a key ID and one byte
        text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",  // unpadded
        text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM= extra\n",
        text + "\n" + String(repeating: peterSig, count: 101),  // too many signatures
    ])
    func malformedNotesAreRejected(_ wire: String) {
        let error = #expect(throws: AccordError.self) { try SignedNote(parsing: wire) }
        #expect(error?.code == .malformed)
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: AccordError.self) { try SignedNote(parsing: [0xFF] + Array((Self.text + "\n" + Self.peterSig).utf8)) }
        #expect(throws: Never.self) { try SignedNote(parsing: Array((Self.text + "\n" + Self.peterSig).utf8)) }
    }

    @Test func aHundredSignaturesAreAccepted() throws {
        let note = try SignedNote(parsing: Self.text + "\n" + String(repeating: Self.enochSig, count: 99) + Self.peterSig)
        #expect(note.signatures.count == SignedNote.maxSignatures)
        #expect(try note.verify(against: [Self.peter]).map(\.name) == ["PeterNeumann"])
    }

    @Test func textsMayHoldBlankLines() throws {
        var note = try SignedNote(text: "first\n\nthird\n")
        try note.sign(name: "example.com/k", keys: TestKeys.keys(1))
        let parsed = try SignedNote(parsing: note.serialized)
        #expect(parsed.text == "first\n\nthird\n")
        #expect(try parsed.verify(against: [TestKeys.verifier("example.com/k", TestKeys.keys(1))]).count == 1)
        #expect(throws: AccordError.self) { try SignedNote(text: "no final newline") }
        #expect(throws: AccordError.self) { try SignedNote(text: "tab\there\n") }
    }
}
