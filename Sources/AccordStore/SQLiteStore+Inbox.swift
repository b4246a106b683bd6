import AccordCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Work without a deadline sorts after all work with one.
    static let noDeadline = Int64.max

    /// Keeps a case's work rows in step with its saved state (called by `saveCase`).
    static func indexWork(_ db: Database, _ state: CaseState) throws {
        let id = Data(state.id.bytes)
        try db.cachedStatement(sql: "DELETE FROM case_work WHERE case_id = ?").execute(arguments: [id])
        let work = state.work()
        guard !work.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO case_work(case_id, viewer, incoming, code, counterpart, action, due, show_from, show_until, kind, title, urgent, exercise)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for w in work {
            try insert.execute(arguments: [
                id, w.viewer, w.incoming ? 1 : 0, w.code, w.counterpart, w.action, w.due?.milliseconds ?? noDeadline,
                w.showFrom?.milliseconds ?? 0, w.showUntil?.milliseconds ?? noDeadline, state.kind.rawValue, state.title, state.urgent ? 1 : 0, state.isExercise ? 1 : 0,
            ])
        }
    }

    /// Fills the work rows of cases stored before they existed (migration v10).
    static func backfillWork(_ db: Database) throws {
        let cases = try Row.fetchCursor(db, sql: "SELECT state FROM cases WHERE status = 'open'")
        while let row = try cases.next() {
            guard let state = try? caseState(row["state"] as Data) else { continue }
            try indexWork(db, state)
        }
    }

    public func inbox(viewer: String, incoming: Bool, now: Timestamp, paging: InboxPaging, limit: Int) async throws -> InboxPage {
        try await read { db in
            // ?1 viewer, ?2 incoming, ?3 now: what the section shows at that time.
            let shown = "viewer = ?1 AND incoming = ?2 AND show_from <= ?3 AND show_until >= ?3"
            let args: StatementArguments = [viewer, incoming ? 1 : 0, now.milliseconds]
            let key = "(due, case_id, code, counterpart)"
            func place(_ c: InboxCursor) -> StatementArguments { [c.due, Data(c.caseID.bytes), c.code, c.counterpart] }
            // One more than a page tells whether there is more in the direction read.
            let n = max(0, limit)
            var sql = "SELECT case_id, code, counterpart, action, due, show_from, show_until, kind, title, urgent, exercise FROM case_work INDEXED BY case_work_page WHERE \(shown)"
            var pageArgs = args
            var backwards = false
            switch paging {
            case .first:
                sql += " ORDER BY due, case_id, code, counterpart LIMIT \(n + 1)"
            case .after(let c):
                sql += " AND \(key) > (?4, ?5, ?6, ?7) ORDER BY due, case_id, code, counterpart LIMIT \(n + 1)"
                pageArgs += place(c)
            case .before(let c):
                sql += " AND \(key) < (?4, ?5, ?6, ?7) ORDER BY due DESC, case_id DESC, code DESC, counterpart DESC LIMIT \(n + 1)"
                pageArgs += place(c)
                backwards = true
            }
            var rows = try Row.fetchAll(db, sql: sql, arguments: pageArgs)
            let more = rows.count > n
            rows = Array(rows.prefix(n))
            if backwards { rows.reverse() }
            let items = rows.compactMap { row -> InboxItem? in
                guard let kind = CaseKind(rawValue: row["kind"]) else { return nil }
                let id = EventID(bytes: [UInt8](row["case_id"] as Data))
                let due: Int64 = row["due"], showFrom: Int64 = row["show_from"], showUntil: Int64 = row["show_until"]
                let work = CaseWork(
                    viewer: viewer, incoming: incoming, code: row["code"], action: row["action"], counterpart: row["counterpart"],
                    due: due == Self.noDeadline ? nil : Timestamp(milliseconds: due), showFrom: showFrom == 0 ? nil : Timestamp(milliseconds: showFrom),
                    showUntil: showUntil == Self.noDeadline ? nil : Timestamp(milliseconds: showUntil))
                return InboxItem(caseID: id, work: work, kind: kind, title: row["title"], urgent: row["urgent"] as Int64 != 0, exercise: row["exercise"] as Int64 != 0)
            }
            // Whether anything lies on the other side of the place the page was read from.
            func exists(_ op: String, _ c: InboxCursor) throws -> Bool {
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM case_work INDEXED BY case_work_page WHERE \(shown) AND \(key) \(op) (?4, ?5, ?6, ?7))", arguments: args + place(c)) ?? false
            }
            var page = InboxPage(items: items, total: 0, overdue: 0)
            switch paging {
            case .first: (page.hasEarlier, page.hasLater) = (false, more)
            case .after(let c): (page.hasEarlier, page.hasLater) = (try exists("<=", c), more)
            case .before(let c): (page.hasEarlier, page.hasLater) = (more, try exists(">=", c))
            }
            // Counted through the covering index, up to a bound: past it a section says "more than".
            let bound = InboxPage.countBound + 1
            page.total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM case_work WHERE \(shown) LIMIT \(bound))", arguments: args) ?? 0
            page.overdue = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM case_work WHERE \(shown) AND due < ?3 LIMIT \(bound))", arguments: args) ?? 0
            return page
        }
    }

    public func openCases(withDeadlineBy time: Timestamp) async throws -> [CaseState] {
        try await read { db in
            try Data.fetchAll(
                db,
                sql: """
                    SELECT state FROM cases WHERE id IN (SELECT DISTINCT case_id FROM case_work WHERE due <= ?) AND status = 'open' ORDER BY opened_at
                    """,
                arguments: [time.milliseconds]
            ).map(Self.caseState)
        }
    }

    public func latestEventSequence() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0 }
    }
}
