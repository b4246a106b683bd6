import Crypto
import Foundation

/// The one unit Accord exchanges: a JSON object signed once by its origin node.
///
/// Wire form (see docs/protocol.md): `v`, `type`, `origin`, `to`, `case` (absent on the event
/// that opens a case), `time`, `nonce`, `body`, `sig`. The signature covers the RFC 8785
/// canonical bytes of the object without `sig`; the id is SHA-256 of the canonical bytes of
/// the whole object, `sig` included. Relays and recipients never re-sign or modify it.
public struct Event: Sendable, Hashable {
    public static let version = 1
    public static let signatureMember = "sig"

    /// The event exactly as signed, `sig` included.
    public let json: JSONValue
    public let id: EventID
    public let type: EventType
    public let origin: String
    public let to: [String]
    public let caseID: EventID?
    public let time: Timestamp
    public let body: [String: JSONValue]
    public let signature: [UInt8]
    /// The canonical bytes of the whole signed event (what `id` hashes, what is stored and sent).
    public let canonical: [UInt8]
    /// Where `"sig":"…"` and one comma sit in `canonical`.
    let signatureRange: Range<Int>

    /// The bytes the origin's signature covers: the canonical form without `sig`, which is
    /// `canonical` with the `sig` member cut out (RFC 8785 sorts members and adds no whitespace).
    public var signedBytes: [UInt8] {
        var bytes = canonical
        bytes.removeSubrange(signatureRange)
        return bytes
    }

    init(json: JSONValue, id: EventID, type: EventType, origin: String, to: [String], caseID: EventID?, time: Timestamp,
         body: [String: JSONValue], signature: [UInt8], canonical: [UInt8], signatureRange: Range<Int>) {
        self.json = json
        self.id = id
        self.type = type
        self.origin = origin
        self.to = to
        self.caseID = caseID
        self.time = time
        self.body = body
        self.signature = signature
        self.canonical = canonical
        self.signatureRange = signatureRange
    }

    public func isSigned(by key: PublicSigningKey) -> Bool {
        key.isValidSignature(signature, for: signedBytes)
    }

    public func isAddressed(to name: String) -> Bool { to.contains(name) }
}

/// A SHA-256 event id.
public struct EventID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public init?(hex: String) {
        guard hex.utf8.count == 64, hex == hex.lowercased(), let b = Encoding.unhex(hex) else { return nil }
        bytes = b
    }

    public var hex: String { Encoding.hex(bytes) }
    public var description: String { hex }
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: Self, b: Self) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = EventID(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an event id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}

extension Event {
    /// Signs a new event. The caller has validated `body` for `type` already.
    public static func sign(
        type: EventType, origin: String, to: [String], caseID: EventID?, time: Timestamp,
        body: [String: JSONValue], keys: NodeKeys, nonce: [UInt8]? = nil
    ) -> Event {
        var members: [String: JSONValue] = [
            "v": .number(Double(version)),
            "type": .string(type.rawValue),
            "origin": .string(origin),
            "to": .strings(to),
            "time": .string(time.rfc3339),
            "nonce": .string(Encoding.hex(nonce ?? randomNonce())),
            "body": .object(body),
        ]
        if let caseID { members["case"] = .string(caseID.hex) }
        // Encoded once with a placeholder signature of the same length (base64 needs no
        // escaping), so the signed bytes are the canonical bytes with the member cut out, and
        // the signature then overwrites the placeholder in place.
        members[signatureMember] = .string(String(repeating: "A", count: signatureBase64Length))
        var (canonical, range) = CanonicalJSON.encode(object: members, marking: signatureMember)
        var signed = canonical
        signed.removeSubrange(range)
        let signature = keys.sign(signed)
        let text = Encoding.base64(signature)
        members[signatureMember] = .string(text)
        // The range opens with the member, or with a comma when `sig` sorts last; then `"sig":"`.
        let memberStart = canonical[range.lowerBound] == UInt8(ascii: ",") ? range.lowerBound + 1 : range.lowerBound
        let valueStart = memberStart + signatureMember.utf8.count + 4
        canonical.replaceSubrange(valueStart..<(valueStart + signatureBase64Length), with: text.utf8)
        // Built here from checked parts: no need to re-run the receiver's structural checks.
        return Event(
            json: .object(members), id: EventID(bytes: Array(SHA256.hash(data: canonical))), type: type, origin: origin, to: to, caseID: caseID,
            time: time, body: body, signature: signature, canonical: canonical, signatureRange: range)
    }

