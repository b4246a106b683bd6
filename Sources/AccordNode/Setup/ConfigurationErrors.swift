import AccordCore
import Foundation

/// Turns a decoding failure of `accord.json` into a message that names the key and the type
/// it must have, e.g. `listen_port must be a whole number, not text`.
enum ConfigurationErrors {
    static func describe(_ error: DecodingError, file: String) -> AccordError {
        func path(_ ctx: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = ctx.codingPath + (last.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            let key = path(ctx)
            return AccordError(.configuration, "\(file): \(key.isEmpty ? "the file" : key) must be \(expected(type))\(found(ctx.debugDescription))", field: key)
        case .valueNotFound(let type, let ctx):
            let key = path(ctx)
            return AccordError(.configuration, "\(file): \(key) must be \(expected(type)), not null", field: key)
        case .keyNotFound(let missing, let ctx):
            let key = path(ctx, missing)
            return AccordError(.configuration, "\(file): \(key) is missing", field: key)
        case .dataCorrupted(let ctx):
            let key = path(ctx)
            if key.isEmpty {
                return AccordError(.configuration, "\(file) is not valid JSON: \((ctx.underlyingError as NSError?)?.localizedDescription ?? ctx.debugDescription)")
            }
            return AccordError(.configuration, "\(file): \(key) is not valid: \(ctx.debugDescription)", field: key)
        @unknown default:
            return AccordError(.configuration, "\(file) is not a valid configuration")
        }
    }

    /// What a person would call a value of `type`.
    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "text in double quotes"
        default:
            String(describing: type).hasPrefix("Array") ? "a list [ ... ]"
                : String(describing: type).hasPrefix("Dictionary") ? "an object { ... }" : "an object { ... }"
        }
    }

    /// ", not text" from Foundation's "Expected to decode Int but found a string instead."
    static func found(_ description: String) -> String {
        let kinds = [("a string", "text"), ("a number", "a number"), ("bool", "true or false"), ("an array", "a list"),
                     ("a dictionary", "an object"), ("null", "null"), ("unkeyed container", "a list"), ("keyed container", "an object")]
        let lowered = description.lowercased()
        guard let range = lowered.range(of: "found ") else { return "" }
        let rest = lowered[range.upperBound...]
        for (needle, name) in kinds where rest.hasPrefix(needle) { return ", not \(name)" }
        return ""
    }
}
