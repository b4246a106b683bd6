import FuzzSupport
import RawStructuredFieldValues

/// Round trips of RFC 8941 / RFC 9651 structured fields through swift-http-structured-headers.
enum StructuredFieldRoundTrip {
    static func check(_ bytes: [UInt8]) {
        roundTrip(bytes, "dictionary", parse: { var p = StructuredFieldValueParser($0); return try p.parseDictionaryFieldValue() },
                  write: { var s = StructuredFieldValueSerializer(); return try s.writeDictionaryFieldValue($0) })
        roundTrip(bytes, "list", parse: { var p = StructuredFieldValueParser($0); return try p.parseListFieldValue() },
                  write: { var s = StructuredFieldValueSerializer(); return try s.writeListFieldValue($0) })
        roundTrip(bytes, "item", parse: { var p = StructuredFieldValueParser($0); return try p.parseItemFieldValue() },
                  write: { var s = StructuredFieldValueSerializer(); return try s.writeItemFieldValue($0) })
    }

    /// Whatever parses serialises, and what it serialises to is a fixed point: it parses and
    /// serialises to the same bytes. (Values themselves are not compared: a decimal keeps the
    /// scale it was written with, so `1.50` and its serialisation `1.5` parse unequal.)
    static func roundTrip<Value>(
        _ bytes: [UInt8], _ kind: String, parse: ([UInt8]) throws -> Value, write: (Value) throws -> [UInt8]
    ) {
        guard let value = try? parse(bytes) else { return }
        let text = String(decoding: bytes, as: UTF8.self).debugDescription
        guard let written = try? write(value) else {
            FuzzCheck.require(false, "a parsed \(kind) does not serialise: \(text)")
            return
        }
        let shown = String(decoding: written, as: UTF8.self).debugDescription
        guard let again = try? parse(written) else {
            FuzzCheck.require(false, "a \(kind) does not parse as serialised: \(text) -> \(shown)")
            return
        }
        FuzzCheck.require((try? write(again)) == written, "a serialised \(kind) serialises differently once parsed: \(text) -> \(shown)")
    }
}
