import AccordCore
import Foundation
import GRDB

/// Finding cases: full-text search (SQLite FTS5 over every case event's text), filters by
/// peer, party status, urgency and exercise, and short id prefixes resolved over all ids held.
///
/// The index rows are written in the same transaction as the event or case state they
/// describe (`insertEvent`, `saveCase`), so search never shows a state the store does not hold.
extension SQLiteStore {
    // MARK: Keeping the index

    /// Indexes a case event's text under its sequence number (`events.seq`).
    static func indexEventText(_ db: Database, _ event: Event, seq: Int64) throws {
        guard event.caseID != nil || event.type == .open else { return }
        let text = searchText(of: event)
        guard !text.isEmpty else { return }
        try db.cachedStatement(sql: "INSERT INTO case_text(rowid, text) VALUES (?, ?)").execute(arguments: [seq, text])
    }

    /// The words of an event: its author, addressees and every text in its body, without
    /// the members that hold only ids, times or keys.
    static func searchText(of event: Event) -> String {
        var parts: [String] = [event.origin] + event.to
        func walk(_ value: JSONValue, key: String?) {
            if let key, skippedMembers.contains(key) { return }
            switch value {
            case .string(let s):
                // Long runs without a space are hashes, ids or keys: nothing a person searches for.
                if s.count > 40 && !s.contains(where: \.isWhitespace) { return }
                parts.append(s)
            case .array(let items): for item in items { walk(item, key: nil) }
            case .object(let members): for (k, v) in members.sorted(by: { $0.key < $1.key }) { walk(v, key: k) }
            default: break
            }
        }
        walk(.object(event.body), key: nil)
        return parts.joined(separator: "\n")
    }

    static let skippedMembers: Set<String> = ["deadlines", "in_reply_to", "proposal", "sha256", "key", "wrapped_key", "nonce", "evidence"]

    /// Keeps the per-party rows the filters use in step with a saved case state.
    static func indexCase(_ db: Database, _ state: CaseState) throws {
        let id = Data(state.id.bytes)
        try db.cachedStatement(sql: "DELETE FROM case_parties WHERE case_id = ?").execute(arguments: [id])
        let insert = try db.cachedStatement(sql: "INSERT INTO case_parties(case_id, peer, status) VALUES (?, ?, ?)")
        for (peer, party) in state.parties { try insert.execute(arguments: [id, peer, party.status.rawValue]) }
    }

    /// Fills the index for rows written before it existed (migration v8).
    static func backfillSearch(_ db: Database) throws {
        let cases = try Row.fetchCursor(db, sql: "SELECT state FROM cases")
        while let row = try cases.next() {
            guard let state = try? caseState(row["state"] as Data) else { continue }
            try indexCase(db, state)
            try db.execute(
                sql: "UPDATE cases SET urgent = ?, exercise = ? WHERE id = ?",
                arguments: [state.urgent ? 1 : 0, state.isExercise ? 1 : 0, Data(state.id.bytes)])
        }
        let events = try Row.fetchCursor(db, sql: "SELECT seq, body FROM events WHERE case_id IS NOT NULL")
        while let row = try events.next() {
            guard let event = try? Event(bytes: [UInt8](row["body"] as Data)) else { continue }
            try indexEventText(db, event, seq: row["seq"])
        }
    }

    // MARK: Short ids

    public func ids(withPrefix prefix: IDPrefix, among space: IDSpace, limit: Int) async throws -> [EventID] {
        try await read { db in
            let bounds: [(any DatabaseValueConvertible)?] = [Data(prefix.lowerBound), Data(prefix.upperBound)]
            let sql: String
            var args = bounds
            switch space {
            case .cases:
                sql = "SELECT id FROM cases WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?"
            case .events(let caseID, let type):
                var s = "SELECT id FROM events WHERE id BETWEEN ? AND ?"
                if let caseID {
                    s += " AND case_id = ?"
                    args.append(Data(caseID.bytes))
                }
                if let type {
                    s += " AND type = ?"
                    args.append(type)
                }
                sql = s + " ORDER BY id LIMIT ?"
            }
            args.append(limit)
            return try Data.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { EventID(bytes: [UInt8]($0)) }
        }
    }

    // MARK: Queries

