import AccordCore
import Crypto

/// A key that verifiers trust to sign notes: its name, signature type and Ed25519 public key.
///
/// A signature line matches it when both name and key ID match; other lines are ignored.
public struct NoteVerifierKey: Sendable, Hashable {
    public let name: String
    public let type: NoteSignatureType
    public let key: PublicSigningKey
    /// SHA-256(name ‖ "\n" ‖ type ‖ raw public key)[:4], big-endian.
    public let keyID: UInt32

    public init(name: String, type: NoteSignatureType, key: PublicSigningKey) throws(AccordError) {
        guard NoteSignature.isValidKeyName(name) else {
            throw AccordError(.invalidField, "a note key name must be non-empty, without spaces, '+' or control characters", field: "name")
        }
        self.name = name
        self.type = type
        self.key = key
        self.keyID = NoteVerifierKey.keyID(name: name, type: type, publicKey: key.raw)
    }

    /// The C2SP signed-note key ID: the first four bytes, big-endian, of
    /// SHA-256(name ‖ 0x0A ‖ type ‖ public key).
    public static func keyID(name: String, type: NoteSignatureType, publicKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8))
        hasher.update(data: [0x0A, type.rawValue])
        hasher.update(data: publicKey)
        return NoteSignature.keyID(from: Array(hasher.finalize()))
    }
}

/// A signature of a note that verified against a known key.
public struct VerifiedNoteSignature: Sendable, Hashable {
    public let name: String
    public let keyID: UInt32
    public let type: NoteSignatureType
    /// For a cosignature, when the witness made it (POSIX seconds); nil for a plain signature.
    public let timestamp: UInt64?
}
