import Crypto
import Foundation
import RawStructuredFieldValues

/// Hop-by-hop authentication of node-to-node HTTP requests: RFC 9421 HTTP Message
/// Signatures with `ed25519`, covering an RFC 9530 `Content-Digest` of the body.
///
/// Accord's profile (docs/protocol.md §7): the signature labelled `accord` (other signatures on
/// the request are ignored) must cover at least `"@method" "@path" "content-digest"
/// "accord-recipient"`, in any order, and may cover `@authority`, `@query`, `@scheme`,
/// `@target-uri` and plain header fields too; parameters `created` and `keyid` (the sender's
/// node name) are required, `alg` if present must be `ed25519`, `expires` if present is
/// enforced, `nonce` and `tag` are accepted. A request is accepted within `maxSkewSeconds` of
/// `created`.
///
/// Verification runs in two phases so that a node can refuse a request before reading its
/// body: `inspect` checks everything the headers alone decide (label, components, parameters,
/// time window, recipient); `verify(_:request:body:key:)` then checks the digest and the
/// signature.
public enum MessageSignature {
    public static let label = "accord"
    public static let recipientHeader = "accord-recipient"
    /// The components Accord signs, and the least a signature must cover.
    public static let components = ["@method", "@path", "content-digest", recipientHeader]
    static let derivedComponents: Set<String> = ["@method", "@path", "@authority", "@query", "@scheme", "@target-uri"]
    public static let maxSkewSeconds: Int64 = 300

    /// `sha-256=:<base64>:` for `body` (RFC 9530).
    public static func contentDigest<D: DataProtocol>(_ body: D) -> String {
        "sha-256=:\(Encoding.base64(SHA256.hash(data: body))):"
    }

