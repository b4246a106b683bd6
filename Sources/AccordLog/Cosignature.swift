import AccordCore
import Foundation

/// A C2SP tlog-cosignature/v1 Ed25519 cosignature: a witness's statement that, at
/// `timestamp`, the checkpoint is the largest consistent tree it has seen for that log.
///
/// On the wire it is a note signature line whose key ID has type 0x04 and whose signature
/// is timestamp (8 bytes, big-endian POSIX seconds) ‖ Ed25519 signature (64 bytes) over
/// `"cosignature/v1\ntime <timestamp>\n" + checkpoint text`.
public struct Cosignature: Sendable, Hashable {
    public let name: String
    public let keyID: UInt32
    /// POSIX seconds, at most 2^63 − 1.
    public let timestamp: UInt64
    /// The 64-byte Ed25519 signature.
    public let signature: [UInt8]

    /// Reads a cosignature out of a note signature line (which must have the 72-byte layout).
    public init(_ noteSignature: NoteSignature) throws(AccordError) {
        let bytes = noteSignature.signature
        guard bytes.count == 8 + 64 else {
            throw AccordError(.malformed, "a cosignature by \(noteSignature.name) is \(bytes.count) bytes after the key ID, want 72")
        }
        let timestamp = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp <= UInt64(Int64.max) else {
            throw AccordError(.malformed, "the cosignature by \(noteSignature.name) has a timestamp beyond 2^63 - 1")
        }
        self.name = noteSignature.name
        self.keyID = noteSignature.keyID
        self.timestamp = timestamp
        self.signature = Array(bytes[8...])
    }

    /// Cosigns a checkpoint text (its note text, extension lines included) as witness `name`.
    public init(signing text: String, name: String, keys: NodeKeys, time: Timestamp) throws(AccordError) {
        guard time.milliseconds >= 0 else { throw AccordError(.invalidField, "a cosignature time cannot be before 1970", field: "time") }
        let key = try NoteVerifierKey(name: name, type: .cosignatureV1, key: keys.publicSigningKey)
        let seconds = UInt64(time.milliseconds / 1000)
        self.name = name
        self.keyID = key.keyID
        self.timestamp = seconds
        self.signature = keys.sign(try Cosignature.message(text: text, timestamp: seconds))
    }

    /// The note signature line carrying this cosignature.
    public var noteSignature: NoteSignature {
        // name was validated and the payload is never empty.
        let time = (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) }
        return try! NoteSignature(name: name, keyID: keyID, signature: time + signature)
    }

    /// Whether this is `key`'s valid cosignature of the checkpoint text.
    public func isValid(forText text: String, key: PublicSigningKey) -> Bool {
        guard signature.count == 64, let message = try? Cosignature.message(text: text, timestamp: timestamp) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The signed message: `cosignature/v1`, `time <T>` and the whole checkpoint text.
    ///
    /// The text must look like a checkpoint: three or more newline-terminated lines (slightly
    /// stricter than transparency-dev's check, which asks for two newlines).
    public static func message(text: String, timestamp: UInt64) throws(AccordError) -> [UInt8] {
        guard text.hasSuffix("\n"), text.utf8.count(where: { $0 == 0x0A }) >= 3 else {
            throw AccordError(.malformed, "only a checkpoint (three or more lines) can be cosigned")
        }
        return Array("cosignature/v1\ntime \(timestamp)\n\(text)".utf8)
    }
}

extension SignedNote {
    /// Adds witness `name`'s cosignature, made at `time` (rounded down to the second).
    public mutating func cosign(name: String, keys: NodeKeys, time: Timestamp) throws(AccordError) {
        try add(Cosignature(signing: text, name: name, keys: keys, time: time).noteSignature)
    }
}
