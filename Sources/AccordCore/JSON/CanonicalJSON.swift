/// RFC 8785 JSON Canonicalization Scheme (JCS).
///
/// Members sorted by their names' UTF-16 code units, no insignificant whitespace, strings
/// with the minimal escaping of ECMAScript's `JSON.stringify`, numbers in ECMAScript's
/// `Number.prototype.toString` form.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// The canonical bytes of an object, and the bytes its member `name` takes up with one
    /// separating comma: removing that range leaves the canonical form of the object without
    /// the member (members stay sorted, commas stay single). The range is empty when the object
    /// has no such member.
    public static func encode(object members: [String: JSONValue], marking name: String) -> (bytes: [UInt8], member: Range<Int>) {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        let keys = sortedKeys(members)
        var member = 0..<0
        for (i, key) in keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            let start = out.count
            writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            write(members[key]!, into: &out)
            if key == name {
                // With the comma after it, or, as the last of several, with the comma before it.
                member = i + 1 < keys.count ? start..<(out.count + 1) : (i > 0 ? (start - 1)..<out.count : start..<out.count)
            }
        }
        out.append(UInt8(ascii: "}"))
        return (out, member)
    }

    /// The canonical form as a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .number(let n): out.append(contentsOf: formatNumber(n).utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = sortedKeys(members)
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// An object's member names in RFC 8785 order.
    static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        // ASCII-only names (nearly all) compare the same in UTF-8 and UTF-16: check once, not per comparison.
        if members.keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) {
            return members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        return members.keys.sorted(by: utf16Less)
    }

    /// Orders strings by UTF-16 code units, as RFC 8785 §3.2.3 requires.
    static func utf16Less(_ a: String, _ b: String) -> Bool {
        // ASCII-only names compare the same in UTF-8 and UTF-16; avoid the slower path then.
        if a.utf8.allSatisfy({ $0 < 0x80 }) && b.utf8.allSatisfy({ $0 < 0x80 }) {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// ECMAScript `Number.prototype.toString` for a finite double (ECMA-262 §6.1.6.1.20).
    public static func formatNumber(_ value: Double) -> String {
        precondition(value.isFinite, "JCS has no form for NaN or infinity")
        if value == 0 { return "0" }
        let negative = value < 0
        // Swift's description gives the shortest digits that round-trip, as ECMAScript requires.
        let text = String(describing: abs(value))
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits = ""
        var pointPosition: Int? = nil
        for ch in mantissa {
            if ch == "." {
                pointPosition = digits.count
            } else {
                digits.append(ch)
            }
        }
        var n = (pointPosition ?? digits.count) + exponent
        // Strip leading zeros (each shifts the point) and trailing zeros.
        while digits.hasPrefix("0") {
            digits.removeFirst()
            n -= 1
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        let k = digits.count
        var result = negative ? "-" : ""
        if k <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            let i = digits.index(digits.startIndex, offsetBy: n)
            result += digits[..<i] + "." + digits[i...]
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            let first = digits.prefix(1)
            let rest = digits.dropFirst()
            result += first + (rest.isEmpty ? "" : "." + rest) + "e" + sign + String(abs(e))
        }
        return result
    }
}
