/// Something owed in a case whose deadline has passed.
public struct OverdueItem: Sendable, Codable, Equatable {
    public enum What: String, Sendable, Codable {
        case acknowledgement
        case answer
        /// The preservation period has ended while the case is still open.
        case preservationEnded = "preservation_ended"
    }

    public var caseID: EventID
    public var kind: CaseKind
    public var title: String
    public var what: What
    /// The node that owes it.
    public var owedBy: String
    public var due: Timestamp
    public var overdueSeconds: Int64
    /// The case is an exercise: the lapse is a drill's, shown as such and kept out of statistics.
    public var exercise: Bool?
    public var urgent: Bool?

    enum CodingKeys: String, CodingKey {
        case kind, title, what, due, exercise, urgent
        case caseID = "case"
        case owedBy = "owed_by"
        case overdueSeconds = "overdue_seconds"
    }
}

/// A deadline someone owes in an open case, passed or not.
public struct OwedDeadline: Sendable, Equatable {
    public var what: OverdueItem.What
    public var owedBy: String
    public var due: Timestamp
}

extension CaseState {
    /// Every deadline owed in this case while it is open: each addressee's acknowledgement and
    /// answer not yet given, and the end of preservation (owed by the initiator). The one
    /// reading of deadlines behind `overdue(at:)` and the deadline notifications.
    public func owedDeadlines() -> [OwedDeadline] {
        guard status == .open else { return [] }
        var items: [OwedDeadline] = []
        for name in addressees {
            guard let party = parties[name] else { continue }
            if party.status == .awaitingAcknowledgement { items.append(OwedDeadline(what: .acknowledgement, owedBy: name, due: deadlines.acknowledgeBy)) }
            if kind.takesAnswer, !party.isSettled, let answerBy = deadlines.answerBy { items.append(OwedDeadline(what: .answer, owedBy: name, due: answerBy)) }
        }
        if let until = deadlines.preserveUntil { items.append(OwedDeadline(what: .preservationEnded, owedBy: initiator, due: until)) }
        return items
    }

    /// What is overdue in this case at `now`, most overdue first.
    public func overdue(at now: Timestamp) -> [OverdueItem] {
        owedDeadlines().filter { now > $0.due }.map { d in
            OverdueItem(caseID: id, kind: kind, title: title, what: d.what, owedBy: d.owedBy, due: d.due,
                        overdueSeconds: (now.milliseconds - d.due.milliseconds) / 1000,
                        exercise: isExercise ? true : nil, urgent: urgent ? true : nil)
        }.sorted { $0.due < $1.due }
    }
}
