import AccordCore
import AccordStore
import Foundation

/// What a person asks statistics for, checked: the same parameters for the API
/// (`GET /api/v1/stats`), the console's statistics page and `accord stats`.
public struct StatsRequest: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case json, csv }

    public var from: Timestamp
    public var to: Timestamp
    public var peer: String?
    public var kind: CaseKind?
    public var exercise: StatsQuery.Exercise
    public var format: Format

    /// The period when none is given: the last 90 days.
    public static let defaultDays: Int64 = 90
    /// The longest period one request covers.
    public static let maxDays: Int64 = 3660

    public static let parameters: Set<String> = ["from", "to", "peer", "kind", "exercise", "format"]

    /// Reads `values` (query parameters or a form's fields; an empty value counts as absent).
    /// Each problem is an error naming its parameter; an unknown parameter is one too unless
    /// `ignoring` lists it.
    public static func parse(_ values: [String: String], now: Timestamp, ignoring: Set<String> = []) throws(AccordError) -> StatsRequest {
        if let unknown = values.keys.sorted().first(where: { !parameters.contains($0) && !ignoring.contains($0) }) {
            throw AccordError(.invalidField, "unknown parameter \"\(unknown)\"; statistics take \(parameters.sorted().joined(separator: ", "))", field: unknown)
        }
        func value(_ name: String) -> String? {
            guard let v = values[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        var to = now
        if let text = value("to") {
            guard let t = time(text, endOfDay: true) else {
                throw AccordError(.invalidField, "to must be a date (2026-01-31, to the end of that day) or an RFC 3339 UTC time (2026-01-31T12:00:00Z)", field: "to")
            }
            to = t
        }
        var from = to.adding(days: -defaultDays)
        if let text = value("from") {
            guard let t = time(text, endOfDay: false) else {
                throw AccordError(.invalidField, "from must be a date (2026-01-01, from the start of that day) or an RFC 3339 UTC time (2026-01-01T00:00:00Z)", field: "from")
            }
            from = t
        }
        guard from < to else { throw AccordError(.invalidField, "from must be before to", field: "from") }
        guard to.milliseconds - from.milliseconds <= maxDays * 86_400_000 else {
            throw AccordError(.invalidField, "the period is longer than \(maxDays) days", field: "from")
        }
        var request = StatsRequest(from: from, to: to, peer: nil, kind: nil, exercise: .exclude, format: .json)
        if let p = value("peer") {
            guard NodeName.isValid(p) else { throw AccordError(.invalidField, "peer must be a node name (1–63 lowercase letters, digits, '.' or '-')", field: "peer") }
            request.peer = p
        }
        if let k = value("kind") {
            guard let kind = CaseKind(rawValue: k) else {
                throw AccordError(.invalidField, "kind is one of \(CaseKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
            }
            request.kind = kind
        }
        if let e = value("exercise") {
            guard let x = StatsQuery.Exercise(rawValue: e) else {
                throw AccordError(.invalidField, "exercise is exclude (real cases, the default) or only (exercise cases only)", field: "exercise")
            }
            request.exercise = x
        }
        if let f = value("format") {
            guard let format = Format(rawValue: f) else { throw AccordError(.invalidField, "format is json or csv", field: "format") }
            request.format = format
        }
        return request
    }

    /// `2026-01-31` (the start of the day, or the start of the next one for the end of a period) or RFC 3339.
    static func time(_ text: String, endOfDay: Bool) -> Timestamp? {
        if text.utf8.count == 10, let day = Timestamp(rfc3339: text + "T00:00:00Z") {
            return endOfDay ? day.adding(days: 1) : day
        }
        return Timestamp(rfc3339: text)
    }

    /// The query parameters that ask for the same statistics (links to the CSV and JSON exports).
    public func query(format: Format? = nil) -> String {
        var items = ["from=\(from.rfc3339)", "to=\(to.rfc3339)"]
        if let peer { items.append("peer=\(peer)") }
        if let kind { items.append("kind=\(kind.rawValue)") }
        if exercise != .exclude { items.append("exercise=\(exercise.rawValue)") }
        if let format { items.append("format=\(format.rawValue)") }
        return items.joined(separator: "&")
    }
}

extension Node {
    /// Responsiveness statistics for `request`, seen from this node, at the node's clock.
    public func stats(_ request: StatsRequest) async throws -> StatsReport {
        let now = time.now()
        let query = StatsQuery(me: name, from: request.from, to: request.to, peer: request.peer, kind: request.kind, exercise: request.exercise, now: now)
        return StatsReport(request: request, node: name, generatedAt: now, data: try await store.responsiveness(query))
    }
}
