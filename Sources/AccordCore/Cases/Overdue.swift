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

extension CaseState {
    /// What is overdue in this case at `now`, most overdue first.
    public func overdue(at now: Timestamp) -> [OverdueItem] {
        guard status == .open else { return [] }
        var items: [OverdueItem] = []
        func add(_ what: OverdueItem.What, _ party: String, _ due: Timestamp) {
            items.append(OverdueItem(caseID: id, kind: kind, title: title, what: what, owedBy: party, due: due,
                                     overdueSeconds: (now.milliseconds - due.milliseconds) / 1000,
                                     exercise: isExercise ? true : nil, urgent: urgent ? true : nil))
        }
        for name in addressees {
            guard let party = parties[name] else { continue }
            if party.status == .awaitingAcknowledgement && now > deadlines.acknowledgeBy {
                add(.acknowledgement, name, deadlines.acknowledgeBy)
            }
            if kind.takesAnswer, !party.isSettled, let answerBy = deadlines.answerBy, now > answerBy {
                add(.answer, name, answerBy)
            }
        }
        if let until = deadlines.preserveUntil, now > until {
            add(.preservationEnded, initiator, until)
        }
        return items.sorted { $0.due < $1.due }
    }
}