    /// The headers to add to a request: `Content-Digest`, `Accord-Recipient`, `Signature-Input`, `Signature`.
    /// `path` is the request's real path (the peer URL's own path included).
    public static func sign(
        method: String, path: String, body: [UInt8], recipient: String, sender: String, keys: NodeKeys, created: Timestamp
    ) -> [(String, String)] {
        let digest = contentDigest(body)
        let params = signatureParams(created: created.milliseconds / 1000, keyid: sender)
        let request = RequestParts(method: method, path: path, header: { $0 == "content-digest" ? digest : $0 == recipientHeader ? recipient : nil })
        // Every component is present by construction.
        let base = try! signatureBase(covered: components, request: request, params: params)
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

    /// The parts of a request that derived components are computed from.
    public struct RequestParts {
        public var method: String
        /// The path as received, without the query.
        public var path: String
        /// The query without its `?`, if the request has one.
        public var query: String?
        public var authority: String?
        public var scheme: String
        /// Looks up a request header by lowercase name (nil if absent).
        public var header: (String) -> String?

        public init(method: String, path: String, query: String? = nil, authority: String? = nil, scheme: String = "http", header: @escaping (String) -> String?) {
            self.method = method
            self.path = path
            self.query = query
            self.authority = authority
            self.scheme = scheme
            self.header = header
        }
    }

    /// What a request's signature headers claim, checked as far as the headers alone allow.
    public struct Claim: Sendable {
        /// The sender's node name (the `keyid` parameter), not yet authenticated.
        public let keyid: String
        public let created: Int64
        let covered: [String]
        /// The `@signature-params` value, serialised from the received `Signature-Input`.
        let params: String
        let signature: [UInt8]
        /// The digests of `Content-Digest` this node can check, by algorithm.
        let digests: [(algorithm: String, value: [UInt8])]
    }

    /// Checks the signature headers before the body is read: an `accord` signature exists, its
    /// components and parameters are ones Accord supports, it was created within the allowed
    /// window, and the request is addressed to `recipient`. Does not check the signature.
    public static func inspect(header: (String) -> String?, recipient: String, now: Timestamp) throws(AccordError) -> Claim {
        guard let input = header("signature-input"), let signatureField = header("signature") else {
            throw AccordError(.unauthorized, "the request carries no HTTP message signature (Signature-Input and Signature, RFC 9421)")
        }
        guard let digestField = header("content-digest") else {
            throw AccordError(.unauthorized, "the request carries no Content-Digest (RFC 9530)")
        }
        guard let named = header(recipientHeader), named == recipient else {
            throw AccordError(.notAddressed, "the request is addressed to \(header(recipientHeader) ?? "nobody"), not to \(recipient)")
        }
        let parsed = try parseSignature(input: input, signatureField: signatureField, checkHeaders: true, header: header)
        let nowSeconds = now.milliseconds / 1000
        guard abs(nowSeconds - parsed.created) <= maxSkewSeconds else {
            throw AccordError(.clockSkew, "the request was signed at \(Timestamp(milliseconds: parsed.created * 1000)), more than \(maxSkewSeconds) s from this node's time; check both clocks")
        }
        if let expires = parsed.expires, expires < nowSeconds {
            throw AccordError(.clockSkew, "the request's signature expired at \(Timestamp(milliseconds: expires * 1000))")
        }
        return Claim(
            keyid: parsed.keyid, created: parsed.created, covered: parsed.covered, params: parsed.params, signature: parsed.signature,
            digests: try digests(digestField))
    }

    /// The `accord` signature as `Signature-Input` and `Signature` carry it.
    public struct Parsed: Sendable, Equatable {
        /// `created`, in seconds since 1970.
        public let created: Int64
        /// The sender's node name.
        public let keyid: String
        /// The Ed25519 signature over the signature base.
        public let signature: [UInt8]
        let expires: Int64?
        let covered: [String]
        let params: String

        /// The two header values that carry this signature in the form `sign` writes.
        public var headers: (signatureInput: String, signature: String) {
            ("\(label)=\(signatureParams(created: created, keyid: keyid))", "\(label)=:\(Encoding.base64(signature)):")
        }

        public static func == (a: Parsed, b: Parsed) -> Bool {
            a.created == b.created && a.keyid == b.keyid && a.signature == b.signature
        }
    }

    /// Reads the `accord` signature from the `Signature-Input` and `Signature` header values
    /// (RFC 8941 dictionaries) to Accord's profile, without a request: header-field
    /// components are not checked for presence. Checks nothing cryptographic.
    public static func parse(signatureInput: String, signature: String) throws(AccordError) -> Parsed {
        try parseSignature(input: signatureInput, signatureField: signature, checkHeaders: false, header: { _ in nil })
    }

    /// Items are read through the RFC 9651 API only: the parser accepts RFC 9651 dates and
    /// display strings, on which the deprecated RFC 8941 accessors (`bareItem`, `parameters`)
    /// trap, so a request could otherwise crash the node before it is authenticated.
    static func parseSignature(
        input: String, signatureField: String, checkHeaders: Bool, header: (String) -> String?
    ) throws(AccordError) -> Parsed {
        let inner: InnerList
        let signature: [UInt8]
        do {
            var p = StructuredFieldValueParser(Array(input.utf8))
            let inputs = try p.parseDictionaryFieldValue()
            guard let entry = inputs.first(where: { $0.0 == label })?.1 else {
                let others = inputs.map(\.0).joined(separator: ", ")
                throw AccordError(.unauthorized, "Signature-Input has no signature labelled \"\(label)\"" + (others.isEmpty ? "" : " (only \(others))"))
            }
            guard case .innerList(let list) = entry else { throw AccordError(.unauthorized, "Signature-Input's \"\(label)\" member is not an inner list") }
            inner = list
            var q = StructuredFieldValueParser(Array(signatureField.utf8))
            let sigs = try q.parseDictionaryFieldValue()
            guard let s = sigs.first(where: { $0.0 == label })?.1 else {
                throw AccordError(.unauthorized, "Signature has no signature labelled \"\(label)\"")
            }
            guard case .item(let item) = s, case .undecodedByteSequence(let b64) = item.rfc9651BareItem, let bytes = Encoding.unbase64(b64), bytes.count == 64 else {
                throw AccordError(.unauthorized, "Signature's \"\(label)\" member is not a 64-byte Ed25519 signature (a byte sequence)")
            }
            signature = bytes
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.unauthorized, "Signature-Input or Signature is not a valid structured field (RFC 8941)")
        }

        var covered: [String] = []
        for item in inner.bareInnerList {
            guard case .string(let name) = item.rfc9651BareItem else {
                throw AccordError(.unauthorized, "Signature-Input lists a component that is not a string")
            }
            guard item.rfc9651Parameters.isEmpty else {
                let ps = item.rfc9651Parameters.map(\.0).joined(separator: ", ")
                throw AccordError(.unauthorized, "component \"\(name)\" has parameters (\(ps)); Accord supports components without parameters only")
            }
            if name.hasPrefix("@") {
                guard derivedComponents.contains(name) else {
                    throw AccordError(.unauthorized, "derived component \"\(name)\" is not supported; Accord supports \(derivedComponents.sorted().joined(separator: ", "))")
                }
            } else {
                guard !name.isEmpty, name == name.lowercased(), !checkHeaders || header(name) != nil else {
                    throw AccordError(.unauthorized, "the signature covers header \"\(name)\", which the request does not carry (or is not lowercase)")
                }
            }
            guard !covered.contains(name) else { throw AccordError(.unauthorized, "Signature-Input lists \"\(name)\" twice") }
            covered.append(name)
        }
        let missing = components.filter { !covered.contains($0) }
        guard missing.isEmpty else {
            throw AccordError(.unauthorized, "the signature must cover \(components.joined(separator: " ")); it lacks \(missing.joined(separator: " "))")
        }

        var created: Int64?
        var expires: Int64?
        var keyid: String?
        for (name, value) in inner.rfc9651Parameters {
            switch (name, value) {
            case ("created", .integer(let v)): created = Int64(v)
            case ("expires", .integer(let v)): expires = Int64(v)
            case ("keyid", .string(let v)): keyid = v
            case ("alg", .string(let v)):
                guard v == "ed25519" else { throw AccordError(.unauthorized, "signature algorithm \"\(v)\" is not supported; Accord uses ed25519") }
            case ("nonce", .string), ("tag", .string): break
            default: throw AccordError(.unauthorized, "Signature-Input parameter \"\(name)\" is not supported or has the wrong type")
            }
        }
        guard let created, let keyid else {
            throw AccordError(.unauthorized, "Signature-Input needs created and keyid")
        }
        // Accord's keyid is the sender's node name; nothing else can be a pinned peer.
        guard NodeName.isValid(keyid) else {
            throw AccordError(.unauthorized, "Signature-Input's keyid must be a node name")
        }
        // Serialised only once every member is known to be one Accord reads.
        let params: String
        do {
            var serializer = StructuredFieldValueSerializer()
            params = String(decoding: try serializer.writeListFieldValue([.innerList(inner)]), as: UTF8.self)
        } catch {
            throw AccordError(.unauthorized, "Signature-Input's \"\(label)\" member cannot be serialised (RFC 8941)")
        }
        return Parsed(created: created, keyid: keyid, signature: signature, expires: expires, covered: covered, params: params)
    }

