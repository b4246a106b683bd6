import AccordCore
import AccordNode
import AccordStore

/// Everything a person needs to read a case: every field of the request and of every step, the
/// timeline with signer, claimed and received times, delivery and receipt state per addressee,
/// and the deadlines. One content model for the web console and `accord case show` (through
/// `GET /api/v1/cases/{id}/view`), so both show the same.
public struct CaseView: Sendable, Codable, Equatable {
    public struct Line: Sendable, Codable, Equatable {
        /// The field's name as signed (`offence`).
        public var name: String
        /// What it is, for a person.
        public var label: String
        public var value: String
    }

    public struct Deadline: Sendable, Codable, Equatable {
        public var name: String
        public var label: String
        public var due: String
        public var overdue: Bool
    }

    public struct Party: Sendable, Codable, Equatable {
        public var name: String
        public var status: String
        public var acknowledgedAt: String?
        /// Attested reply times: "acknowledged 2026-… (received …, late)".
        public var timing: [String]
        public var answer: [Line]
    }

    public struct Delivery: Sendable, Codable, Equatable {
        public var peer: String
        /// delivered, pending, parked (refused or held back), received here.
        public var state: String
    }

    public struct Step: Sendable, Codable, Equatable {
        public var event: String
        public var type: String
        public var title: String
        public var signer: String
        public var to: [String]
        public var claimedAt: String
        public var receivedAt: String?
        public var backdated: Bool
        public var summary: String
        public var fields: [Line]
        public var deliveries: [Delivery]
        /// For a received event: whether this node holds a proof that it is in its author's witnessed log.
        public var inclusionProof: String?
    }

    public var id: String
    public var shortID: String
    public var kind: String
    public var kindTitle: String
    public var title: String
    public var status: String
    public var initiator: String
    public var addressees: [String]
    public var openedAt: String
    public var urgent: Bool
    /// Signed as an exercise by the initiator: shown with a banner everywhere.
    public var exercise: Bool
    public var norms: [Line]
    /// Cited treaty articles: name `budapest:29`, label the treaty and article, value its title.
    public var bases: [Line]
    public var fields: [Line]
    public var deadlines: [Deadline]
    public var parties: [Party]
    public var informationRequests: [Line]
    public var conditions: [Line]
    public var steps: [Step]
}

extension CaseView {
    static let stepTitles: [EventType: String] = [
        .open: "Opened", .acknowledge: "Acknowledged", .requestInformation: "Further information requested",
        .provideInformation: "Information provided", .answer: "Answered", .extend: "Extended", .withdraw: "Withdrawn", .close: "Closed",
        .proposeConditions: "Conditions proposed", .acceptConditions: "Conditions accepted", .declineConditions: "Conditions declined",
        .evidenceAdded: "Evidence added", .evidenceCustody: "Evidence custody",
    ]

    static let stepLabels: [String: String] = [
        "note": "Note", "questions": "Questions", "information": "Information", "in_reply_to": "In reply to request",
        "outcome": "Outcome", "grounds": "Grounds", "reason": "Reason", "details": "Details", "answer_by": "New answer deadline",
        "preserve_until": "Preserve until", "conditions": "Conditions", "proposal": "Conditions proposal",
        "kind": "Kind", "title": "Title", "urgent": "Urgent", "norms": "Norms cited",
    ]

    static let deadlineLabels: [String: String] = [
        "acknowledge_by": "Acknowledge by", "answer_by": "Answer by", "preserve_until": "Preserve until",
    ]

    /// A JSON value as one line of text for a person.
    static func text(_ value: JSONValue) -> String {
        if let s = value.stringValue { return s }
        if let b = value.boolValue { return b ? "yes" : "no" }
        if let list = value.arrayValue { return list.map(text).joined(separator: "; ") }
        if let n = value.doubleValue { return n == n.rounded() ? String(Int64(n)) : String(n) }
        if value.isNull { return "" }
        return PrettyJSON.string(value)
    }

    /// Lines for a step's body, in a stable order; nested `fields` and `deadlines` of an opening
    /// step are listed with the case.
    static func lines(_ body: [String: JSONValue]) -> [Line] {
        body.keys.sorted().compactMap { key in
            guard key != "fields", key != "deadlines", let value = body[key], !value.isNull else { return nil }
            return Line(name: key, label: stepLabels[key] ?? key, value: text(value))
        }
    }

