import AccordCore
import AccordStore
import Hummingbird

/// The query of `GET /api/v1/cases`: filters, full-text search, a limit and an offset. An unknown
/// parameter or value is refused with `400` naming it, never ignored.
enum CaseListQuery {
    static let parameters = ["q", "status", "kind", "peer", "party_status", "urgent", "exercise", "limit", "offset"]

    static func parse(_ q: Parameters) throws -> CaseQuery {
        for (name, _) in q where !parameters.contains(String(name)) {
            throw AccordError(.invalidField, "unknown query parameter \"\(name)\"; this list takes \(parameters.joined(separator: ", "))", field: String(name))
        }
        var query = CaseQuery()
        if let s = q.get("status") {
            guard let status = CaseState.Status(rawValue: s) else { throw AccordError(.invalidField, "status is open, withdrawn or closed", field: "status") }
            query.status = status
        }
        if let k = q.get("kind") {
            guard let kind = CaseKind(rawValue: k) else {
                throw AccordError(.invalidField, "unknown case kind \(k); use one of \(CaseKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
            }
            query.kind = kind
        }
        if let p = q.get("peer") {
            guard NodeName.isValid(p) else { throw AccordError(.invalidField, "peer is a node name", field: "peer") }
            query.peer = p
        }
        if let p = q.get("party_status") {
            guard let status = PartyState.Status(rawValue: p) else {
                throw AccordError(
                    .invalidField, "party_status is awaiting_acknowledgement, acknowledged, information_requested, postponed or answered", field: "party_status")
            }
            query.partyStatus = status
        }
        query.urgent = try flag(q, "urgent")
        query.exercise = try flag(q, "exercise")
        if let text = q.get("q") {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 1000 else { throw AccordError(.invalidField, "q is 1–1000 bytes of search text", field: "q") }
            query.search = trimmed
        }
        if let l = q.get("limit") {
            guard let limit = Int(l), (1...10_000).contains(limit) else { throw AccordError(.invalidField, "limit is 1–10000", field: "limit") }
            query.limit = limit
        }
        if let o = q.get("offset") {
            guard let offset = Int(o), (0...10_000_000).contains(offset) else { throw AccordError(.invalidField, "offset is 0–10000000", field: "offset") }
            query.offset = offset
        }
        return query
    }

    static func flag(_ q: Parameters, _ name: String) throws -> Bool? {
        guard let v = q.get(name) else { return nil }
        switch v {
        case "true": return true
        case "false": return false
        default: throw AccordError(.invalidField, "\(name) is true or false", field: name)
        }
    }
}

import Foundation
