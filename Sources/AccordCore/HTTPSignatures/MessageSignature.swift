import Crypto
import Foundation
import RawStructuredFieldValues

/// Hop-by-hop authentication of node-to-node HTTP requests: RFC 9421 HTTP Message
/// Signatures with `ed25519`, covering an RFC 9530 `Content-Digest` of the body.
///
/// Accord's profile (docs/protocol.md): the label is `accord`; the covered components are
/// exactly `"@method" "@path" "content-digest" "accord-recipient"`; parameters `created`,
/// `keyid` (the sender's node name) and `alg="ed25519"` are required. A request is
/// accepted within `maxSkewSeconds` of `created`.
public enum MessageSignature {
    public static let label = "accord"
    public static let recipientHeader = "accord-recipient"
    public static let components = ["@method", "@path", "content-digest", recipientHeader]
    public static let maxSkewSeconds: Int64 = 300

    /// `sha-256=:<base64>:` for `body` (RFC 9530).
    public static func contentDigest<D: DataProtocol>(_ body: D) -> String {
        "sha-256=:\(Encoding.base64(SHA256.hash(data: body))):"
    }

    /// The headers to add to a request: `Content-Digest`, `Accord-Recipient`, `Signature-Input`, `Signature`.
    public static func sign(
        method: String, path: String, body: [UInt8], recipient: String, sender: String, keys: NodeKeys, created: Timestamp
    ) -> [(String, String)] {
        let digest = contentDigest(body)
        let params = signatureParams(created: created.milliseconds / 1000, keyid: sender)
        let base = signatureBase(method: method, path: path, digest: digest, recipient: recipient, params: params)
        let signature = keys.sign(Array(base.utf8))
        return [
            ("Content-Digest", digest),
            ("Accord-Recipient", recipient),
            ("Signature-Input", "\(label)=\(params)"),
            ("Signature", "\(label)=:\(Encoding.base64(signature)):"),
        ]
    }

    static func signatureParams(created: Int64, keyid: String) -> String {
        let list = components.map { "\"\($0)\"" }.joined(separator: " ")
        return "(\(list));created=\(created);keyid=\"\(keyid)\";alg=\"ed25519\""
    }

    static func signatureBase(method: String, path: String, digest: String, recipient: String, params: String) -> String {
        [
            "\"@method\": \(method.uppercased())",
            "\"@path\": \(path)",
            "\"content-digest\": \(digest)",
            "\"\(recipientHeader)\": \(recipient)",
            "\"@signature-params\": \(params)",
        ].joined(separator: "\n")
    }

    /// Verifies a request and returns the sender's node name.
    ///
    /// - Parameters:
    ///   - header: looks up a request header by lowercase name (nil if absent).
    ///   - key: the pinned key of a sender, nil if the sender is not a pinned peer.
    public static func verify(
        method: String, path: String, body: [UInt8], header: (String) -> String?, recipient: String, now: Timestamp,
        key: (String) -> PublicSigningKey?
    ) throws(AccordError) -> String {
        guard let input = header("signature-input"), let signatureField = header("signature") else {
            throw AccordError(.unauthorized, "the request carries no HTTP message signature (Signature-Input and Signature, RFC 9421)")
        }
        guard let digest = header("content-digest") else {
            throw AccordError(.unauthorized, "the request carries no Content-Digest (RFC 9530)")
        }
        guard digest == contentDigest(body) else {
            throw AccordError(.badSignature, "Content-Digest does not match the body")
        }
        guard let named = header(recipientHeader), named == recipient else {
            throw AccordError(.notAddressed, "the request is addressed to \(header(recipientHeader) ?? "nobody"), not to \(recipient)")
        }
        let parsed = try parse(signatureInput: input, signature: signatureField)
        let created = parsed.created, keyid = parsed.keyid
        guard abs(now.milliseconds / 1000 - created) <= maxSkewSeconds else {
            throw AccordError(.clockSkew, "the request was signed at \(Timestamp(milliseconds: created * 1000)), more than \(maxSkewSeconds) s from this node's time; check both clocks")
        }
        guard let publicKey = key(keyid) else {
            throw AccordError(.unknownPeer, "\(keyid) is not a pinned peer of \(recipient)")
        }
        let params = signatureParams(created: created, keyid: keyid)
        let base = signatureBase(method: method, path: path, digest: digest, recipient: recipient, params: params)
        guard publicKey.isValidSignature(parsed.signature, for: Array(base.utf8)) else {
            throw AccordError(.badSignature, "the HTTP message signature does not verify with \(keyid)'s pinned key")
        }
        return keyid
    }