    /// Builds the view of case `id` from what `node` holds.
    public static func build(_ id: EventID, node: Node) async throws -> CaseView {
        let store = node.store
        let detail = try await node.caseDetail(id)
        let state = detail.state
        let events = try await store.events(inCase: id)
        let now = node.time.now()
        // Delivery of this node's own events: each addressee's cursor and its parked events.
        var delivered: [String: Int64] = [:]
        for d in try await store.deliveryStatus() { delivered[d.peer] = d.delivered }
        var parked: [String: Set<EventID>] = [:]
        for peer in state.participants where peer != node.name {
            parked[peer] = Set(try await store.parkedDeliveries(peer: peer).map(\.event))
        }

        let kindSpecs = Dictionary(uniqueKeysWithValues: state.kind.fields.map { ($0.name, $0) })
        var fields: [Line] = []
        for spec in state.kind.fields {
            guard let value = state.fields[spec.name], !value.isNull else { continue }
            fields.append(Line(name: spec.name, label: spec.help, value: text(value)))
        }
        for key in state.fields.keys.sorted() where kindSpecs[key] == nil {
            fields.append(Line(name: key, label: key, value: text(state.fields[key]!)))
        }

        var deadlines: [Deadline] = []
        func deadline(_ name: String, _ t: Timestamp?, owed: Bool) {
            guard let t else { return }
            deadlines.append(Deadline(name: name, label: deadlineLabels[name] ?? name, due: t.rfc3339, overdue: owed && state.status == .open && now > t))
        }
        let anyUnacknowledged = state.parties.values.contains { $0.status == .awaitingAcknowledgement }
        let anyUnanswered = state.kind.takesAnswer && state.parties.values.contains { !$0.isSettled }
        deadline("acknowledge_by", state.deadlines.acknowledgeBy, owed: anyUnacknowledged)
        deadline("answer_by", state.deadlines.answerBy, owed: anyUnanswered)
        deadline("preserve_until", state.deadlines.preserveUntil, owed: true)

        let timings = Dictionary(uniqueKeysWithValues: detail.timing.map { ($0.party, $0) })
        let checkDeliveries = state.kind == .check && state.initiator == node.name ? try await store.checkDeliveries([id])[id] ?? [:] : [:]
        var parties: [Party] = []
        for name in state.addressees {
            guard let p = state.parties[name] else { continue }
            var timing: [String] = []
            func describe(_ what: String, _ r: ReplyTiming.Reply?) {
                guard let r else { return }
                var s = "\(what) \(r.attested.rfc3339) (claimed \(r.claimed.rfc3339), received \(r.received.rfc3339)"
                if let w = r.witnessedBy { s += ", witnessed by \(w.rfc3339)" }
                s += String(format: ", after %.0f s", r.responseSeconds)
                if r.late { s += ", LATE" }
                if r.backdated { s += ", BACKDATED" }
                timing.append(s + ")")
            }
            describe("acknowledged", timings[name]?.acknowledgement)
            describe("answered", timings[name]?.answer)
            if state.kind == .check {
                // The check's own measures (docs/protocol.md §5.4): the person's answer apart from delivery.
                if let at = checkDeliveries[name] {
                    timing.append(String(format: "check delivered to its node %@ (after %.1f s): transport acknowledgement", at.rfc3339,
                                         Double(at.milliseconds - state.openedAt.milliseconds) / 1000))
                }
                if let seconds = state.checkAnswerSeconds(of: name) {
                    timing.append(String(format: "check answered by a person after %.1f s (signed times)", seconds))
                } else if state.checkStatus(at: now) == .expired {
                    timing.append("check expired \(state.deadlines.acknowledgeBy.rfc3339) without an answer")
                }
            }
            var answer: [Line] = []
            if let a = p.answer {
                answer.append(Line(name: "outcome", label: "Outcome", value: a.outcome.rawValue))
                if !a.grounds.isEmpty { answer.append(Line(name: "grounds", label: "Grounds", value: a.grounds.map(\.rawValue).joined(separator: ", "))) }
                if let r = a.reason { answer.append(Line(name: "reason", label: "Reason", value: r)) }
                if let d = a.details { answer.append(Line(name: "details", label: "Details", value: d)) }
                answer.append(Line(name: "at", label: "Signed at", value: a.at.rfc3339))
            }
            parties.append(Party(name: name, status: p.status.rawValue.replacingOccurrences(of: "_", with: " "), acknowledgedAt: p.acknowledgedAt?.rfc3339, timing: timing, answer: answer))
        }

        let requests = state.informationRequests.map { r in
            Line(name: r.id.hex, label: "\(r.by) → \(r.to.joined(separator: ", ")) at \(r.at.rfc3339)" + (r.answeredBy.map { " (answered by \($0.short))" } ?? " (open)"), value: r.questions)
        }
        let conditions = state.conditions.map { c in
            let responses = c.to.map { "\($0): \(c.responses[$0]?.rawValue ?? "no answer yet")" }.joined(separator: ", ")
            return Line(name: c.id.hex, label: "\(c.by) → \(c.to.joined(separator: ", ")) at \(c.at.rfc3339) — \(responses)", value: c.conditions)
        }

        var steps: [Step] = []
        for (i, stored) in events.enumerated() {
            let e = stored.event
            let entry = i < detail.timeline.count ? detail.timeline[i] : nil
            var deliveries: [Delivery] = []
            var proof: String? = nil
            if e.origin == node.name {
                for peer in e.to {
                    let state: String
                    if parked[peer]?.contains(e.id) == true { state = "parked (refused or held back; see accord deliveries)" }
                    else if let cursor = delivered[peer], cursor >= stored.sequence { state = "delivered" }
                    else { state = "pending" }
                    deliveries.append(Delivery(peer: peer, state: state))
                }
            } else {
                for peer in e.to { deliveries.append(Delivery(peer: peer, state: peer == node.name ? "received here \(stored.receivedAt.rfc3339)" : "addressed")) }
                proof = (try? await store.receipt(for: e.id)) != nil ? "held (in \(e.origin)'s witnessed log)" : "not yet fetched"
            }
            steps.append(Step(
                event: e.id.hex, type: e.type.rawValue, title: stepTitles[e.type] ?? e.type.rawValue, signer: e.origin, to: e.to,
                claimedAt: e.time.rfc3339, receivedAt: stored.receivedAt.rfc3339, backdated: entry?.backdated ?? false,
                summary: entry?.summary ?? e.type.rawValue, fields: lines(e.body), deliveries: deliveries, inclusionProof: proof))
        }

        return CaseView(
            id: state.id.hex, shortID: state.id.short, kind: state.kind.rawValue, kindTitle: state.kind.title, title: state.title,
            status: state.status.rawValue, initiator: state.initiator, addressees: state.addressees, openedAt: state.openedAt.rfc3339,
            urgent: state.urgent, exercise: state.isExercise,
            norms: state.norms.map { id in Line(name: id, label: id, value: Norms.all.first { $0.id == id }?.text ?? "") },
            bases: (state.bases ?? []).map { id in
                let a = LegalBases.byID[id]
                return Line(name: id, label: a.map { "\(LegalBases.treaties[$0.treaty] ?? $0.treaty), Art. \($0.article)" } ?? id, value: a?.title ?? "")
            },
            fields: fields, deadlines: deadlines, parties: parties, informationRequests: requests, conditions: conditions, steps: steps)
    }

