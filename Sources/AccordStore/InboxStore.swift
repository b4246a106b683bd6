import AccordCore

/// One item of a participant's inbox, as stored beside its case.
public struct InboxItem: Sendable, Equatable {
    public var caseID: EventID
    public var work: CaseWork
    public var kind: CaseKind
    public var title: String
    public var urgent: Bool
    public var exercise: Bool

    public init(caseID: EventID, work: CaseWork, kind: CaseKind, title: String, urgent: Bool, exercise: Bool) {
        self.caseID = caseID
        self.work = work
        self.kind = kind
        self.title = title
        self.urgent = urgent
        self.exercise = exercise
    }
}

/// A place in one inbox section's order (deadline, then case, work and counterpart): where a
/// page starts or ends. Pages are found by this key, not by counting items, so a page deep in
/// 100,000 costs what the first does.
public struct InboxCursor: Sendable, Equatable {
    public var due: Int64
    public var caseID: EventID
    public var code: String
    public var counterpart: String

    public init(due: Int64, caseID: EventID, code: String, counterpart: String) {
        self.due = due
        self.caseID = caseID
        self.code = code
        self.counterpart = counterpart
    }

    /// The place of `item`.
    public init(_ item: InboxItem) {
        self.init(due: item.work.due?.milliseconds ?? Int64.max, caseID: item.caseID, code: item.work.code, counterpart: item.work.counterpart)
    }

    /// For a link: base64url (no padding) of the four parts, one per line.
    public var token: String {
        let text = "\(due)\n\(caseID.hex)\n\(code)\n\(counterpart)"
        return Encoding.base64url(text.utf8)
    }

    /// Reads a token made by `token`; nil for anything else.
    public init?(token: String) {
        guard token.utf8.count <= 512, let bytes = Encoding.unbase64url(token), let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard parts.count == 4, let due = Int64(parts[0]), let id = EventID(hex: String(parts[1])), !parts[2].isEmpty else { return nil }
        self.init(due: due, caseID: id, code: String(parts[2]), counterpart: String(parts[3]))
    }
}

/// Which page of a section: the first, the one after a place, or the one before it.
public enum InboxPaging: Sendable, Equatable {
    case first
    case after(InboxCursor)
    case before(InboxCursor)
}

/// One page of one inbox section, earliest deadline first (work without a deadline last).
public struct InboxPage: Sendable, Equatable {
    public var items: [InboxItem]
    /// Whether the section holds work before the first item and after the last.
    public var hasEarlier = false
    public var hasLater = false
    /// Items in the section at the time asked, on every page, counted up to `countBound + 1`
    /// (more than the bound: "more than 10,000").
    public var total: Int
    /// Items in the section whose deadline has passed, counted the same way.
    public var overdue: Int

    /// Counting stops past this many, so a page costs the same with a million items.
    public static let countBound = 10_000

    public init(items: [InboxItem], hasEarlier: Bool = false, hasLater: Bool = false, total: Int, overdue: Int) {
        self.items = items
        self.hasEarlier = hasEarlier
        self.hasLater = hasLater
        self.total = total
        self.overdue = overdue
    }
}

/// The inbox and deadline reads, answered from the work rows kept with each case
/// (`CaseState.work()`), so their cost follows the page, not the number of cases held.
public protocol InboxStore: Sendable {
    /// Up to `limit` items of `viewer`'s incoming or outgoing work shown at `now`, earliest
    /// deadline first: the first page, or the page just after or just before a place.
    func inbox(viewer: String, incoming: Bool, now: Timestamp, paging: InboxPaging, limit: Int) async throws -> InboxPage
    /// The open cases with a deadline at or before `time`: what a deadline scan needs to read.
    func openCases(withDeadlineBy time: Timestamp) async throws -> [CaseState]
    /// Grows whenever an event is stored: a cheap question for "has anything changed?".
    func latestEventSequence() async throws -> Int64
}
