import AccordCore
import Foundation

/// A C2SP signed note: a text ending in a newline, a blank line, then signature lines.
///
/// The text MUST be ignored unless `verify(against:)` finds a trusted signature on it.
public struct SignedNote: Sendable, Hashable {
    /// Parsing refuses notes with more signature lines than this (C2SP asks for at least 16).
    public static let maxSignatures = 100

    /// The signed text, final newline included, separating blank line excluded.
    public let text: String
    public private(set) var signatures: [NoteSignature]

    public init(text: String, signatures: [NoteSignature] = []) throws(AccordError) {
        guard text.hasSuffix("\n") else { throw AccordError(.malformed, "a note text must end with a newline") }
        try SignedNote.checkCharacters(text)
        guard signatures.count <= SignedNote.maxSignatures else {
            throw AccordError(.malformed, "a note may carry at most \(SignedNote.maxSignatures) signatures")
        }
        self.text = text
        self.signatures = signatures
    }

    /// Parses a note received as bytes: it must be valid UTF-8.
    public init(parsing bytes: [UInt8]) throws(AccordError) {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw AccordError(.malformed, "a signed note must be valid UTF-8")
        }
        try self.init(parsing: string)
    }

    /// Parses a note strictly: text, blank line, one or more well-formed signature lines, each
    /// ending in a newline, at most `maxSignatures`. Signatures are not checked here.
    public init(parsing note: String) throws(AccordError) {
        try SignedNote.checkCharacters(note)
        let bytes = Array(note.utf8)
        // The text ends at the last blank line.
        var split: Int?
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A && bytes[i + 1] == 0x0A {
                split = i
                break
            }
            i -= 1
        }
        guard let split else { throw AccordError(.malformed, "a signed note needs a blank line before its signatures") }
        let signatureBlock = bytes[(split + 2)...]
        guard let last = signatureBlock.last, last == 0x0A else {
            throw AccordError(.malformed, "a signed note must end with a signature line and a newline")
        }
        let lines = signatureBlock.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count <= SignedNote.maxSignatures else {
            throw AccordError(.malformed, "the note has \(lines.count) signatures, more than \(SignedNote.maxSignatures)")
        }
        var signatures: [NoteSignature] = []
        for line in lines {
            signatures.append(try NoteSignature(line: Substring(String(decoding: line, as: UTF8.self))))
        }
        try self.init(text: String(decoding: bytes[...split], as: UTF8.self), signatures: signatures)
    }

    /// The note as sent: text, blank line, signature lines.
    public var serialized: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// Adds a signature line, replacing any line with the same key name and key ID.
    public mutating func add(_ signature: NoteSignature) throws(AccordError) {
        signatures.removeAll { $0.name == signature.name && $0.keyID == signature.keyID }
        guard signatures.count < SignedNote.maxSignatures else {
            throw AccordError(.malformed, "a note may carry at most \(SignedNote.maxSignatures) signatures")
        }
        signatures.append(signature)
    }

    /// Signs the text with an Ed25519 note signature (type 0x01) under `name`.
    public mutating func sign(name: String, keys: NodeKeys) throws(AccordError) {
        let key = try NoteVerifierKey(name: name, type: .ed25519, key: keys.publicSigningKey)
        try add(NoteSignature(name: name, keyID: key.keyID, signature: keys.sign(Array(text.utf8))))
    }

    /// Checks every signature line whose key name and key ID match a known key, and returns
    /// those that verified, one per key, in note order. Lines from unknown keys are ignored.
    ///
    /// Throws `bad_signature` if a known key's signature fails (the whole note is then to be
    /// rejected, as C2SP signed-note advises). An empty result means no trusted key signed:
    /// the note MUST then be rejected too.
    public func verify(against known: [NoteVerifierKey]) throws(AccordError) -> [VerifiedNoteSignature] {
        let message = Array(text.utf8)
        var verified: [VerifiedNoteSignature] = []
        for signature in signatures {
            let matches = Set(known.filter { $0.name == signature.name && $0.keyID == signature.keyID })
            guard let key = matches.first else { continue }
            let id = "\(signature.name) (key ID \(SignedNote.hex(signature.keyID)))"
            guard matches.count == 1 else {
                throw AccordError(.configuration, "two known keys share the name and key ID of \(id)")
            }
            var timestamp: UInt64?
            switch key.type {
            case .ed25519:
                guard signature.signature.count == 64, key.key.isValidSignature(signature.signature, for: message) else {
                    throw AccordError(.badSignature, "the signature by \(id) does not verify")
                }
            case .cosignatureV1:
                let cosignature = try Cosignature(signature)
                guard cosignature.isValid(forText: text, key: key.key) else {
                    throw AccordError(.badSignature, "the cosignature by \(id) does not verify")
                }
                timestamp = cosignature.timestamp
            }
            if !verified.contains(where: { $0.name == key.name && $0.keyID == key.keyID }) {
                verified.append(VerifiedNoteSignature(name: key.name, keyID: key.keyID, type: key.type, timestamp: timestamp))
            }
        }
        return verified
    }

    /// Notes are UTF-8 (guaranteed by String) with no control characters but newline.
    static func checkCharacters(_ text: String) throws(AccordError) {
        for scalar in text.unicodeScalars where scalar.value < 0x20 && scalar != "\n" {
            throw AccordError(.malformed, "a signed note must not contain control characters other than newline")
        }
    }

    static func hex(_ keyID: UInt32) -> String {
        let digits = String(keyID, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
