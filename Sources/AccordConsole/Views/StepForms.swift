import AccordCore
import AccordNode

/// The forms for the steps the case machine allows this node at this point, and the checking
/// of what an officer submits: every problem reported at once, before anything is signed.
enum StepForms {
    static let order: [EventType] = [
        .acknowledge, .requestInformation, .answer, .provideInformation, .proposeConditions, .acceptConditions, .declineConditions,
        .extend, .close, .withdraw,
    ]

    static let titles: [EventType: String] = [
        .acknowledge: "Acknowledge receipt", .requestInformation: "Request further information", .answer: "Answer the request",
        .provideInformation: "Provide information", .proposeConditions: "Propose conditions on confidentiality or use",
        .acceptConditions: "Accept proposed conditions", .declineConditions: "Decline proposed conditions",
        .extend: "Extend a deadline", .close: "Close the case", .withdraw: "Withdraw the request",
    ]

    /// The title of a step's form and button: a check is answered, not acknowledged.
    static func title(_ type: EventType, state: CaseState) -> String {
        type == .acknowledge && state.kind == .check ? "Answer the check" : titles[type] ?? stepName(type)
    }

    static func stepName(_ type: EventType) -> String { EventType.stepNames.first { $0.value == type }!.key }

    /// The steps `me` may take in `state` now, found by trying each on a copy of the case with
    /// the case machine itself (the same rules that run before signing and on receipt).
    static func allowed(_ state: CaseState, me: String, now: Timestamp) -> [EventType] {
        let far = now.adding(days: 3650).rfc3339
        let proposals = openProposals(state, me: me).map(\.id.hex)
        func probes(_ type: EventType) -> [[String: JSONValue]] {
            switch type {
            case .acknowledge, .close: [[:]]
            case .requestInformation: [["questions": "?"]]
            case .provideInformation: [["information": "…"]]
            case .answer: [["outcome": "granted"]]
            case .extend: [["answer_by": .string(far), "reason": "…"], ["preserve_until": .string(far), "reason": "…"]]
            case .withdraw: [["reason": "…"]]
            case .proposeConditions: [["conditions": "…"]]
            case .acceptConditions: proposals.map { ["proposal": .string($0)] }
            case .declineConditions: proposals.map { ["proposal": .string($0), "reason": "…"] }
            default: []
            }
        }
        // A check is answered with one button (an acknowledgement) while it runs, and takes no other step from its addressee.
        let offered = state.kind == .check && state.parties[me] != nil ? [EventType.acknowledge] : order
        return offered.filter { type in
            probes(type).contains { body in
                var copy = state
                return (try? copy.apply(CaseStep(id: nil, type: type, author: me, to: state.defaultRecipients(for: me), time: now, body: body))) != nil
            }
        }
    }

    static func openProposals(_ state: CaseState, me: String) -> [ConditionsProposal] {
        state.conditions.filter { $0.to.contains(me) && $0.responses[me] == nil }
    }

    static func openRequests(_ state: CaseState, me: String) -> [InformationRequest] {
        state.informationRequests.filter { $0.to.contains(me) && $0.answeredBy == nil }
    }

    /// The empty (or refilled) form of one step.
    static func form(_ type: EventType, state: CaseState, me: String, values: FormValues = FormValues(), errors: [String: String] = [:], general: [String] = []) -> FormModel {
        let name = stepName(type)
        func f(_ field: String, _ label: String, _ kind: FormModel.Field.Kind, required: Bool, help: String = "", placeholder: String = "") -> FormModel.Field {
            FormModel.Field(
                name: field, label: label, help: help, id: "\(name)-\(field)", kind: kind, required: required, value: values[field] ?? "",
                error: errors[field], placeholder: placeholder)
        }
        func select(_ field: String, _ label: String, _ options: [(String, String)], required: Bool, help: String = "") -> FormModel.Field {
            var x = f(field, label, .select, required: required, help: help)
            let chosen = values[field]
            x.options = options.enumerated().map { i, o in .init(value: o.0, label: o.1, selected: o.0 == chosen, id: "\(name)-\(field)-\(i)") }
            return x
        }
        let time = "an RFC 3339 UTC time, e.g. 2027-03-01T12:00:00Z"
        var fields: [FormModel.Field]
        switch type {
        case .acknowledge where state.kind == .check:
            fields = [f("note", "Message (optional)", .text, required: false, help: "The time of your answer is recorded and shown to \(state.initiator)")]
        case .acknowledge:
            fields = [f("note", "Note (optional)", .text, required: false)]
        case .requestInformation:
            fields = [f("questions", "Questions", .text, required: true, help: "What you need to know before you can answer")]
        case .provideInformation:
            let requests = openRequests(state, me: me).map { ($0.id.hex, "\($0.id.short) from \($0.by): \($0.questions.prefix(80))") }
            fields = [
                f("information", "Information", .text, required: true),
                select("in_reply_to", "In reply to", [("", "No request: information given spontaneously")] + requests, required: false),
            ]
        case .answer:
            var grounds = f("grounds", "Grounds (for a refusal or postponement)", .checkboxes, required: false,
                            help: "Refusal: " + Ground.refusal.map(\.rawValue).joined(separator: ", ") + ". Postponement: " + Ground.postponement.map(\.rawValue).joined(separator: ", ") + ".")
            let chosen = Set(values.all("grounds"))
            grounds.options = Ground.allCases.enumerated().map { i, g in .init(value: g.rawValue, label: g.rawValue.replacingOccurrences(of: "_", with: " "), selected: chosen.contains(g.rawValue), id: "answer-grounds-\(i)") }
            fields = [
                select("outcome", "Outcome", [("", "Choose…")] + AnswerOutcome.allCases.map { ($0.rawValue, $0.rawValue.replacingOccurrences(of: "_", with: " ")) }, required: true),
                grounds,
                f("reason", "Reason (required unless granted)", .text, required: false, help: "Budapest Convention Art. 27(7): reasons for refusal or postponement"),
                f("details", "Details of what is provided or done", .text, required: false),
            ]
        case .extend:
            fields = []
            if state.kind.takesAnswer { fields.append(f("answer_by", "New answer deadline", .line, required: false, help: time, placeholder: "2027-03-01T12:00:00Z")) }
            if state.kind == .preservation { fields.append(f("preserve_until", "Preserve until", .line, required: false, help: time, placeholder: "2027-06-01T00:00:00Z")) }
            fields.append(f("reason", "Reason", .text, required: true))
        case .withdraw:
            fields = [f("reason", "Reason", .text, required: true)]
        case .close:
            fields = [f("reason", "Reason (optional)", .text, required: false)]
        case .proposeConditions:
            fields = [f("conditions", "Conditions", .text, required: true, help: "Confidentiality or limits on use (Budapest Arts. 26(2), 27(8), 28)")]
        case .acceptConditions, .declineConditions:
            let proposals = openProposals(state, me: me).map { ($0.id.hex, "\($0.id.short) from \($0.by): \($0.conditions.prefix(80))") }
            fields = [select("proposal", "Conditions proposal", proposals, required: true)]
            if type == .declineConditions { fields.append(f("reason", "Reason", .text, required: true)) }
        default:
            fields = []
        }
        let title = title(type, state: state)
        return FormModel(
            id: "step-\(name)", title: title, action: "/console/cases/\(state.id.hex)/steps", submit: title,
            hidden: [("type", name)], fields: fields, errors: general)
    }

