import AccordCore
import Foundation

/// What an `evidence.file_added` event says about a file (docs/protocol.md §12.1): what it is,
/// where it came from, its SHA-256 (the content address), and how it is encrypted.
public struct EvidenceMetadata: Sendable, Equatable {
    public var name: String
    public var mediaType: String
    public var size: Int64
    /// SHA-256 of the plaintext.
    public var sha256: [UInt8]
    public var description: String?
    public var collectedAt: Timestamp?
    public var collectedBy: String?
    public var method: String?
    public var encryption: EvidenceHeader

    public init(name: String, mediaType: String, size: Int64, sha256: [UInt8], description: String? = nil, collectedAt: Timestamp? = nil,
                collectedBy: String? = nil, method: String? = nil, encryption: EvidenceHeader) {
        self.name = name
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.description = description
        self.collectedAt = collectedAt
        self.collectedBy = collectedBy
        self.method = method
        self.encryption = encryption
    }

    public static let maxTextBytes = 16 * 1024

    public var body: [String: JSONValue] {
        var b: [String: JSONValue] = [
            "name": .string(name), "media_type": .string(mediaType), "size": .number(Double(size)),
            "sha256": .string(Encoding.hex(sha256)), "encryption": encryption.json,
        ]
        if let description { b["description"] = .string(description) }
        if let collectedAt { b["collected_at"] = .string(collectedAt.rfc3339) }
        if let collectedBy { b["collected_by"] = .string(collectedBy) }
        if let method { b["method"] = .string(method) }
        return b
    }

    /// Reads and checks an event body: every problem names its member.
    public init(body: [String: JSONValue]) throws(AccordError) {
        func text(_ key: String, max: Int = Self.maxTextBytes, required: Bool = false) throws(AccordError) -> String? {
            guard let value = body[key] else {
                if required { throw AccordError(.missingField, "evidence needs \(key)", field: key) }
                return nil
            }
            guard let s = value.stringValue, !s.isEmpty, s.utf8.count <= max else {
                throw AccordError(.invalidField, "\(key) is a non-empty string of at most \(max) bytes", field: key)
            }
            return s
        }
        let name = try text("name", max: 255, required: true)!
        guard !name.contains("/"), !name.contains("\u{0}"), name != ".", name != ".." else {
            throw AccordError(.invalidField, "name is a file name, without a path", field: "name")
        }
        let mediaType = try text("media_type", max: 255, required: true)!
        guard Self.isMediaType(mediaType) else { throw AccordError(.invalidField, "media_type is type/subtype (RFC 6838)", field: "media_type") }
        guard let size = body["size"]?.intValue, size >= 0 else { throw AccordError(.invalidField, "size is a byte count", field: "size") }
        guard let hex = body["sha256"]?.stringValue, hex.utf8.count == 64, let sha = Encoding.unhex(hex), hex == hex.lowercased() else {
            throw AccordError(.invalidField, "sha256 is 64 lowercase hex digits", field: "sha256")
        }
        guard let encryption = body["encryption"] else { throw AccordError(.missingField, "evidence needs encryption (its header)", field: "encryption") }
        let header = try EvidenceHeader(json: encryption)
        guard header.size == Int64(size) else {
            throw AccordError(.invalidField, "size (\(size)) differs from the encryption header's (\(header.size))", field: "size")
        }
        var collectedAt: Timestamp? = nil
        if let t = try text("collected_at", max: 64) {
            guard let parsed = Timestamp(rfc3339: t) else { throw AccordError(.invalidField, "collected_at is an RFC 3339 UTC time", field: "collected_at") }
            collectedAt = parsed
        }
        self.init(name: name, mediaType: mediaType, size: Int64(size), sha256: sha, description: try text("description"),
                  collectedAt: collectedAt, collectedBy: try text("collected_by", max: 1024), method: try text("method", max: 1024), encryption: header)
        let known: Set<String> = ["name", "media_type", "size", "sha256", "description", "collected_at", "collected_by", "method", "encryption"]
        if let extra = body.keys.first(where: { !known.contains($0) }) {
            throw AccordError(.invalidField, "evidence has no member \(extra)", field: extra)
        }
    }

    /// `type/subtype`, each a token of RFC 6838's restricted name characters.
    static func isMediaType(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, first.properties.isAlphabetic || ("0"..."9").contains(first) else { return false }
            return part.count <= 127 && part.unicodeScalars.allSatisfy { c in
                c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "!#$&-^_.+".unicodeScalars.contains(c))
            }
        }
    }

    /// The file must be encrypted for its author and every addressee, and no one else.
    public func checkRecipients(author: String, to: [String]) throws(AccordError) {
        let expected = Set(to + [author]), listed = Set(encryption.recipients.map(\.node))
        guard expected == listed else {
            throw AccordError(.invalidField, "the file is encrypted for \(listed.sorted().joined(separator: ", ")); the event's author and addressees are \(expected.sorted().joined(separator: ", "))", field: "encryption")
        }
    }
}
