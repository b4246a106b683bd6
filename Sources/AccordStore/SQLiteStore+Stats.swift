import AccordCore
import Foundation
import GRDB

/// Responsiveness statistics: one `case_timings` row per case and addressed party, written in
/// the transaction that stores the case's state (`saveCase`), read in one pass over
/// one index range and added up here.
extension SQLiteStore {
    // MARK: Keeping the table

    /// Rewrites the timing rows of a saved case state: one per addressee the state has a party for.
    static func indexTimings(_ db: Database, _ state: CaseState) throws {
        let id = Data(state.id.bytes)
        try db.cachedStatement(sql: "DELETE FROM case_timings WHERE case_id = ?").execute(arguments: [id])
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO case_timings(case_id, peer, kind, initiator, opened_at, ack_at, ack_due, answered_at, answer_due, outcome, grounds, exercise, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for name in state.addressees {
            guard let party = state.parties[name] else { continue }
            let final = party.answer.flatMap { $0.outcome.isFinal ? $0.at.milliseconds : nil }
            let grounds = party.answer.flatMap { a in a.grounds.isEmpty ? nil : "[" + a.grounds.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]" }
            try insert.execute(arguments: [
                id, name, state.kind.rawValue, state.initiator, state.openedAt.milliseconds,
                party.acknowledgedAt?.milliseconds, state.deadlines.acknowledgeBy.milliseconds,
                final, state.deadlines.answerBy?.milliseconds, party.answer?.outcome.rawValue, grounds,
                state.isExercise ? 1 : 0, state.status.rawValue,
            ])
        }
    }

    /// Fills the table from the case states stored before it existed (migration v11).
    static func backfillTimings(_ db: Database) throws {
        let cases = try Row.fetchCursor(db, sql: "SELECT state FROM cases")
        while let row = try cases.next() {
            guard let state = try? caseState(row["state"] as Data) else { continue }
            try indexTimings(db, state)
        }
    }

    /// Stores case states in one transaction through the same path as received ones (the
    /// `cases` row, the parties' and the timing rows): for importing history and for seeding
    /// benchmarks. No event is written.
    public func importCaseStates(_ states: [CaseState]) async throws {
        try await write { db in
            let encoder = JSONEncoder()
            for state in states { try Self.saveCase(db, state, encoder: encoder) }
        }
    }

    // MARK: Reading

    public func responsiveness(_ query: StatsQuery) async throws -> StatsData {
        try await read { db in try Self.responsiveness(db, query) }
    }

    /// The query's rows, seen from this node: `dir` 0 for sent, 1 for received; `who` the
    /// counterpart. One contiguous range of `case_timings_by_period`, which holds every column.
    static func timingRows(_ q: StatsQuery) -> (String, [(any DatabaseValueConvertible)?]) {
        var sql = """
            SELECT CASE WHEN initiator = ? THEN 0 ELSE 1 END, CASE WHEN initiator = ? THEN peer ELSE initiator END,
                   kind, opened_at, ack_at, ack_due, answered_at, answer_due, outcome, grounds, status
            FROM case_timings INDEXED BY case_timings_by_period
            WHERE exercise = ? AND opened_at >= ? AND opened_at < ? AND initiator <> peer AND (initiator = ? OR peer = ?)
            """
        var args: [(any DatabaseValueConvertible)?] = [q.me, q.me, q.exercise == .only ? 1 : 0, q.from.milliseconds, q.to.milliseconds, q.me, q.me]
        if let kind = q.kind {
            sql += " AND kind = ?"
            args.append(kind.rawValue)
        }
        if let peer = q.peer {
            sql += " AND ((initiator = ? AND peer = ?) OR (peer = ? AND initiator = ?))"
            args += [q.me, peer, q.me, peer]
        }
        return (sql, args)
    }

    /// Durations are packed above their cell's number (`milliseconds << 20 | cell`), so that
    /// sorting plain integers sorts them by duration.
    static let cellBits: Int64 = 20

    /// One pass over the period's rows: counts per (direction, counterpart, kind) cell, outcomes,
    /// refusal grounds, and the acknowledge and answer durations sorted once at the end.
    static func responsiveness(_ db: Database, _ q: StatsQuery) throws -> StatsData {
        let (sql, args) = timingRows(q)
        let now = q.now.milliseconds
        struct Key: Hashable {
            var dir: Int
            var who: String
            var kind: String
        }
        var index: [Key: Int] = [:]
        var keys: [Key] = []
        var counts: [StatsCounts] = []
        var acknowledge: [Int64] = []
        var answer: [Int64] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        while let row = try rows.next() {
            let key = Key(dir: row[0], who: row[1], kind: row[2])
            let cell: Int
            if let i = index[key] {
                cell = i
            } else {
                cell = keys.count
                index[key] = cell
                keys.append(key)
                counts.append(StatsCounts())
            }
            // An unknown kind (written by a later version) keeps its cell but is not counted.
            guard CaseKind(rawValue: key.kind) != nil else { continue }
            let timing = Timing(
                openedAt: row[3], ackAt: row[4], ackDue: row[5], answeredAt: row[6], answerDue: row[7],
                outcome: row[8], grounds: row[9], status: row[10])
            timing.count(into: &counts[cell], now: now)  // in place: a copy would copy its dictionaries
            if let d = timing.acknowledgeMilliseconds { acknowledge.append(d << cellBits | Int64(cell)) }
            if let d = timing.answerMilliseconds { answer.append(d << cellBits | Int64(cell)) }
        }
        // Cells in (direction, counterpart, kind) order, as byte strings compare.
        let order = keys.indices.sorted {
            let a = keys[$0], b = keys[$1]
            if a.dir != b.dir { return a.dir < b.dir }
            if a.who != b.who { return a.who.utf8.lexicographicallyPrecedes(b.who.utf8) }
            return a.kind.utf8.lexicographicallyPrecedes(b.kind.utf8)
        }
        var rank = [Int](repeating: 0, count: keys.count)
        for (r, i) in order.enumerated() { rank[i] = r }
        var data = StatsData()
        data.cells = order.map { i in
            StatsCell(direction: keys[i].dir == 0 ? .sent : .received, counterpart: keys[i].who, kind: CaseKind(rawValue: keys[i].kind) ?? .notification)
        }
        data.counts = order.map { counts[$0] }
        let mask = (Int64(1) << cellBits) - 1
        func sorted(_ packed: inout [Int64]) -> [(cell: Int, ms: Int64)] {
            packed.sort()
            return packed.map { (rank[Int($0 & mask)], $0 >> cellBits) }
        }
        data.acknowledgeMilliseconds = sorted(&acknowledge)
        data.answerMilliseconds = sorted(&answer)
        return data
    }

    /// One `case_timings` row: a request to one addressed party.
    struct Timing {
        var openedAt: Int64
        var ackAt: Int64?
        var ackDue: Int64
        var answeredAt: Int64?
        var answerDue: Int64?
        var outcome: String?
        var grounds: String?
        var status: String

        /// Adds this request to its cell's counts; "decided" and "overdue" are judged at `now`.
        func count(into n: inout StatsCounts, now: Int64) {
            let live = status != "withdrawn", open = status == "open"
            n.requests += 1
            if let ackAt {
                n.acknowledged += 1
                if ackAt <= ackDue { n.acknowledgedInTime += 1 }
            }
            if ackAt != nil || (live && ackDue < now) { n.acknowledgementDecided += 1 }
            if open, ackAt == nil, ackDue < now { n.overdueAcknowledgement += 1 }
            if let answeredAt {
                n.answered += 1
                if let answerDue, answeredAt <= answerDue { n.answeredInTime += 1 }
            }
            if let answerDue {
                n.answerOwed += 1
                if answeredAt != nil || (live && answerDue < now) { n.answerDecided += 1 }
                if open, answeredAt == nil, answerDue < now { n.overdueAnswer += 1 }
            }
            if let outcome {
                n.outcomes[outcome, default: 0] += 1
                if outcome == "refused", let grounds {
                    for g in SQLiteStore.groundList(grounds) { n.refusalGrounds[g, default: 0] += 1 }
                }
            }
        }

        /// From opening to acknowledgement, when acknowledged (and not before it was opened).
        var acknowledgeMilliseconds: Int64? { ackAt.flatMap { $0 >= openedAt ? $0 - openedAt : nil } }
        /// From opening to the final answer.
        var answerMilliseconds: Int64? { answeredAt.flatMap { $0 >= openedAt ? $0 - openedAt : nil } }
    }

    /// The refusal grounds of a `case_timings` row: a JSON array of strings, as `indexTimings`
    /// writes it (grounds are plain identifiers); anything else is read by the JSON decoder.
    static func groundList(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        if !bytes.contains(UInt8(ascii: "\\")), bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
            let inner = bytes.dropFirst().dropLast()
            if inner.isEmpty { return [] }
            var out: [String] = []
            for part in inner.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                guard part.count >= 2, part.first == UInt8(ascii: "\""), part.last == UInt8(ascii: "\""),
                      !part.dropFirst().dropLast().contains(UInt8(ascii: "\""))
                else { return (try? JSONDecoder().decode([String].self, from: Data(bytes))) ?? [] }
                out.append(String(decoding: part.dropFirst().dropLast(), as: UTF8.self))
            }
            return out
        }
        return (try? JSONDecoder().decode([String].self, from: Data(bytes))) ?? []
    }
}