    /// The WHERE clause and arguments of a case query over `cases c`.
    static func filter(_ query: CaseQuery) -> (String, [(any DatabaseValueConvertible)?]) {
        var sql = "1 = 1"
        var args: [(any DatabaseValueConvertible)?] = []
        if let status = query.status {
            sql += " AND c.status = ?"
            args.append(status.rawValue)
        }
        if let kind = query.kind {
            sql += " AND c.kind = ?"
            args.append(kind.rawValue)
        }
        if let urgent = query.urgent {
            sql += " AND c.urgent = ?"
            args.append(urgent ? 1 : 0)
        }
        if let exercise = query.exercise {
            sql += " AND c.exercise = ?"
            args.append(exercise ? 1 : 0)
        }
        switch (query.peer, query.partyStatus) {
        case (let peer?, let status?):
            // That peer's own status in the case (it is an addressee).
            sql += " AND EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id AND p.peer = ? AND p.status = ?)"
            args += [peer, status.rawValue]
        case (let peer?, nil):
            sql += " AND (c.initiator = ? OR EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id AND p.peer = ?))"
            args += [peer, peer]
        case (nil, let status?):
            sql += " AND EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id AND p.status = ?)"
            args.append(status.rawValue)
        case (nil, nil):
            break
        }
        if let text = query.search {
            sql += " AND c.id IN (SELECT e.case_id FROM case_text t JOIN events e ON e.seq = t.rowid WHERE case_text MATCH ?)"
            args.append(SearchQuery.prepare(text))
        }
        return (sql, args)
    }

    /// Cases with a matching event, the case of the newest match first. FTS5 gives its hits in
    /// event order, newest first, without sorting them: a page reads about as many hits as it
    /// lists cases, whether a word is in ten cases or in ten thousand. The other filters are
    /// checked per case found; a filter that excludes most matching cases reads more hits.
    func searchCases(_ query: CaseQuery) async throws -> [CaseState] {
        try await read { db in
            var others = query
            others.search = nil
            let (filter, filterArgs) = Self.filter(others)
            return try Self.searching(query) {
                let hits = try Data.fetchCursor(
                    db,
                    sql: "SELECT e.case_id FROM case_text t CROSS JOIN events e ON e.seq = t.rowid WHERE case_text MATCH ? ORDER BY t.rowid DESC",
                    arguments: [SearchQuery.prepare(query.search ?? "")])
                let state = try db.cachedStatement(sql: "SELECT c.state FROM cases c WHERE c.id = ? AND \(filter)")
                var seen = Set<Data>()
                var skipped = 0
                var found: [CaseState] = []
                while found.count < query.limit, let id = try hits.next() {
                    guard seen.insert(id).inserted, let bytes = try Data.fetchOne(state, arguments: StatementArguments([id] + filterArgs)) else { continue }
                    if skipped < query.offset {
                        skipped += 1
                        continue
                    }
                    found.append(try Self.caseState(bytes))
                }
                return found
            }
        }
    }

    static func isQueryError(_ e: DatabaseError) -> Bool {
        let m = (e.message ?? "").lowercased()
        return ["fts5", "syntax error", "unterminated", "no such column", "unknown special query"].contains { m.contains($0) }
    }

    /// Runs `body`, turning an FTS5 query the index cannot parse into a `400` naming `q`.
    static func searching<T>(_ query: CaseQuery, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as DatabaseError where query.search != nil && isQueryError(e) {
            throw AccordError(
                .invalidField,
                "the search \"\(query.search ?? "")\" is not a valid query (\(e.message ?? "syntax error")); put words in double quotes to search for them as written",
                field: "q")
        }
    }
}

/// A short id as a person types it: 6 to 64 hex digits, the start of one id.
public struct IDPrefix: Sendable, Equatable, CustomStringConvertible {
    /// Shorter prefixes would match too many ids to be useful.
    public static let minimumLength = 6

    public let hex: String

    public init(_ text: String) throws(AccordError) {
        let lowered = text.lowercased()
        guard lowered.count >= Self.minimumLength, lowered.count <= 64, lowered.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            throw AccordError(.invalidField, "\"\(text)\" is not an id: give \(Self.minimumLength) to 64 hex digits of it")
        }
        hex = lowered
    }

    public var description: String { hex }

    /// The smallest and largest 32-byte ids that start with this prefix.
    var lowerBound: [UInt8] { Self.bytes(hex.padding(toLength: 64, withPad: "0", startingAt: 0)) }
    var upperBound: [UInt8] { Self.bytes(hex.padding(toLength: 64, withPad: "f", startingAt: 0)) }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
}

/// Where a short id is looked up.
public enum IDSpace: Sendable, Equatable {
    case cases
    /// Events, optionally only those of one case and of one type.
    case events(case: EventID?, type: String?)
}