    /// The `accord` signature as `Signature-Input` and `Signature` carry it.
    public struct Parsed: Sendable, Equatable {
        /// `created`, in seconds since 1970.
        public let created: Int64
        /// The sender's node name.
        public let keyid: String
        /// The Ed25519 signature over the signature base.
        public let signature: [UInt8]

        /// The two header values that carry this signature, as `sign` writes them.
        public var headers: (signatureInput: String, signature: String) {
            ("\(label)=\(signatureParams(created: created, keyid: keyid))", "\(label)=:\(Encoding.base64(signature)):")
        }
    }

    /// Reads the `accord` signature from the `Signature-Input` and `Signature` header values
    /// (RFC 8941 dictionaries), strictly to Accord's profile. Checks nothing cryptographic.
    ///
    /// Reads items through the RFC 9651 API only: the parser accepts RFC 9651 dates and
    /// display strings, which the deprecated RFC 8941 accessors (`bareItem`, `parameters`)
    /// trap on, so a request could crash the node before it was authenticated.
    public static func parse(signatureInput input: String, signature signatureField: String) throws(AccordError) -> Parsed {
        let inner: InnerList
        let signatureBytes: [UInt8]
        do {
            var p = StructuredFieldValueParser(Array(input.utf8))
            let dict = try p.parseDictionaryFieldValue()
            guard let entry = dict.first(where: { $0.0 == label })?.1, case .innerList(let list) = entry else {
                throw AccordError(.unauthorized, "Signature-Input has no \"\(label)\" signature")
            }
            inner = list
            var q = StructuredFieldValueParser(Array(signatureField.utf8))
            let sigs = try q.parseDictionaryFieldValue()
            guard let s = sigs.first(where: { $0.0 == label })?.1, case .item(let item) = s,
                case .undecodedByteSequence(let b64) = item.rfc9651BareItem, let bytes = Encoding.unbase64(b64), bytes.count == 64
            else { throw AccordError(.unauthorized, "Signature has no \"\(label)\" Ed25519 signature") }
            signatureBytes = bytes
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.unauthorized, "Signature-Input or Signature is not a valid structured field (RFC 8941)")
        }
        var covered: [String] = []
        for item in inner.bareInnerList {
            guard case .string(let name) = item.rfc9651BareItem, item.rfc9651Parameters.isEmpty else {
                throw AccordError(.unauthorized, "Signature-Input lists a component Accord does not use")
            }
            covered.append(name)
        }
        guard covered == components else {
            throw AccordError(.unauthorized, "the signature must cover exactly \(components.joined(separator: " "))")
        }
        var created: Int64?
        var keyid: String?
        var alg: String?
        for (name, value) in inner.rfc9651Parameters {
            switch (name, value) {
            case ("created", .integer(let v)): created = v
            case ("keyid", .string(let v)): keyid = v
            case ("alg", .string(let v)): alg = v
            default: throw AccordError(.unauthorized, "Signature-Input has an unexpected parameter \"\(name)\"")
            }
        }
        guard let created, let keyid, alg == "ed25519" else {
            throw AccordError(.unauthorized, "Signature-Input needs created, keyid and alg=\"ed25519\"")
        }
        // The signature base writes keyid back unescaped: only a node name has one spelling there.
        guard NodeName.isValid(keyid) else {
            throw AccordError(.unauthorized, "Signature-Input's keyid must be a node name")
        }
        return Parsed(created: created, keyid: keyid, signature: signatureBytes)
    }
}