    /// The checkable digests of a `Content-Digest` field: sha-256 and sha-512; others are ignored (RFC 9530 §2).
    static func digests(_ field: String) throws(AccordError) -> [(algorithm: String, value: [UInt8])] {
        let dict: OrderedMap<String, ItemOrInnerList>
        do {
            var p = StructuredFieldValueParser(Array(field.utf8))
            dict = try p.parseDictionaryFieldValue()
        } catch {
            throw AccordError(.unauthorized, "Content-Digest is not a valid structured field (RFC 8941)")
        }
        var found: [(algorithm: String, value: [UInt8])] = []
        for (algorithm, member) in dict where algorithm == "sha-256" || algorithm == "sha-512" {
            guard case .item(let item) = member, case .undecodedByteSequence(let b64) = item.rfc9651BareItem, let bytes = Encoding.unbase64(b64) else {
                throw AccordError(.unauthorized, "Content-Digest's \(algorithm) is not a byte sequence")
            }
            found.append((algorithm, bytes))
        }
        guard !found.isEmpty else {
            let names = dict.map(\.0).joined(separator: ", ")
            throw AccordError(.unauthorized, "Content-Digest has no supported algorithm (has \(names.isEmpty ? "none" : names)); Accord checks sha-256 or sha-512")
        }
        return found
    }

    /// Checks the body against the digest and the signature against `key`; returns the sender's name.
    public static func verify(_ claim: Claim, request: RequestParts, body: [UInt8], key: PublicSigningKey) throws(AccordError) -> String {
        for (algorithm, value) in claim.digests {
            let actual: [UInt8] = algorithm == "sha-256" ? Array(SHA256.hash(data: body)) : Array(SHA512.hash(data: body))
            guard actual == value else { throw AccordError(.badSignature, "Content-Digest (\(algorithm)) does not match the body") }
        }
        let base = try signatureBase(covered: claim.covered, request: request, params: claim.params)
        guard key.isValidSignature(claim.signature, for: Array(base.utf8)) else {
            throw AccordError(.badSignature, "the HTTP message signature does not verify with \(claim.keyid)'s pinned key")
        }
        return claim.keyid
    }

    /// Both phases at once, for callers that hold the body already; returns the sender's name.
    ///
    /// - Parameters:
    ///   - header: looks up a request header by lowercase name (nil if absent).
    ///   - key: the pinned key of a sender, nil if the sender is not a pinned peer.
    public static func verify(
        method: String, path: String, body: [UInt8], header: @escaping (String) -> String?, recipient: String, now: Timestamp,
        key: (String) -> PublicSigningKey?
    ) throws(AccordError) -> String {
        let claim = try inspect(header: header, recipient: recipient, now: now)
        guard let publicKey = key(claim.keyid) else {
            throw AccordError(.unknownPeer, "\(claim.keyid) is not a pinned peer of \(recipient)")
        }
        return try verify(claim, request: RequestParts(method: method, path: path, header: header), body: body, key: publicKey)
    }

    /// The signature base (RFC 9421 §2.5): one line per covered component, then `@signature-params`.
    static func signatureBase(covered: [String], request: RequestParts, params: String) throws(AccordError) -> String {
        var lines: [String] = []
        for name in covered {
            let value: String?
            switch name {
            case "@method": value = request.method.uppercased()
            case "@path": value = request.path.isEmpty ? "/" : request.path
            case "@query": value = "?" + (request.query ?? "")
            case "@authority": value = request.authority?.lowercased()
            case "@scheme": value = request.scheme.lowercased()
            case "@target-uri":
                value = request.authority.map { "\(request.scheme.lowercased())://\($0.lowercased())\(request.path)" + (request.query.map { "?\($0)" } ?? "") }
            default:
                // A header field: its value with surrounding whitespace trimmed (RFC 9421 §2.1).
                value = request.header(name)?.trimmingCharacters(in: .whitespaces)
            }
            guard let value else { throw AccordError(.unauthorized, "the signature covers \"\(name)\", which this request does not have") }
            lines.append("\"\(name)\": \(value)")
        }
        lines.append("\"@signature-params\": \(params)")
        return lines.joined(separator: "\n")
    }
}