    /// Checks a submitted step form; returns the step body, or every problem by field.
    static func body(_ type: EventType, state: CaseState, values: FormValues) -> (body: [String: JSONValue], errors: [String: String]) {
        var body: [String: JSONValue] = [:]
        var errors: [String: String] = [:]
        func text(_ name: String, required: Bool) {
            if let v = values.text(name) {
                if v.utf8.count > CaseKind.maxTextBytes { errors[name] = "longer than \(CaseKind.maxTextBytes) bytes" } else { body[name] = .string(v) }
            } else if required {
                errors[name] = "required"
            }
        }
        func time(_ name: String) -> Timestamp? {
            guard let v = values.text(name) else { return nil }
            guard let t = Timestamp(rfc3339: v) else {
                errors[name] = "not an RFC 3339 UTC time like 2027-03-01T12:00:00Z"
                return nil
            }
            body[name] = .string(t.rfc3339)
            return t
        }
        switch type {
        case .acknowledge: text("note", required: false)
        case .requestInformation: text("questions", required: true)
        case .provideInformation:
            text("information", required: true)
            if let r = values.text("in_reply_to") {
                if EventID(hex: r) == nil { errors["in_reply_to"] = "not a request of this case" } else { body["in_reply_to"] = .string(r) }
            }
        case .answer:
            let outcome = values.text("outcome").flatMap(AnswerOutcome.init(rawValue:))
            if outcome == nil { errors["outcome"] = "choose an outcome: " + AnswerOutcome.allCases.map(\.rawValue).joined(separator: ", ") }
            let grounds = values.all("grounds")
            if let outcome {
                body["outcome"] = .string(outcome.rawValue)
                let allowed = Set(outcome.allowedGrounds.map(\.rawValue))
                if let bad = grounds.first(where: { !allowed.contains($0) }) {
                    errors["grounds"] = allowed.isEmpty ? "a \(outcome.rawValue) answer takes no grounds" : "\(bad) is not a ground for \(outcome.rawValue); use \(outcome.allowedGrounds.map(\.rawValue).joined(separator: ", "))"
                } else if !allowed.isEmpty && grounds.isEmpty {
                    errors["grounds"] = "a \(outcome.rawValue) answer gives its grounds"
                } else if !grounds.isEmpty {
                    body["grounds"] = .strings(grounds)
                }
                text("reason", required: outcome.needsReason)
            } else {
                text("reason", required: false)
            }
            text("details", required: false)
        case .extend:
            let a = time("answer_by"), p = time("preserve_until")
            if a == nil && p == nil && errors["answer_by"] == nil && errors["preserve_until"] == nil {
                errors[state.kind == .preservation ? "preserve_until" : "answer_by"] = "give a new answer deadline or end of preservation"
            }
            text("reason", required: true)
        case .withdraw: text("reason", required: true)
        case .close: text("reason", required: false)
        case .proposeConditions: text("conditions", required: true)
        case .acceptConditions, .declineConditions:
            if let p = values.text("proposal"), EventID(hex: p) != nil { body["proposal"] = .string(p) } else { errors["proposal"] = "choose a proposal" }
            if type == .declineConditions { text("reason", required: true) }
        default:
            errors["type"] = "not a step of a case"
        }
        return (body, errors)
    }
}
