import AccordCore
import AccordStore
import Foundation

/// The URL parameters of TAXII 2.1 object, manifest and version requests (section 3.5):
/// `added_after`, `limit`, `next`, and `match[id|type|version|spec_version]`, AND across fields,
/// OR within one (comma-separated, or the parameter repeated). A value that cannot be honoured is
/// refused with 400 and the parameter's name, never ignored.
public struct ObjectFilters: Sendable, Equatable {
    public var addedAfter: MicroTime?
    public var limit: Int
    public var next: String?
    public var ids: [String] = []
    public var types: [String] = []
    public var specVersions: [String] = []
    public var versions = TAXIIVersionFilter()

    public static let defaultLimit = 100

    /// Parses percent-decoded `(name, value)` pairs; `maxLimit` caps `limit` (a larger one is
    /// lowered to it, as section 3.4.1 allows).
    public static func parse(_ parameters: [(String, String)], maxLimit: Int) throws(AccordError) -> ObjectFilters {
        var f = ObjectFilters(limit: min(defaultLimit, maxLimit))
        for (name, value) in parameters {
            switch name {
            case "added_after":
                guard let t = STIXTime.micros(value) else {
                    throw AccordError(.invalidField, "added_after is a UTC timestamp like 2026-01-31T12:00:00.000000Z, not \"\(clip(value))\"", field: name)
                }
                f.addedAfter = t
            case "limit":
                guard let n = Int(value), n >= 1 else { throw AccordError(.invalidField, "limit is a whole number of at least 1, not \"\(clip(value))\"", field: name) }
                f.limit = min(n, maxLimit)
            case "next":
                guard !value.isEmpty, value.utf8.count <= 512 else { throw AccordError(.invalidField, "next is the value of an earlier answer's next", field: name) }
                f.next = value
            case "match[id]":
                for id in try list(name, value) {
                    guard STIXIdentifier.isValid(id) else { throw AccordError(.invalidField, "match[id] takes STIX ids like indicator--<uuid>, not \"\(clip(id))\"", field: name) }
                    f.ids.append(id)
                }
            case "match[type]":
                for type in try list(name, value) {
                    guard STIXIdentifier.isTypeName(type) else {
                        throw AccordError(.invalidField, "match[type] takes STIX type names (a–z, 0–9, -), not \"\(clip(type))\"", field: name)
                    }
                    f.types.append(type)
                }
            case "match[spec_version]":
                for v in try list(name, value) {
                    guard v == "2.0" || v == "2.1" else { throw AccordError(.invalidField, "match[spec_version] is 2.0 or 2.1, not \"\(clip(v))\"", field: name) }
                    f.specVersions.append(v)
                }
            case "match[version]":
                for v in try list(name, value) {
                    switch v {
                    case "first": f.versions.first = true
                    case "last": f.versions.last = true
                    case "all": f.versions.all = true
                    default:
                        guard let t = STIXTime.micros(v) else {
                            throw AccordError(.invalidField, "match[version] is first, last, all or a UTC timestamp, not \"\(clip(v))\"", field: name)
                        }
                        f.versions.exact.append(t)
                    }
                }
            default:
                if name.hasPrefix("match[") {
                    throw AccordError(.invalidField, "\(clip(name)) is not a filter this server supports (id, type, version, spec_version)", field: name)
                }
            // Other parameters are not TAXII's; they are ignored, as HTTP usage expects.
            }
        }
        return f
    }

    static func list(_ name: String, _ value: String) throws(AccordError) -> [String] {
        let items = value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.isEmpty, items.allSatisfy({ !$0.isEmpty }), items.count <= 100 else {
            throw AccordError(.invalidField, "\(name) takes 1–100 comma-separated values, none empty", field: name)
        }
        return items
    }

    static func clip(_ s: String) -> String { s.count > 80 ? String(s.prefix(80)) + "…" : s }

    /// The filters a cursor is bound to, in one canonical form (everything but `limit` and `next`).
    public var binding: String {
        var parts: [String] = []
        if let a = addedAfter { parts.append("added_after=\(a)") }
        if !ids.isEmpty { parts.append("id=" + ids.sorted().joined(separator: ",")) }
        if !types.isEmpty { parts.append("type=" + types.sorted().joined(separator: ",")) }
        if !specVersions.isEmpty { parts.append("spec_version=" + specVersions.sorted().joined(separator: ",")) }
        var v: [String] = []
        if versions.first { v.append("first") }
        if versions.last { v.append("last") }
        if versions.all { v.append("all") }
        v += versions.exact.sorted().map(String.init)
        if !v.isEmpty { parts.append("version=" + v.joined(separator: ",")) }
        return parts.joined(separator: "&")
    }

    /// Percent-decoded query pairs of a request target's query string.
    public static func pairs(query: String) -> [(String, String)] {
        query.split(separator: "&").compactMap { item in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            guard let k = kv.first else { return nil }
            return (decode(k), kv.count > 1 ? decode(kv[1]) : "")
        }
    }
}

/// STIX identifiers and type names as TAXII filters take them.
public enum STIXIdentifier {
    public static func isTypeName(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (3...250).contains(u.count), let f = u.first, (0x61...0x7A).contains(f), u.last != UInt8(ascii: "-") else { return false }
        return !s.contains("--") && u.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "-") }
    }

    /// `type--uuid`.
    public static func isValid(_ s: String) -> Bool {
        guard let r = s.range(of: "--") else { return false }
        return isTypeName(String(s[..<r.lowerBound])) && UUID(uuidString: String(s[r.upperBound...])) != nil
    }
}
