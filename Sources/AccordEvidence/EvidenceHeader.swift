import AccordCore
import Crypto
import Foundation

/// The header of an encrypted evidence file (format `accord-evidence/v1`, docs/protocol.md §12):
/// the parameters every chunk is bound to, and the file key wrapped with HPKE for each
/// recipient. The file itself is encrypted once; only the wrapped keys differ per recipient.
public struct EvidenceHeader: Sendable, Equatable {
    public static let format = "accord-evidence/v1"
    /// HPKE (RFC 9180) for the key wrap: mode base, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
    /// ChaCha20-Poly1305; the chunks use ChaCha20-Poly1305 too.
    public static let suite = "DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/ChaCha20Poly1305"
    public static let defaultChunkSize = 1 << 20
    public static let chunkSizes = (1 << 10)...(1 << 24)
    /// Bytes each chunk grows by when sealed (the Poly1305 tag).
    public static let tagSize = 16
    /// At most this many recipients (and the sender) per file.
    public static let maxRecipients = 256

    public struct Recipient: Sendable, Equatable {
        /// The recipient node's name.
        public var node: String
        /// The recipient's X25519 key the file key was wrapped to.
        public var key: PublicEncryptionKey
        /// HPKE encapsulated key (32 bytes).
        public var enc: [UInt8]
        /// The 32-byte file key, sealed with HPKE (48 bytes).
        public var wrappedKey: [UInt8]

        public init(node: String, key: PublicEncryptionKey, enc: [UInt8], wrappedKey: [UInt8]) {
            self.node = node
            self.key = key
            self.enc = enc
            self.wrappedKey = wrappedKey
        }
    }

    public var chunkSize: Int
    /// Plaintext bytes.
    public var size: Int64
    public var recipients: [Recipient]

    public init(chunkSize: Int, size: Int64, recipients: [Recipient]) {
        self.chunkSize = chunkSize
        self.size = size
        self.recipients = recipients
    }

    /// Chunks in the file: an empty file is one empty chunk.
    public var chunks: Int64 { size == 0 ? 1 : (size + Int64(chunkSize) - 1) / Int64(chunkSize) }

    /// Ciphertext bytes: the plaintext and one tag per chunk.
    public var ciphertextSize: Int64 { size + chunks * Int64(Self.tagSize) }

    /// Where chunk `index` lies in the ciphertext, and how long it is.
    public func ciphertextRange(ofChunk index: Int64) -> (offset: Int64, length: Int) {
        let sealed = Int64(chunkSize + Self.tagSize)
        let plain = index == chunks - 1 ? Int(size - index * Int64(chunkSize)) : chunkSize
        return (index * sealed, plain + Self.tagSize)
    }

    /// The parameters every chunk and every wrapped key is bound to:
    /// SHA-256 of the canonical JSON `{"chunk_size", "chunks", "format", "size", "suite"}`.
    public var binding: [UInt8] {
        let params: JSONValue = [
            "format": .string(Self.format), "suite": .string(Self.suite), "chunk_size": .number(Double(chunkSize)),
            "size": .number(Double(size)), "chunks": .number(Double(chunks)),
        ]
        return Array(SHA256.hash(data: CanonicalJSON.encode(params)))
    }

    public var json: JSONValue {
        [
            "format": .string(Self.format), "suite": .string(Self.suite), "chunk_size": .number(Double(chunkSize)),
            "size": .number(Double(size)), "chunks": .number(Double(chunks)),
            "recipients": .array(recipients.map {
                ["node": .string($0.node), "key": .string($0.key.base64), "enc": .string(Encoding.base64($0.enc)),
                 "wrapped_key": .string(Encoding.base64($0.wrappedKey))]
            }),
        ]
    }

    /// Reads a header, checking every member: a header that does not describe a file this
    /// version can decrypt is refused with the member named.
    public init(json: JSONValue) throws(AccordError) {
        func fail(_ field: String, _ message: String) -> AccordError { AccordError(.malformed, "evidence header: \(message)", field: field) }
        guard json["format"]?.stringValue == Self.format else { throw fail("format", "format must be \"\(Self.format)\"") }
        guard json["suite"]?.stringValue == Self.suite else { throw fail("suite", "suite must be \"\(Self.suite)\"") }
        guard let chunkSize = json["chunk_size"]?.intValue, Self.chunkSizes.contains(chunkSize) else {
            throw fail("chunk_size", "chunk_size must be \(Self.chunkSizes.lowerBound) to \(Self.chunkSizes.upperBound) bytes")
        }
        guard let size = json["size"]?.intValue, size >= 0 else { throw fail("size", "size must be a byte count") }
        guard let items = json["recipients"]?.arrayValue, (1...Self.maxRecipients).contains(items.count) else {
            throw fail("recipients", "recipients must list 1 to \(Self.maxRecipients) nodes")
        }
        var recipients: [Recipient] = []
        for item in items {
            guard let node = item["node"]?.stringValue, NodeName.isValid(node) else { throw fail("recipients", "a recipient's node is a node name") }
            guard let keyText = item["key"]?.stringValue, let key = try? PublicEncryptionKey(base64: keyText) else {
                throw fail("recipients", "\(node)'s key is not an X25519 public key")
            }
            guard let enc = item["enc"]?.stringValue.flatMap(Encoding.unbase64), enc.count == 32 else { throw fail("recipients", "\(node)'s enc is not 32 bytes") }
            guard let wrapped = item["wrapped_key"]?.stringValue.flatMap(Encoding.unbase64), wrapped.count == 32 + Self.tagSize else {
                throw fail("recipients", "\(node)'s wrapped_key is not \(32 + Self.tagSize) bytes")
            }
            recipients.append(Recipient(node: node, key: key, enc: enc, wrappedKey: wrapped))
        }
        guard Set(recipients.map(\.node)).count == recipients.count else { throw fail("recipients", "a node is listed twice") }
        self.init(chunkSize: chunkSize, size: Int64(size), recipients: recipients)
        guard json["chunks"]?.intValue.map(Int64.init) == chunks else { throw fail("chunks", "chunks must be \(chunks) for size \(size) and chunk_size \(chunkSize)") }
    }
}

extension AccordError.Code {
    /// An evidence file that does not decrypt as its header says: altered, reordered, cut short.
    public static let damaged = AccordError.Code(rawValue: "damaged")
    /// An evidence file deleted under retention: its record and hash remain.
    public static let gone = AccordError.Code(rawValue: "gone")
}