    public static let exerciseBanner = "*** EXERCISE — this case is a drill, not a real request ***"

    /// The same content as plain text, for the terminal; `time` shows an RFC 3339 time (the
    /// officer's zone with UTC beside, in the CLI).
    public var text: String { text(time: { $0 }) }

    public func text(time: (String) -> String) -> String {
        var out: [String] = []
        if exercise { out.append(Self.exerciseBanner) }
        out.append("\(title)  (\(kindTitle), \(status)\(urgent ? ", URGENT" : ""))")
        out.append("  id:         \(id)")
        out.append("  initiator:  \(initiator), opened \(time(openedAt))")
        out.append("  addressed:  \(addressees.joined(separator: ", "))")
        out.append("Request:")
        for f in fields { out.append("  \(f.name): \(f.value)") }
        if !norms.isEmpty {
            out.append("Norms cited:")
            for n in norms { out.append("  \(n.name) \(n.value)") }
        }
        if !bases.isEmpty {
            out.append("Legal basis:")
            for b in bases { out.append("  \(b.name)  \(b.label): \(b.value)") }
        }
        out.append("Deadlines:")
        for d in deadlines { out.append("  \(d.label): \(time(d.due))\(d.overdue ? "  OVERDUE" : "")") }
        out.append("Parties:")
        for p in parties {
            out.append("  \(p.name): \(p.status)")
            for t in p.timing { out.append("    \(t)") }
            for a in p.answer { out.append("    \(a.label.lowercased()): \(a.value)") }
        }
        if !informationRequests.isEmpty {
            out.append("Information requests:")
            for r in informationRequests { out.append("  [\(r.name.prefix(12))] \(r.label)\n    \(r.value)") }
        }
        if !conditions.isEmpty {
            out.append("Conditions:")
            for c in conditions { out.append("  [\(c.name.prefix(12))] \(c.label)\n    \(c.value)") }
        }
        out.append("Timeline:")
        for s in steps {
            out.append("  \(time(s.claimedAt))  \(s.title) — signed by \(s.signer) to \(s.to.joined(separator: ", "))  [\(s.event.prefix(12))]\(s.backdated ? "  BACKDATED" : "")")
            out.append("    claimed \(time(s.claimedAt)), received \(s.receivedAt.map(time) ?? "-")")
            out.append("    \(s.summary)")
            for f in s.fields { out.append("    \(f.name): \(f.value)") }
            for d in s.deliveries { out.append("    → \(d.peer): \(d.state)") }
            if let p = s.inclusionProof { out.append("    inclusion proof: \(p)") }
        }
        return out.joined(separator: "\n")
    }
}
