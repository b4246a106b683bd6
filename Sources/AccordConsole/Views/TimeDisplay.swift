import AccordCore
import Foundation
import Synchronization

/// Times as the officer reads them: in their own time zone, with UTC beside. The API and the
/// signed events keep UTC; only what the terminal prints changes.
public struct TimeDisplay: Sendable {
    public let zone: TimeZone

    public init(zone: TimeZone) {
        self.zone = zone
    }

    public static let utc = TimeDisplay(zone: TimeZone(identifier: "UTC")!)

    /// The display every command of this process uses (set from `--tz` / `ACCORD_TZ`).
    public static let current = Mutex(TimeDisplay.utc)

    /// `--tz`, else `$ACCORD_TZ`, else `$TZ`, else UTC. An unknown zone is an error naming it.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TimeDisplay {
        let (name, source) = option.map { ($0, "--tz") } ?? environment["ACCORD_TZ"].map { ($0, "ACCORD_TZ") } ?? environment["TZ"].map { ($0, "TZ") } ?? ("UTC", "")
        let trimmed = name.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "", options: .anchored)
        if trimmed.isEmpty { return .utc }
        guard let zone = TimeZone(identifier: trimmed) ?? TimeZone(abbreviation: trimmed) else {
            // The system's TZ may be a file path or a POSIX rule: without a zone of Accord's own, UTC.
            if source == "TZ" { return .utc }
            throw AccordError(.invalidField, "\(source) \"\(name)\" is not a time zone: use an IANA name like Europe/Vienna or America/New_York, or UTC")
        }
        return TimeDisplay(zone: zone)
    }

    public var isUTC: Bool { zone.secondsFromGMT() == 0 && (zone.identifier == "UTC" || zone.identifier == "GMT" || zone.identifier == "Etc/UTC") }

    /// `2026-11-27 10:00 CET (09:00 UTC)`; the UTC date is repeated only when it differs.
    public func format(_ rfc3339: String) -> String {
        guard let t = Timestamp(rfc3339: rfc3339) else { return rfc3339 }
        let date = Date(timeIntervalSince1970: Double(t.milliseconds) / 1000)
        let utcDay = Self.string(date, "yyyy-MM-dd", TimeDisplay.utc.zone), utcTime = Self.string(date, "HH:mm", TimeDisplay.utc.zone)
        if isUTC { return "\(utcDay) \(utcTime) UTC" }
        let localDay = Self.string(date, "yyyy-MM-dd", zone)
        // A lettered abbreviation (CET, JST) where the system has one, else the zone's name.
        let abbreviation = zone.abbreviation(for: date).flatMap { $0.allSatisfy(\.isLetter) ? $0 : nil } ?? zone.identifier
        let local = "\(localDay) \(Self.string(date, "HH:mm", zone)) \(abbreviation)"
        return "\(local) (\(localDay == utcDay ? "" : utcDay + " ")\(utcTime) UTC)"
    }

    static func string(_ date: Date, _ pattern: String, _ zone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = pattern
        return f.string(from: date)
    }
}