    /// Base64 of a 64-byte Ed25519 signature, padding included.
    static let signatureBase64Length = 88

    static func randomNonce() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return withUnsafeBytes(of: g.next() as UInt64) { Array($0) }
    }

    static let members: Set<String> = ["v", "type", "origin", "to", "case", "time", "nonce", "body", "sig"]

    /// Checks the structure of a received event (not its signature, which needs the origin's key).
    public init(json: JSONValue) throws(AccordError) {
        guard case .object(let m) = json else { throw AccordError(.malformed, "an event is a JSON object") }
        if let extra = m.keys.first(where: { !Self.members.contains($0) }) {
            throw AccordError(.malformed, "unknown event member \"\(extra)\"", field: extra)
        }
        guard m["v"]?.intValue == Self.version else { throw AccordError(.malformed, "unsupported event version; expected v=1", field: "v") }
        guard let typeName = m["type"]?.stringValue else { throw AccordError(.malformed, "event type missing", field: "type") }
        guard let type = EventType(rawValue: typeName) else {
            // A well-formed name this node does not know is a newer protocol's type, not garbage.
            guard EventType.isWellFormedName(typeName) else {
                throw AccordError(.malformed, "\"\(typeName)\" is not an event type name (like case.open)", field: "type")
            }
            throw AccordError(.unsupportedType, "this node does not accept events of type \"\(typeName)\"", field: "type")
        }
        guard let origin = m["origin"]?.stringValue, NodeName.isValid(origin) else {
            throw AccordError(.malformed, "origin must be a node name", field: "origin")
        }
        guard let toArray = m["to"]?.arrayValue else { throw AccordError(.malformed, "to must be an array of node names", field: "to") }
        var to: [String] = []
        for item in toArray {
            guard let name = item.stringValue, NodeName.isValid(name) else {
                throw AccordError(.malformed, "to must be an array of node names", field: "to")
            }
            guard !to.contains(name) else { throw AccordError(.malformed, "to names \(name) twice", field: "to") }
            to.append(name)
        }
        var caseID: EventID? = nil
        if let c = m["case"] {
            guard let text = c.stringValue, let id = EventID(hex: text) else {
                throw AccordError(.malformed, "case must be a lowercase hex event id", field: "case")
            }
            caseID = id
        }
        guard let timeText = m["time"]?.stringValue, let time = Timestamp(rfc3339: timeText), time.rfc3339 == timeText else {
            throw AccordError(.malformed, "time must be RFC 3339 UTC with milliseconds, like 2026-01-31T12:00:00.000Z", field: "time")
        }
        guard let nonce = m["nonce"]?.stringValue, nonce.utf8.count == 16, Encoding.unhex(nonce) != nil, nonce == nonce.lowercased() else {
            throw AccordError(.malformed, "nonce must be 16 lowercase hex digits", field: "nonce")
        }
        guard let body = m["body"]?.objectValue else { throw AccordError(.malformed, "body must be an object", field: "body") }
        guard let sigText = m[Self.signatureMember]?.stringValue, let sig = Encoding.unbase64(sigText), sig.count == 64 else {
            throw AccordError(.malformed, "sig must be a base64 Ed25519 signature (64 bytes)", field: "sig")
        }
        let (canonical, range) = CanonicalJSON.encode(object: m, marking: Self.signatureMember)
        self.init(
            json: json, id: EventID(bytes: Array(SHA256.hash(data: canonical))), type: type, origin: origin, to: to, caseID: caseID,
            time: time, body: body, signature: sig, canonical: canonical, signatureRange: range)
    }

    /// Parses an event from its bytes (for example, as stored).
    public init(bytes: [UInt8]) throws(AccordError) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw AccordError(.malformed, error.description) }
        try self.init(json: json)
    }
}
