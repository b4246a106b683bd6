import AccordCore
import AccordNode
import AccordStore

/// What needs this node's officers, sorted by deadline: incoming work (to acknowledge, to
/// answer, conditions proposed to us) apart from outgoing (information requested of us,
/// conditions proposed to us, preservation expiring, replies awaited), overdue marked.
public struct InboxView: Sendable, Equatable {
    public struct Item: Sendable, Equatable, Codable {
        /// Stable for one piece of work: the live stream inserts an item only once.
        public var key: String
        public var caseID: String
        public var shortID: String
        public var kindTitle: String
        public var title: String
        public var counterpart: String
        public var action: String
        public var due: String?
        public var overdue: Bool
        public var urgent: Bool
        public var exercise: Bool
        /// Orders items by deadline as text (those without one last).
        public var sort: String
        /// A communication check this node answers with one button, right in the inbox.
        public var answersCheck: Bool = false
        /// The form token of the person viewing, for that button (set by `forViewer`).
        public var csrf: String = ""
    }

    /// The inbox as `role` sees it: a check's answer button for those who sign (officers,
    /// admins), with their form token.
    public func forViewer(csrf: String, role: Role) -> InboxView {
        func mark(_ section: Section) -> Section {
            var s = section
            s.items = section.items.map { item in
                var i = item
                i.answersCheck = i.answersCheck && role >= .officer
                i.csrf = csrf
                return i
            }
            return s
        }
        return InboxView(incoming: mark(incoming), outgoing: mark(outgoing))
    }

    /// One section's page: its items, the section's counts and whether there is more work on
    /// either side of it.
    public struct Section: Sendable, Equatable {
        public var items: [Item]
        public var total: Int
        public var overdue: Int
        /// Nothing comes before this page: its items are numbered from 1.
        public var isFirst: Bool
        public var hasEarlier: Bool
        public var hasLater: Bool
        /// The places just before the first item and just after the last, for the pager's links.
        public var firstPlace: String?
        public var lastPlace: String?
    }

    public var incoming: Section
    public var outgoing: Section

    /// Items per section on one page.
    public static let pageSize = 50

    /// The inbox of `node` at its current time, one page of each section, read from the work
    /// rows kept with each case.
    public static func build(node: Node, incoming incomingPage: InboxPaging = .first, outgoing outgoingPage: InboxPaging = .first, limit: Int = pageSize) async throws -> InboxView {
        let now = node.time.now()
        func section(incoming: Bool, paging: InboxPaging) async throws -> Section {
            let page = try await node.store.inbox(viewer: node.name, incoming: incoming, now: now, paging: paging, limit: limit)
            let items = page.items.map { i in
                let due = i.work.due
                return Item(
                    key: i.work.key(caseID: i.caseID), caseID: i.caseID.hex, shortID: i.caseID.short, kindTitle: i.kind.title, title: i.title,
                    counterpart: i.work.counterpart, action: i.work.action, due: due?.rfc3339, overdue: due.map { now > $0 } ?? false,
                    urgent: i.urgent, exercise: i.exercise, sort: due?.rfc3339 ?? "~", answersCheck: i.kind == .check && i.work.incoming && i.work.code == "ack")
            }
            return Section(
                items: items, total: page.total, overdue: page.overdue, isFirst: !page.hasEarlier, hasEarlier: page.hasEarlier, hasLater: page.hasLater,
                firstPlace: page.items.first.map { InboxCursor($0).token }, lastPlace: page.items.last.map { InboxCursor($0).token })
        }
        return InboxView(incoming: try await section(incoming: true, paging: incomingPage), outgoing: try await section(incoming: false, paging: outgoingPage))
    }

    /// A section's page as the console's query names it: absent for the first, `after:PLACE`
    /// or `before:PLACE` with a place from one of the pager's links.
    public static func paging(_ value: String?, name: String) throws(AccordError) -> InboxPaging {
        guard let value, !value.isEmpty else { return .first }
        if value.hasPrefix("after:"), let c = InboxCursor(token: String(value.dropFirst(6))) { return .after(c) }
        if value.hasPrefix("before:"), let c = InboxCursor(token: String(value.dropFirst(7))) { return .before(c) }
        throw AccordError(.invalidField, "\(name) must be a place in the inbox from one of its links (after:… or before:…)", field: name)
    }

    /// What the inbox template shows of a section: its items, counts and links to the pages
    /// before and after (`param` names the section's place in the query; `other` keeps the
    /// other section where it is).
    public static func context(_ s: Section, param: String, other: (String, String?)) -> [String: Any] {
        func count(_ n: Int) -> String { n > InboxPage.countBound ? "more than \(InboxPage.countBound)" : "\(n)" }
        func link(_ place: String) -> String {
            var query = "\(param)=\(place)"
            if let o = other.1, !o.isEmpty { query += "&\(other.0)=\(o)" }
            return "/console/inbox?" + query
        }
        // Past the first page an item's number is not known (pages are found by place): the
        // page says where its deadlines start instead.
        let shown = s.items.isEmpty || s.isFirst ? "\(s.items.isEmpty ? "0" : "1–\(s.items.count)") of \(count(s.total))"
            : "\(s.items.count) of \(count(s.total)), due from \(s.items[0].due.map { String($0.prefix(10)) } ?? "no deadline")"
        var c: [String: Any] = ["items": s.items, "total": count(s.total), "shown": shown, "paged": s.hasEarlier || s.hasLater]
        if s.overdue > 0 { c["overdue"] = count(s.overdue) }
        if s.hasEarlier {
            // Back to the very first page when the page before it would be the first.
            c["previous"] = s.firstPlace.map { link("before:" + $0) } ?? link("")
        }
        if s.hasLater, let last = s.lastPlace { c["next"] = link("after:" + last) }
        return c
    }
}
