import Crypto
import Foundation

/// A node's name: what peers pin and what events name as their origin and addressees.
///
/// Lowercase letters, digits, `.` and `-`, 1–63 characters, starting with a letter or digit.
/// The narrow grammar keeps names safe in signed-note origin lines, HTTP headers and paths.
public enum NodeName {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        for (i, b) in bytes.enumerated() {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): continue
            case UInt8(ascii: "."), UInt8(ascii: "-"): if i == 0 { return false }
            default: return false
            }
        }
        return true
    }
}

/// An Ed25519 public key as peers pin it.
public struct PublicSigningKey: Sendable, Hashable, CustomStringConvertible {
    public let raw: [UInt8]
    let key: Curve25519.Signing.PublicKey

    public init(raw: [UInt8]) throws(AccordError) {
        guard raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw AccordError(.badKey, "an Ed25519 public key is 32 bytes")
        }
        self.raw = raw
        self.key = key
    }

    public init(base64: String) throws(AccordError) {
        guard let raw = Encoding.unbase64(base64) else { throw AccordError(.badKey, "the public key is not valid base64") }
        try self.init(raw: raw)
    }

    public var base64: String { Encoding.base64(raw) }

    /// SHA-256 of the raw key, lowercase hex: what operators compare out of band.
    public var fingerprint: String { Encoding.hex(SHA256.hash(data: raw)) }

    /// The fingerprint in groups of four for reading aloud.
    public var displayFingerprint: String { Self.group(fingerprint) }

    static func group(_ hex: String) -> String {
        var out = ""
        for (i, ch) in hex.enumerated() {
            if i > 0 && i % 4 == 0 { out.append(" ") }
            out.append(ch)
        }
        return out
    }

    /// Whether an operator-typed fingerprint (any case, spaces or colons allowed) matches.
    public func matches(fingerprint typed: String) -> Bool {
        let cleaned = typed.lowercased().filter { $0.isHexDigit }
        return cleaned == fingerprint
    }

    public func isValidSignature<D: DataProtocol, M: DataProtocol>(_ signature: D, for message: M) -> Bool {
        key.isValidSignature(signature, for: message)
    }

    public var description: String { "ed25519:\(base64)" }

    public static func == (a: Self, b: Self) -> Bool { a.raw == b.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}

/// An X25519 public key, to which evidence is encrypted.
public struct PublicEncryptionKey: Sendable, Hashable {
    public let raw: [UInt8]

    public init(raw: [UInt8]) throws(AccordError) {
        guard raw.count == 32, (try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw)) != nil else {
            throw AccordError(.badKey, "an X25519 public key is 32 bytes")
        }
        self.raw = raw
    }

    public init(base64: String) throws(AccordError) {
        guard let raw = Encoding.unbase64(base64) else { throw AccordError(.badKey, "the encryption key is not valid base64") }
        try self.init(raw: raw)
    }

    public var base64: String { Encoding.base64(raw) }
}

/// The secret half of a node's identity: its Ed25519 signing key and X25519 encryption key.
public struct NodeKeys: Sendable {
    public let signing: Curve25519.Signing.PrivateKey
    public let encryption: Curve25519.KeyAgreement.PrivateKey

    public init(signing: Curve25519.Signing.PrivateKey, encryption: Curve25519.KeyAgreement.PrivateKey) {
        self.signing = signing
        self.encryption = encryption
    }

    public static func generate() -> NodeKeys {
        NodeKeys(signing: .init(), encryption: .init())
    }

    public var publicSigningKey: PublicSigningKey {
        // A freshly derived public key is always 32 valid bytes.
        try! PublicSigningKey(raw: Array(signing.publicKey.rawRepresentation))
    }

    public var publicEncryptionKey: PublicEncryptionKey {
        try! PublicEncryptionKey(raw: Array(encryption.publicKey.rawRepresentation))
    }

    public func sign<D: DataProtocol>(_ message: D) -> [UInt8] {
        // Signing with a valid in-memory key cannot fail.
        Array(try! signing.signature(for: message))
    }
}
