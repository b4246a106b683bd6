import AccordCore
import Crypto
import Foundation

/// Encryption of evidence files, `accord-evidence/v1` (docs/protocol.md §12).
///
/// A random 32-byte file key is wrapped for each recipient with HPKE (RFC 9180, mode base,
/// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; info `"accord-evidence/v1 key"`,
/// aad = the header's binding). Chunks are sealed with ChaCha20-Poly1305 under
/// HKDF-SHA256(ikm: file key, salt: binding, info: `"accord-evidence/v1 chunk"`, 32 bytes),
/// with the nonce = chunk index (11 bytes, big-endian) ‖ 0x01 for the last chunk, 0x00 otherwise,
/// and aad = binding. A chunk moved, dropped, cut short or altered fails to open; a file whose
/// last chunk is missing has no chunk sealed as last.
public enum EvidenceCipher {
    static let wrapInfo = Data("accord-evidence/v1 key".utf8)
    static let chunkInfo = Data("accord-evidence/v1 chunk".utf8)
    static let ciphersuite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly

    /// A new header for a file of `size` bytes and a fresh file key wrapped for each recipient.
    public static func newHeader(size: Int64, chunkSize: Int = EvidenceHeader.defaultChunkSize, recipients: [(node: String, key: PublicEncryptionKey)]) throws(AccordError) -> (EvidenceHeader, SymmetricKey) {
        guard EvidenceHeader.chunkSizes.contains(chunkSize) else { throw AccordError(.malformed, "chunk size must be \(EvidenceHeader.chunkSizes)") }
        guard size >= 0 else { throw AccordError(.malformed, "size must be a byte count") }
        guard (1...EvidenceHeader.maxRecipients).contains(recipients.count), Set(recipients.map(\.node)).count == recipients.count else {
            throw AccordError(.malformed, "an evidence file has 1 to \(EvidenceHeader.maxRecipients) distinct recipients")
        }
        var header = EvidenceHeader(chunkSize: chunkSize, size: size, recipients: [])
        let fileKey = SymmetricKey(size: .bits256)
        let binding = header.binding
        do {
            for r in recipients {
                let publicKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: r.key.raw)
                var sender = try HPKE.Sender(recipientKey: publicKey, ciphersuite: ciphersuite, info: wrapInfo)
                let wrapped = try fileKey.withUnsafeBytes { try sender.seal(Array($0), authenticating: binding) }
                header.recipients.append(EvidenceHeader.Recipient(node: r.node, key: r.key, enc: Array(sender.encapsulatedKey), wrappedKey: Array(wrapped)))
            }
        } catch {
            throw AccordError(.badKey, "cannot wrap the file key: \(error)")
        }
        return (header, fileKey)
    }

    /// The file key, unwrapped with the private key of `node` (a node holding several keys,
    /// after rotations, tries the one the header names).
    public static func openKey(_ header: EvidenceHeader, as node: String, with privateKey: Curve25519.KeyAgreement.PrivateKey) throws(AccordError) -> SymmetricKey {
        guard let entry = header.recipients.first(where: { $0.node == node }) else {
            throw AccordError(.forbidden, "this evidence file is not encrypted for \(node)")
        }
        guard entry.key.raw == Array(privateKey.publicKey.rawRepresentation) else {
            throw AccordError(.badKey, "this evidence file is encrypted for another key of \(node) (\(entry.key.base64))")
        }
        do {
            var recipient = try HPKE.Recipient(privateKey: privateKey, ciphersuite: ciphersuite, info: wrapInfo, encapsulatedKey: Data(entry.enc))
            let raw = try recipient.open(entry.wrappedKey, authenticating: header.binding)
            guard raw.count == 32 else { throw AccordError(.badKey, "the wrapped file key is not 32 bytes") }
            return SymmetricKey(data: raw)
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.badKey, "the file key for \(node) does not open: wrong key, or the header was altered")
        }
    }

    static func chunkKey(_ fileKey: SymmetricKey, _ header: EvidenceHeader) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: header.binding, info: chunkInfo, outputByteCount: 32)
    }

    /// The nonce of chunk `index`: 11-byte big-endian index, then 1 for the last chunk, 0 otherwise.
    static func nonce(_ index: Int64, last: Bool) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        var v = UInt64(index)
        for i in stride(from: 10, through: 3, by: -1) {
            bytes[i] = UInt8(v & 0xff)
            v >>= 8
        }
        bytes[11] = last ? 1 : 0
        return try! ChaChaPoly.Nonce(data: bytes)
    }

    /// A chunk key for one file, derived once.
    public struct Chunks: Sendable {
        public let header: EvidenceHeader
        let key: SymmetricKey
        let binding: [UInt8]

        public init(header: EvidenceHeader, fileKey: SymmetricKey) {
            self.header = header
            self.key = EvidenceCipher.chunkKey(fileKey, header)
            self.binding = header.binding
        }

        /// Seals chunk `index` (its plaintext must be exactly the chunk's length).
        public func seal(_ plaintext: [UInt8], index: Int64) throws(AccordError) -> [UInt8] {
            let expected = header.ciphertextRange(ofChunk: index).length - EvidenceHeader.tagSize
            guard index >= 0, index < header.chunks, plaintext.count == expected else {
                throw AccordError(.malformed, "chunk \(index) must hold \(expected) bytes")
            }
            do {
                let box = try ChaChaPoly.seal(plaintext, using: key, nonce: EvidenceCipher.nonce(index, last: index == header.chunks - 1), authenticating: binding)
                return Array(box.ciphertext) + Array(box.tag)
            } catch {
                throw AccordError(.malformed, "cannot seal chunk \(index): \(error)")
            }
        }

        /// Opens chunk `index`; refuses one of the wrong length, from another place in the file,
        /// another file, or altered.
        public func open(_ sealed: [UInt8], index: Int64) throws(AccordError) -> [UInt8] {
            guard index >= 0, index < header.chunks else { throw AccordError(.malformed, "the file has no chunk \(index) (it has \(header.chunks))") }
            let expected = header.ciphertextRange(ofChunk: index).length
            guard sealed.count == expected else {
                throw AccordError(.damaged, "chunk \(index) is \(sealed.count) bytes, \(expected) expected: truncated or padded")
            }
            do {
                let box = try ChaChaPoly.SealedBox(
                    nonce: EvidenceCipher.nonce(index, last: index == header.chunks - 1),
                    ciphertext: sealed.dropLast(EvidenceHeader.tagSize), tag: sealed.suffix(EvidenceHeader.tagSize))
                return Array(try ChaChaPoly.open(box, using: key, authenticating: binding))
            } catch {
                throw AccordError(.damaged, "chunk \(index) does not authenticate: altered, reordered, or from another file")
            }
        }
    }
}
