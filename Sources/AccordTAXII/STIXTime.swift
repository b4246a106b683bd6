import AccordCore
import AccordStore

/// STIX and TAXII timestamps at microsecond precision (`2016-11-01T03:04:05.123456Z`):
/// `date_added` needs it to order many objects added in one millisecond.
public enum STIXTime {
    /// Parses an RFC 3339 UTC timestamp with up to 9 fractional digits (kept to the microsecond).
    public static func micros(_ text: String) -> MicroTime? {
        var text = text
        return text.withUTF8 { c -> MicroTime? in
            guard c.count >= 20, c.count <= 30, c[c.count - 1] == UInt8(ascii: "Z") || c[c.count - 1] == UInt8(ascii: "z"),
                let seconds = Timestamp.wholeSeconds(c, lowercaseT: true)
            else { return nil }
            guard let fraction = Timestamp.fraction(c, digits: 6) else { return nil }
            return seconds * 1_000_000 + fraction
        }
    }

    /// `2016-11-01T03:04:05.123456Z`.
    public static func format(_ micros: MicroTime) -> String {
        let ms = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
        let rest = micros - ms * 1000
        let base = Timestamp(milliseconds: ms).rfc3339  // …ss.mmmZ
        let digits = String(rest)
        return String(base.dropLast()) + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// The version of a STIX object: `modified`, else `created`; nil when it has neither.
    public static func version(of object: JSONValue) -> MicroTime? {
        if let m = object["modified"]?.stringValue { return micros(m) }
        if let c = object["created"]?.stringValue { return micros(c) }
        return nil
    }
}
