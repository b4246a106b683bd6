import AccordCore

/// The signature type byte that goes into a key ID (C2SP signed-note, "Signature types").
public enum NoteSignatureType: UInt8, Sendable, Hashable {
    /// An Ed25519 signature over the note text.
    case ed25519 = 0x01
    /// A timestamped Ed25519 witness cosignature (C2SP tlog-cosignature, `cosignature/v1`).
    case cosignatureV1 = 0x04
}

/// One signature line of a signed note: `— <name> base64(keyID[4] ‖ signature)`.
///
/// `signature` is what follows the 4-byte key ID: 64 bytes for Ed25519, and
/// timestamp[8] ‖ signature[64] for an Ed25519 cosignature.
public struct NoteSignature: Sendable, Hashable {
    public let name: String
    public let keyID: UInt32
    public let signature: [UInt8]

    public init(name: String, keyID: UInt32, signature: [UInt8]) throws(AccordError) {
        guard NoteSignature.isValidKeyName(name) else {
            throw AccordError(.malformed, "a note key name must be non-empty, without spaces, '+' or control characters")
        }
        guard !signature.isEmpty else { throw AccordError(.malformed, "a note signature must not be empty") }
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// The line as it appears in the note, newline included.
    public var line: String {
        "\(NoteSignature.prefix)\(name) \(Encoding.base64(NoteSignature.bytes(of: keyID) + signature))\n"
    }

    /// Em dash (U+2014) and a space: how every signature line starts.
    static let prefix = "\u{2014} "

    /// Parses one line (without its newline), strictly.
    init(line: Substring) throws(AccordError) {
        guard line.hasPrefix(NoteSignature.prefix) else {
            throw AccordError(.malformed, "a signature line must start with an em dash and a space")
        }
        let rest = line.dropFirst(NoteSignature.prefix.count)
        guard let space = rest.firstIndex(of: " ") else {
            throw AccordError(.malformed, "a signature line must be a key name, a space and a base64 signature")
        }
        let name = String(rest[..<space])
        let encoded = String(rest[rest.index(after: space)...])
        guard NoteSignature.isValidKeyName(name) else {
            throw AccordError(.malformed, "a signature line has an invalid key name")
        }
        guard let bytes = Encoding.unbase64(encoded), bytes.count >= 5 else {
            throw AccordError(.malformed, "the signature by \(name) is not padded base64 of a key ID and a signature")
        }
        try self.init(name: name, keyID: NoteSignature.keyID(from: bytes), signature: Array(bytes[4...]))
    }

    /// Key names are non-empty and contain no Unicode spaces, no '+' and no control characters.
    static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { s in
            !s.properties.isWhitespace && s != "+" && s.value >= 0x20 && s.value != 0x7F
        }
    }

    static func bytes(of keyID: UInt32) -> [UInt8] {
        [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
    }

    static func keyID(from bytes: [UInt8]) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
}
