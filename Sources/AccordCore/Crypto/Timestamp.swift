import Foundation

/// A point in time, in whole milliseconds since 1970-01-01T00:00:00Z (UTC).
///
/// On the wire it is RFC 3339 in UTC with exactly three fractional digits:
/// `2026-11-27T03:20:34.123Z`. One spelling per instant keeps signed bytes unambiguous.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public init(_ date: Date) { self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public func adding(seconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds + seconds * 1000) }
    public func adding(hours: Int64) -> Timestamp { adding(seconds: hours * 3600) }
    public func adding(days: Int64) -> Timestamp { adding(seconds: days * 86400) }

    public var description: String { rfc3339 }

    public var rfc3339: String {
        let ms = milliseconds
        var days = ms / 86_400_000
        var rem = ms % 86_400_000
        if rem < 0 {
            rem += 86_400_000
            days -= 1
        }
        let (y, m, d) = Self.civil(fromDays: days)
        let h = rem / 3_600_000
        let mi = rem / 60_000 % 60
        let s = rem / 1000 % 60
        let f = rem % 1000
        func pad(_ v: Int64, _ width: Int) -> String {
            let t = String(v)
            return String(repeating: "0", count: max(0, width - t.count)) + t
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    /// Parses RFC 3339 in UTC (`Z`), with zero to nine fractional digits (kept to the millisecond).
    public init?(rfc3339 text: String) {
        var text = text
        guard let ms = text.withUTF8({ c -> Int64? in
            guard c.count >= 20, c[c.count - 1] == UInt8(ascii: "Z") || c[c.count - 1] == UInt8(ascii: "z"),
                let whole = Self.wholeSeconds(c, lowercaseT: true)
            else { return nil }
            guard let fraction = Self.fraction(c, digits: 3) else { return nil }
            return whole * 1000 + fraction
        }) else { return nil }
        self.milliseconds = ms
    }

    /// Whole seconds since 1970 of the `YYYY-MM-DDTHH:mm:ss` that `c` starts with, or nil when
    /// those 19 bytes are not one or name no calendar day (`2026-02-30`). The `T` is upper case
    /// unless `lowercaseT` (RFC 3339 allows `t`; STIX does not). What follows is the caller's.
    public static func wholeSeconds(_ c: UnsafeBufferPointer<UInt8>, lowercaseT: Bool) -> Int64? {
        guard c.count >= 19, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"),
            c[10] == UInt8(ascii: "T") || (lowercaseT && c[10] == UInt8(ascii: "t")),
            c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":")
        else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r {
                guard isDigit(c[i]) else { return nil }
                v = v * 10 + Int64(c[i] - UInt8(ascii: "0"))
            }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
            let mi = num(14..<16), let s = num(17..<19),
            (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60
        else { return nil }
        let days = days(fromCivil: y, mo, d)
        guard civil(fromDays: days) == (y, mo, d) else { return nil }  // e.g. 2026-02-30
        return ((days * 24 + h) * 60 + mi) * 60 + s
    }

    /// The fraction of a second between byte 19 and the final `Z` of `c` (none, or `.` and 1–9
    /// digits), in units of 10^-`digits` s: later digits are dropped, not rounded. Nil when malformed.
    public static func fraction(_ c: UnsafeBufferPointer<UInt8>, digits: Int) -> Int64? {
        var fraction: Int64 = 0
        var count = 0
        let end = c.count - 1
        if end > 19 {
            guard c[19] == UInt8(ascii: "."), end - 20 >= 1, end - 20 <= 9 else { return nil }
            for i in 20..<end {
                guard isDigit(c[i]) else { return nil }
                if count < digits {
                    fraction = fraction * 10 + Int64(c[i] - UInt8(ascii: "0"))
                    count += 1
                }
            }
        }
        while count < digits {
            fraction *= 10
            count += 1
        }
        return fraction
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let t = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 UTC time: \(text)"))
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }

    // Howard Hinnant's days-from-civil algorithms.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// Where a node reads the time; injected so deadlines and retries are tested without sleeping.
public protocol TimeSource: Sendable {
    func now() -> Timestamp
    /// Waits for `duration` of this source's time: retries, backoffs and schedules use it, so a
    /// test that moves a clock by hand moves them too.
    func sleep(for duration: Duration) async throws
}

extension TimeSource {
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// The system's wall clock.
public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> Timestamp { Timestamp(Date()) }
}
