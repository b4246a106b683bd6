/// The rules of a cooperation case: which step is legal, for whom, and what it changes.
///
/// The same code runs on the author's node before it signs and on every receiving node
/// on receipt, so an illegal step is refused on both sides.
extension CaseState {
    /// Starts a case from its opening step.
    public static func open(_ step: CaseStep) throws(AccordError) -> CaseState {
        guard step.type == .open else { throw step.illegal("a case starts with case.open") }
        try step.requireKeys(CaseState.openMembers)
        guard let kindName = step.body["kind"]?.stringValue else {
            throw AccordError(.missingField, "case.open needs \"kind\": one of \(CaseKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        guard let kind = CaseKind(rawValue: kindName) else {
            throw AccordError(.invalidField, "unknown case kind \"\(kindName)\"; use one of \(CaseKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        let title = try step.text("title", required: true, maxBytes: 300)!
        guard let fields = step.body["fields"]?.objectValue else {
            throw AccordError(.missingField, "case.open needs \"fields\", an object with the \(kind.rawValue) fields", field: "fields")
        }
        try kind.validate(fields: fields)
        var norms: [String] = []
        if let n = step.body["norms"], !n.isNull {
            guard let list = n.arrayValue else { throw AccordError(.invalidField, "\"norms\" must be a list like [\"13(h)\"]", field: "norms") }
            for item in list {
                guard let s = item.stringValue else { throw AccordError(.invalidField, "\"norms\" must be a list like [\"13(h)\"]", field: "norms") }
                norms.append(s)
            }
            try Norms.validate(norms)
        }
        var urgent = false
        if let u = step.body["urgent"], !u.isNull {
            guard let b = u.boolValue else { throw AccordError(.invalidField, "\"urgent\" must be true or false", field: "urgent") }
            urgent = b
        }
        var bases: [String]? = nil
        if let b = step.body["bases"], !b.isNull {
            guard let list = b.arrayValue, !list.isEmpty else {
                throw AccordError(.invalidField, "\"bases\" must be a non-empty list like [\"budapest:29\"]", field: "bases")
            }
            var cited: [String] = []
            for item in list {
                guard let s = item.stringValue else { throw AccordError(.invalidField, "\"bases\" must be a list like [\"budapest:29\"]", field: "bases") }
                cited.append(s)
            }
            try LegalBases.validate(cited)
            bases = cited
        }
        var exercise = false
        if let x = step.body["exercise"], !x.isNull {
            guard let b = x.boolValue else { throw AccordError(.invalidField, "\"exercise\" must be true or false", field: "exercise") }
            exercise = b
        }
        guard !step.to.isEmpty else { throw AccordError(.invalidField, "a case is addressed to at least one node", field: "to") }
        guard !step.to.contains(step.author) else { throw AccordError(.invalidField, "a node cannot address a case to itself", field: "to") }
        let deadlines = try Self.deadlines(step, kind: kind)
        let state = CaseState(
            id: step.effectiveID, kind: kind, title: title, initiator: step.author, addressees: step.to,
            openedAt: step.time, status: .open, fields: fields, norms: norms, urgent: urgent, deadlines: deadlines,
            parties: Dictionary(uniqueKeysWithValues: step.to.map { ($0, PartyState(status: .awaitingAcknowledgement)) }),
            informationRequests: [], conditions: [], updatedAt: step.time, lastStepAt: [step.author: step.time]
        )
        var marked = state
        marked.bases = bases
        marked.exercise = exercise ? true : nil
        return marked
    }

    static func deadlines(_ step: CaseStep, kind: CaseKind) throws(AccordError) -> CaseDeadlines {
        guard let d = step.body["deadlines"]?.objectValue else {
            throw AccordError(.missingField, "case.open needs \"deadlines\" with at least \"acknowledge_by\"", field: "deadlines")
        }
        if let extra = d.keys.sorted().first(where: { !["acknowledge_by", "answer_by", "preserve_until"].contains($0) }) {
            throw AccordError(.invalidField, "deadlines has no member \"\(extra)\"", field: "deadlines.\(extra)")
        }
        func time(_ key: String) throws(AccordError) -> Timestamp? {
            guard let v = d[key], !v.isNull else { return nil }
            guard let s = v.stringValue, let t = Timestamp(rfc3339: s) else {
                throw AccordError(.invalidField, "deadlines.\(key) must be an RFC 3339 UTC time", field: "deadlines.\(key)")
            }
            guard t > step.time else { throw AccordError(.invalidField, "deadlines.\(key) must be after the time the case is opened", field: "deadlines.\(key)") }
            return t
        }
        guard let ack = try time("acknowledge_by") else {
            throw AccordError(.missingField, "deadlines needs \"acknowledge_by\"", field: "deadlines.acknowledge_by")
        }
        let answer = try time("answer_by")
        if answer != nil && !kind.takesAnswer {
            throw AccordError(.invalidField, "a \(kind.rawValue) takes no answer, so it has no answer_by", field: "deadlines.answer_by")
        }
        let preserve = try time("preserve_until")
        if kind == .preservation {
            let minimum = step.time.adding(days: Int64(DeadlinePolicy.minimumPreservationDays))
            guard let preserve else {
                throw AccordError(.missingField, "a preservation request says until when the data is preserved (deadlines.preserve_until)", field: "deadlines.preserve_until")
            }
            guard preserve >= minimum else {
                throw AccordError(.invalidField, "preservation lasts not less than 60 days (Budapest Convention Art. 29(7)); preserve_until must be on or after \(minimum)", field: "deadlines.preserve_until")
            }
        } else if preserve != nil {
            throw AccordError(.invalidField, "only a preservation request has preserve_until", field: "deadlines.preserve_until")
        }
        return CaseDeadlines(acknowledgeBy: ack, answerBy: answer, preserveUntil: preserve)
    }

    /// Applies a further step, or throws the reason it is not legal now; returns a one-line summary.
    @discardableResult
    public mutating func apply(_ step: CaseStep) throws(AccordError) -> String {
        guard participants.contains(step.author) else {
            throw step.illegal("\(step.author) is not a participant in case \(id.short)")
        }
        guard step.to.allSatisfy({ participants.contains($0) && $0 != step.author }), !step.to.isEmpty else {
            throw AccordError(.invalidField, "\(step.type.rawValue) must be addressed to other participants of the case", field: "to")
        }
        let isInitiator = step.author == initiator
        if !isInitiator && step.to != [initiator] {
            throw AccordError(.invalidField, "an addressed party writes to the initiator (\(initiator)) only", field: "to")
        }
        guard status == .open else { throw step.illegal("case \(id.short) is \(status.rawValue); no further steps are possible") }
        try checkTime(of: step)

        let summary: String
        switch step.type {
        case .profile, .keyRotation, .open, .evidenceAdded, .evidenceCustody, .stixShared, .stixDeleted:
            throw step.illegal("\(step.type.rawValue) is not a step in an existing case")

        case .acknowledge:
            try step.requireKeys(["note"])
            _ = try step.text("note", required: false)
            guard var party = parties[step.author] else { throw step.illegal("only an addressed party acknowledges") }
            guard party.status == .awaitingAcknowledgement else { throw step.illegal("\(step.author) has already acknowledged case \(id.short)") }
            // A check measures who answers in time: past its expiry it can no longer be answered.
            if kind == .check, step.time > deadlines.acknowledgeBy {
                throw step.illegal("the communication check \(id.short) expired at \(deadlines.acknowledgeBy); it can no longer be answered (this answer is dated \(step.time)) and counts as unanswered")
            }
            party.status = .acknowledged
            party.acknowledgedAt = step.time
            party.responseSeconds = Double(step.time.milliseconds - openedAt.milliseconds) / 1000
            parties[step.author] = party
            summary = "acknowledged by \(step.author)"

        case .requestInformation:
            try step.requireKeys(["questions"])
            let questions = try step.text("questions", required: true)!
            guard var party = parties[step.author] else { throw step.illegal("only an addressed party requests further information") }
            guard !party.isSettled else { throw step.illegal("\(step.author) has already answered case \(id.short)") }
            if party.status == .awaitingAcknowledgement {
                if kind == .check, step.time > deadlines.acknowledgeBy {
                    throw step.illegal("the communication check \(id.short) expired at \(deadlines.acknowledgeBy); it can no longer be answered")
                }
                party.acknowledgedAt = step.time
                party.responseSeconds = Double(step.time.milliseconds - openedAt.milliseconds) / 1000
            }
            party.status = .informationRequested
            parties[step.author] = party
            informationRequests.append(InformationRequest(id: step.effectiveID, by: step.author, to: step.to, questions: questions, at: step.time))
            summary = "\(step.author) requests further information"

        case .provideInformation:
            try step.requireKeys(["information", "in_reply_to"])
            _ = try step.text("information", required: true)
            if step.body["in_reply_to"] != nil {
                let ref = try step.eventRef("in_reply_to")
                guard let i = informationRequests.firstIndex(where: { $0.id == ref }) else {
                    throw step.illegal("no information request \(ref.short) in case \(id.short)")
                }
                let request = informationRequests[i]
                guard request.to.contains(step.author), step.to.contains(request.by) else {
                    throw step.illegal("the request \(ref.short) was not put to \(step.author)")
                }
                guard request.answeredBy == nil else { throw step.illegal("the request \(ref.short) has already been answered") }
                guard step.time >= request.at else {
                    throw step.illegal("the reply is dated \(step.time), before the request \(ref.short) it answers (\(request.at))")
                }
                informationRequests[i].answeredBy = step.effectiveID
                let stillOpen = informationRequests.contains { $0.by == request.by && $0.answeredBy == nil }
                if !stillOpen, var party = parties[request.by], party.status == .informationRequested {
                    party.status = .acknowledged
                    parties[request.by] = party
                }
                summary = "\(step.author) provides the information requested by \(request.by)"
            } else {
                summary = "\(step.author) provides information"
            }

        case .answer:
            try step.requireKeys(["outcome", "grounds", "reason", "details"])
            guard kind.takesAnswer else { throw step.illegal("a \(kind.rawValue) takes no formal answer; acknowledge it or provide information") }
            guard var party = parties[step.author] else { throw step.illegal("only an addressed party answers") }
            guard !party.isSettled else { throw step.illegal("\(step.author) has already answered case \(id.short)") }
            guard let outcomeName = step.body["outcome"]?.stringValue else {
                throw AccordError(.missingField, "case.answer needs \"outcome\": one of \(AnswerOutcome.allCases.map(\.rawValue).joined(separator: ", "))", field: "outcome")
            }
            guard let outcome = AnswerOutcome(rawValue: outcomeName) else {
                throw AccordError(.invalidField, "unknown outcome \"\(outcomeName)\"; use one of \(AnswerOutcome.allCases.map(\.rawValue).joined(separator: ", "))", field: "outcome")
            }
            var grounds: [Ground] = []
            if let g = step.body["grounds"], !g.isNull {
                guard let list = g.arrayValue else { throw AccordError(.invalidField, "\"grounds\" must be a list", field: "grounds") }
                for item in list {
                    guard let name = item.stringValue, let ground = Ground(rawValue: name), outcome.allowedGrounds.contains(ground) else {
                        let allowed = outcome.allowedGrounds.map(\.rawValue)
                        throw AccordError(
                            .invalidField,
                            allowed.isEmpty ? "a \(outcome.rawValue) answer takes no grounds" : "grounds for \(outcome.rawValue) are \(allowed.joined(separator: ", "))",
                            field: "grounds")
                    }
                    if !grounds.contains(ground) { grounds.append(ground) }
                }
            }
            if !outcome.allowedGrounds.isEmpty && grounds.isEmpty {
                throw AccordError(.missingField, "a \(outcome.rawValue) answer gives its grounds: \(outcome.allowedGrounds.map(\.rawValue).joined(separator: ", "))", field: "grounds")
            }
            let reason = try step.text("reason", required: outcome.needsReason)
            let details = try step.text("details", required: false)
            if party.status == .awaitingAcknowledgement {
                if kind == .check, step.time > deadlines.acknowledgeBy {
                    throw step.illegal("the communication check \(id.short) expired at \(deadlines.acknowledgeBy); it can no longer be answered")
                }
                party.acknowledgedAt = step.time
                party.responseSeconds = Double(step.time.milliseconds - openedAt.milliseconds) / 1000
            }
            party.status = outcome.isFinal ? .answered : .postponed
            party.answer = AnswerRecord(outcome: outcome, grounds: grounds, reason: reason, details: details, at: step.time, event: step.effectiveID)
            parties[step.author] = party
            summary = "\(step.author) answers: \(outcome.rawValue)" + (grounds.isEmpty ? "" : " (\(grounds.map(\.rawValue).joined(separator: ", ")))")

        case .extend:
            try step.requireKeys(["answer_by", "preserve_until", "reason"])
            guard isInitiator else { throw step.illegal("only the initiator (\(initiator)) extends a case") }
            _ = try step.text("reason", required: true)
            let answerBy = try step.time("answer_by")
            let preserveUntil = try step.time("preserve_until")
            guard answerBy != nil || preserveUntil != nil else {
                throw AccordError(.missingField, "case.extend gives a new answer_by or preserve_until", field: "answer_by")
            }
            if let answerBy {
                guard kind.takesAnswer else { throw step.illegal("a \(kind.rawValue) has no answer deadline") }
                guard answerBy > (deadlines.answerBy ?? step.time), answerBy > step.time else {
                    throw AccordError(.invalidField, "the new answer_by must be later than the current one", field: "answer_by")
                }
                deadlines.answerBy = answerBy
            }
            if let preserveUntil {
                guard kind == .preservation, let current = deadlines.preserveUntil else {
                    throw step.illegal("only a preservation request has a preservation period to extend")
                }
                guard preserveUntil > current else {
                    throw AccordError(.invalidField, "the new preserve_until must be later than the current one (\(current))", field: "preserve_until")
                }
                deadlines.preserveUntil = preserveUntil
            }
            summary = "\(step.author) extends " + [answerBy.map { "the answer deadline to \($0)" }, preserveUntil.map { "preservation to \($0)" }].compactMap { $0 }.joined(separator: " and ")

        case .withdraw:
            try step.requireKeys(["reason"])
            guard isInitiator else { throw step.illegal("only the initiator (\(initiator)) withdraws a case") }
            _ = try step.text("reason", required: true)
            status = .withdrawn
            summary = "withdrawn by \(step.author)"

        case .close:
            try step.requireKeys(["reason"])
            guard isInitiator else { throw step.illegal("only the initiator (\(initiator)) closes a case") }
            _ = try step.text("reason", required: false)
            status = .closed
            summary = "closed by \(step.author)"

        case .proposeConditions:
            try step.requireKeys(["conditions"])
            let text = try step.text("conditions", required: true)!
            conditions.append(ConditionsProposal(id: step.effectiveID, by: step.author, to: step.to, conditions: text, at: step.time, responses: [:]))
            summary = "\(step.author) proposes conditions on confidentiality or use"

        case .acceptConditions, .declineConditions:
            try step.requireKeys(["proposal", "reason"])
            let ref = try step.eventRef("proposal")
            _ = try step.text("reason", required: step.type == .declineConditions)
            guard let i = conditions.firstIndex(where: { $0.id == ref }) else {
                throw step.illegal("no conditions proposal \(ref.short) in case \(id.short)")
            }
            guard conditions[i].to.contains(step.author), step.to.contains(conditions[i].by) else {
                throw step.illegal("the conditions \(ref.short) were not proposed to \(step.author)")
            }
            guard step.time >= conditions[i].at else {
                throw step.illegal("the response is dated \(step.time), before the conditions \(ref.short) it answers (\(conditions[i].at))")
            }
            guard conditions[i].responses[step.author] == nil else {
                throw step.illegal("\(step.author) has already answered the conditions \(ref.short)")
            }
            let response: ConditionsProposal.Response = step.type == .acceptConditions ? .accepted : .declined
            conditions[i].responses[step.author] = response
            summary = "\(step.author) \(response.rawValue) the conditions"
        }
        updatedAt = max(updatedAt, step.time)
        var last = lastStepAt ?? [initiator: openedAt]
        last[step.author] = step.time
        lastStepAt = last
        return summary
    }

    /// Refuses a step dated before the case was opened, or before its author's previous step
    /// in this case. Only steps the author had certainly seen bound its time: another party's
    /// step may have crossed it on the wire, so it proves nothing about this one's date.
    func checkTime(of step: CaseStep) throws(AccordError) {
        guard step.time >= openedAt else {
            throw step.illegal("the step is dated \(step.time), before case \(id.short) was opened (\(openedAt)); check the author's clock")
        }
        let previous = lastStepAt?[step.author] ?? (step.author == initiator ? openedAt : nil)
        if let previous, step.time < previous {
            throw step.illegal("the step is dated \(step.time), before \(step.author)'s previous step in case \(id.short) (\(previous)); check the author's clock")
        }
    }

    /// A one-line account of an opening step.
    public var openingSummary: String { "\(kind.title) opened by \(initiator): \(title)" }

    /// The default addressees of a step by `author`: the initiator writes to every addressee,
    /// an addressee to the initiator.
    public func defaultRecipients(for author: String) -> [String] {
        author == initiator ? addressees : [initiator]
    }
}
