/// One piece of work a case asks of one of its participants, as the inbox shows it: incoming
/// work is what the participant owes as an addressee, outgoing work is what it owes or awaits
/// as the initiator. A store keeps these rows beside the case so an inbox is one index range,
/// earliest deadline first, whatever the number of cases.
public struct CaseWork: Sendable, Equatable {
    /// The participant whose inbox shows it.
    public var viewer: String
    public var incoming: Bool
    /// Names the kind of work in the item's key ("ack", "answer", "info<id>", ...).
    public var code: String
    public var action: String
    public var counterpart: String
    public var due: Timestamp?
    /// Shown only from this time on (a preservation's end is work from two weeks before it).
    public var showFrom: Timestamp?
    /// Shown only until this time (a communication check cannot be answered after its expiry,
    /// so it leaves the inbox then).
    public var showUntil: Timestamp?

    public init(viewer: String, incoming: Bool, code: String, action: String, counterpart: String, due: Timestamp?, showFrom: Timestamp?, showUntil: Timestamp? = nil) {
        self.viewer = viewer
        self.incoming = incoming
        self.code = code
        self.action = action
        self.counterpart = counterpart
        self.due = due
        self.showFrom = showFrom
        self.showUntil = showUntil
    }

    /// Stable for one piece of work in one case: the live inbox inserts an item only once.
    public func key(caseID: EventID) -> String { "\(caseID.short)-\(code)-\(counterpart)" }
}

extension CaseState {
    /// Preservation ending within this many days shows as work (ask to extend, or close).
    public static let preservationWarningDays: Int64 = 14

    /// The inbox work this case asks of each participant while it is open (none once it is
    /// closed or withdrawn).
    public func work() -> [CaseWork] {
        guard status == .open else { return [] }
        var out: [CaseWork] = []
        func add(_ viewer: String, incoming: Bool, _ action: String, _ code: String, _ counterpart: String, due: Timestamp?, showFrom: Timestamp? = nil,
                 showUntil: Timestamp? = nil) {
            out.append(CaseWork(viewer: viewer, incoming: incoming, code: code, action: action, counterpart: counterpart, due: due, showFrom: showFrom, showUntil: showUntil))
        }
        // Each addressee: its own steps are owed.
        for name in addressees {
            guard let party = parties[name] else { continue }
            switch party.status {
            case .awaitingAcknowledgement where kind == .check:
                // A check is answered by a person until it expires; then it leaves the inbox.
                add(name, incoming: true, "To answer (communication check)", "ack", initiator, due: deadlines.acknowledgeBy, showUntil: deadlines.acknowledgeBy)
            case .awaitingAcknowledgement:
                add(name, incoming: true, "To acknowledge", "ack", initiator, due: deadlines.acknowledgeBy)
                if kind.takesAnswer { add(name, incoming: true, "To answer", "answer", initiator, due: deadlines.answerBy) }
            case .acknowledged, .postponed:
                if kind.takesAnswer { add(name, incoming: true, "To answer", "answer", initiator, due: deadlines.answerBy) }
            case .informationRequested:
                if kind.takesAnswer { add(name, incoming: true, "To answer (further information requested)", "answer", initiator, due: deadlines.answerBy) }
            case .answered:
                break
            }
            for c in conditions where c.to.contains(name) && c.responses[name] == nil {
                add(name, incoming: true, "Conditions proposed: accept or decline", "cond\(c.id.short)", c.by, due: deadlines.answerBy)
            }
        }
        // The initiator: what it is asked for, and what it awaits.
        for r in informationRequests where r.to.contains(initiator) && r.answeredBy == nil {
            add(initiator, incoming: false, "Information requested: provide it", "info\(r.id.short)", r.by, due: deadlines.answerBy)
        }
        for c in conditions where c.to.contains(initiator) && c.responses[initiator] == nil {
            add(initiator, incoming: false, "Conditions proposed: accept or decline", "cond\(c.id.short)", c.by, due: deadlines.answerBy)
        }
        if let until = deadlines.preserveUntil {
            add(initiator, incoming: false, "Preservation expiring: extend or close", "preserve", addressees.joined(separator: ", "), due: until,
                showFrom: Timestamp(milliseconds: until.milliseconds - Self.preservationWarningDays * 86_400_000))
        }
        for name in addressees {
            guard let p = parties[name] else { continue }
            if p.status == .awaitingAcknowledgement, kind == .check {
                add(initiator, incoming: false, "Awaiting an answer to the check", "await-ack", name, due: deadlines.acknowledgeBy, showUntil: deadlines.acknowledgeBy)
            } else if p.status == .awaitingAcknowledgement {
                add(initiator, incoming: false, "Awaiting acknowledgement", "await-ack", name, due: deadlines.acknowledgeBy)
            } else if kind.takesAnswer, !p.isSettled {
                add(initiator, incoming: false, "Awaiting answer", "await-answer", name, due: deadlines.answerBy)
            }
        }
        return out
    }
}
