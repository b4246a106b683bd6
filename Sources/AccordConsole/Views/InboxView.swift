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
        var sortKey: Int64
    }

    public var incoming: [Item]
    public var outgoing: [Item]

    /// Preservation ending within this many days shows as work (ask to extend, or close).
    public static let preservationWarningDays: Int64 = 14

    public static func build(node: Node) async throws -> InboxView {
        let now = node.time.now()
        var incoming: [Item] = [], outgoing: [Item] = []
        for state in try await node.store.openCases() {
            func item(_ action: String, _ code: String, _ counterpart: String, due: Timestamp?) -> Item {
                Item(
                    key: "\(state.id.short)-\(code)-\(counterpart)", caseID: state.id.hex, shortID: state.id.short, kindTitle: state.kind.title,
                    title: state.title, counterpart: counterpart, action: action, due: due?.rfc3339, overdue: due.map { now > $0 } ?? false,
                    urgent: state.urgent, exercise: state.isExercise, sort: due?.rfc3339 ?? "~", sortKey: due?.milliseconds ?? Int64.max)
            }
            if let party = state.parties[node.name] {
                // This node is addressed: its own steps are owed.
                switch party.status {
                case .awaitingAcknowledgement:
                    incoming.append(item("To acknowledge", "ack", state.initiator, due: state.deadlines.acknowledgeBy))
                    if state.kind.takesAnswer { incoming.append(item("To answer", "answer", state.initiator, due: state.deadlines.answerBy)) }
                case .acknowledged, .postponed:
                    if state.kind.takesAnswer { incoming.append(item("To answer", "answer", state.initiator, due: state.deadlines.answerBy)) }
                case .informationRequested:
                    if state.kind.takesAnswer {
                        incoming.append(item("To answer (further information requested)", "answer", state.initiator, due: state.deadlines.answerBy))
                    }
                case .answered:
                    break
                }
                for c in state.conditions where c.to.contains(node.name) && c.responses[node.name] == nil {
                    incoming.append(item("Conditions proposed: accept or decline", "cond\(c.id.short)", c.by, due: state.deadlines.answerBy))
                }
            } else if state.initiator == node.name {
                for r in state.informationRequests where r.to.contains(node.name) && r.answeredBy == nil {
                    outgoing.append(item("Information requested: provide it", "info\(r.id.short)", r.by, due: state.deadlines.answerBy))
                }
                for c in state.conditions where c.to.contains(node.name) && c.responses[node.name] == nil {
                    outgoing.append(item("Conditions proposed: accept or decline", "cond\(c.id.short)", c.by, due: state.deadlines.answerBy))
                }
                if let until = state.deadlines.preserveUntil, until.milliseconds - now.milliseconds < preservationWarningDays * 86_400_000 {
                    outgoing.append(item("Preservation expiring: extend or close", "preserve", state.addressees.joined(separator: ", "), due: until))
                }
                for name in state.addressees {
                    guard let p = state.parties[name] else { continue }
                    if p.status == .awaitingAcknowledgement {
                        outgoing.append(item("Awaiting acknowledgement", "await-ack", name, due: state.deadlines.acknowledgeBy))
                    } else if state.kind.takesAnswer, !p.isSettled {
                        outgoing.append(item("Awaiting answer", "await-answer", name, due: state.deadlines.answerBy))
                    }
                }
            }
        }
        func sorted(_ items: [Item]) -> [Item] { items.sorted { ($0.sortKey, $0.key) < ($1.sortKey, $1.key) } }
        return InboxView(incoming: sorted(incoming), outgoing: sorted(outgoing))
    }
}
