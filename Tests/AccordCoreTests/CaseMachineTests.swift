import Testing

@testable import AccordCore

/// The rules of cooperation cases, as both the author's and the receiver's node apply them.
@Suite struct CaseMachineTests {
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!
    let policy = DeadlinePolicy.standard

    static let preservationFields: [String: JSONValue] = [
        "authority": "Prosecutor's Office", "offence": "Extortion", "facts": "Ransomware against a hospital",
        "data": "Mailbox logs", "relationship": "Used to negotiate the ransom", "custodian": "Mail Ltd.",
        "necessity": "Logs are deleted after 30 days", "mla_to_follow": true,
    ]

    func openStep(_ kind: CaseKind, fields: [String: JSONValue], to: [String] = ["b"], norms: [String]? = nil, deadlines: JSONValue? = nil) -> CaseStep {
        var body: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "title": "A case", "fields": .object(fields),
            "deadlines": deadlines ?? policy.deadlines(for: kind, openedAt: t0).json,
        ]
        if let norms { body["norms"] = .strings(norms) }
        return CaseStep(id: nil, type: .open, author: "a", to: to, time: t0, body: body)
    }

    func step(_ type: EventType, by author: String, to: [String]? = nil, at hours: Int64 = 1, _ body: [String: JSONValue] = [:]) -> CaseStep {
        CaseStep(id: nil, type: type, author: author, to: to ?? (author == "a" ? ["b"] : ["a"]), time: t0.adding(hours: hours), body: body)
    }

    func error(_ body: () throws -> Void) -> AccordError? {
        do {
            try body()
            return nil
        } catch {
            return error as? AccordError
        }
    }

    @Test(arguments: ["authority", "offence", "facts", "data", "relationship", "custodian", "necessity", "mla_to_follow"])
    func preservationNamesEachMissingArticle29Field(field: String) {
        var fields = Self.preservationFields
        fields.removeValue(forKey: field)
        let e = error { _ = try CaseState.open(openStep(.preservation, fields: fields)) }
        #expect(e?.code == .missingField)
        #expect(e?.field == "fields.\(field)")
        #expect(e?.message.contains(field) == true)
    }

    @Test func preservationRequiresTheIntentToRequestMLA() {
        var fields = Self.preservationFields
        fields["mla_to_follow"] = false
        #expect(error { _ = try CaseState.open(openStep(.preservation, fields: fields)) }?.field == "fields.mla_to_follow")
    }

    @Test func preservationLastsAtLeastSixtyDays() {
        let short: JSONValue = ["acknowledge_by": .string(t0.adding(hours: 24).rfc3339), "preserve_until": .string(t0.adding(days: 59).rfc3339)]
        let e = error { _ = try CaseState.open(openStep(.preservation, fields: Self.preservationFields, deadlines: short)) }
        #expect(e?.field == "deadlines.preserve_until")
        #expect(e?.message.contains("60 days") == true)
        let ok = policy.deadlines(for: .preservation, openedAt: t0, preservationDays: 10)
        #expect(ok.preserveUntil == t0.adding(days: 60))  // the policy never asks for less
    }

    @Test func everyKindValidatesItsFields() {
        let valid: [CaseKind: [String: JSONValue]] = [
            .notification: ["summary": "DDoS", "severity": "high", "incident_time": "2026-11-26T03:10:00Z"],
            .assistance: ["summary": "Botnet", "assistance_sought": "Sinkhole the C2 domains"],
            .preservation: Self.preservationFields,
            .disclosure: ["authority": "Prosecutor", "offence": "Fraud", "data": "Traffic data", "purpose": "Identify the provider"],
            .mla: ["authority": "Ministry of Justice", "subject": "Fraud ring", "facts": "Phishing", "assistance_sought": "Subscriber data", "purpose": "Prosecution"],
            .consultation: ["subject": "Incident", "proposed_dates": ["2026-12-01T10:00:00Z"], "participants": ["Envoy"]],
            .check: [:],
        ]
        for kind in CaseKind.allCases {
            #expect(error { _ = try CaseState.open(openStep(kind, fields: valid[kind]!)) } == nil, "\(kind)")
            var bad = valid[kind]!
            bad["no_such_field"] = "x"
            #expect(error { _ = try CaseState.open(openStep(kind, fields: bad)) }?.field == "fields.no_such_field")
        }
        #expect(error { _ = try CaseState.open(openStep(.notification, fields: ["summary": "x", "severity": "apocalyptic"])) }?.field == "fields.severity")
        #expect(error { _ = try CaseState.open(openStep(.consultation, fields: ["subject": "x", "proposed_dates": [], "participants": ["y"]])) }?.field == "fields.proposed_dates")
        #expect(error { _ = try CaseState.open(openStep(.consultation, fields: ["subject": "x", "proposed_dates": ["next week"], "participants": ["y"]])) }?.field == "fields.proposed_dates")
    }

    @Test func citesOnlyTheElevenNorms() {
        #expect(error { _ = try CaseState.open(openStep(.check, fields: [:], norms: ["13(a)", "13(k)"])) } == nil)
        #expect(error { _ = try CaseState.open(openStep(.check, fields: [:], norms: ["13(l)"])) }?.field == "norms")
        #expect(error { _ = try CaseState.open(openStep(.check, fields: [:], norms: ["13(a)", "13(a)"])) }?.field == "norms")
        #expect(Norms.all.count == 11)
    }

    @Test func aFullPreservationCase() throws {
        var s = try CaseState.open(openStep(.preservation, fields: Self.preservationFields))
        try s.apply(step(.acknowledge, by: "b"))
        #expect(s.parties["b"]?.status == .acknowledged)
        #expect(s.parties["b"]?.responseSeconds == 3600)
        var request = step(.requestInformation, by: "b", at: 2, ["questions": "Which mailbox exactly?"])
        request.id = EventID(bytes: [UInt8](repeating: 7, count: 32))
        try s.apply(request)
        #expect(s.parties["b"]?.status == .informationRequested)
        try s.apply(step(.provideInformation, by: "a", at: 3, ["information": "ops@example.net", "in_reply_to": .string(request.id!.hex)]))
        #expect(s.parties["b"]?.status == .acknowledged)
        try s.apply(step(.extend, by: "a", at: 4, ["preserve_until": .string(t0.adding(days: 120).rfc3339), "reason": "MLA request under way"]))
        #expect(s.deadlines.preserveUntil == t0.adding(days: 120))
        try s.apply(step(.answer, by: "b", at: 5, ["outcome": "granted", "details": "Preserved"]))
        #expect(s.parties["b"]?.answer?.outcome == .granted)
        try s.apply(step(.close, by: "a", at: 6))
        #expect(s.status == .closed)
        #expect(error { try s.apply(step(.provideInformation, by: "a", at: 7, ["information": "late"])) }?.code == .illegalStep)
    }

    @Test func refusesIllegalSteps() throws {
        let open = try CaseState.open(openStep(.preservation, fields: Self.preservationFields, to: ["b", "c"]))
        func attempt(_ s: CaseStep, from state: CaseState? = nil) -> AccordError.Code? {
            var copy = state ?? open
            return error { try copy.apply(s) }?.code
        }
        #expect(attempt(step(.acknowledge, by: "a", to: ["b"])) == .illegalStep)  // the initiator does not acknowledge
        #expect(attempt(step(.answer, by: "a", to: ["b"], ["outcome": "granted"])) == .illegalStep)
        #expect(attempt(step(.acknowledge, by: "d")) == .illegalStep)  // not a participant
        #expect(attempt(step(.withdraw, by: "b", ["reason": "no"])) == .illegalStep)
        #expect(attempt(step(.close, by: "b")) == .illegalStep)
        #expect(attempt(step(.acknowledge, by: "b", to: ["c"])) == .invalidField)  // an addressee writes to the initiator only
        var acked = open
        try acked.apply(step(.acknowledge, by: "b"))
        #expect(attempt(step(.acknowledge, by: "b"), from: acked) == .illegalStep)  // twice
        var answered = acked
        try answered.apply(step(.answer, by: "b", ["outcome": "refused", "grounds": ["essential_interests"], "reason": "Sovereignty"]))
        #expect(attempt(step(.answer, by: "b", ["outcome": "granted"]), from: answered) == .illegalStep)
        #expect(attempt(step(.extend, by: "a", ["preserve_until": .string(t0.adding(days: 30).rfc3339), "reason": "x"])) == .invalidField)
        #expect(attempt(step(.acceptConditions, by: "b", ["proposal": .string(String(repeating: "0", count: 64))])) == .illegalStep)
        var withdrawn = open
        try withdrawn.apply(step(.withdraw, by: "a", to: ["b", "c"], ["reason": "Solved"]))
        #expect(attempt(step(.acknowledge, by: "c"), from: withdrawn) == .illegalStep)
    }

    @Test func answersCarryGroundsFromTheFixedList() throws {
        let open = try CaseState.open(openStep(.mla, fields: ["authority": "A", "subject": "S", "facts": "F", "assistance_sought": "X", "purpose": "P"]))
        func answer(_ body: [String: JSONValue]) -> AccordError? {
            var s = open
            return error { try s.apply(step(.answer, by: "b", body)) }
        }
        #expect(answer(["outcome": "refused", "reason": "No"])?.field == "grounds")
        #expect(answer(["outcome": "refused", "grounds": ["political_offence"]])?.field == "reason")
        #expect(answer(["outcome": "refused", "grounds": ["bad_mood"], "reason": "x"])?.field == "grounds")
        #expect(answer(["outcome": "postponed", "grounds": ["political_offence"], "reason": "x"])?.field == "grounds")
        #expect(answer(["outcome": "granted", "grounds": ["other"]])?.field == "grounds")
        #expect(answer(["outcome": "maybe"])?.field == "outcome")
        #expect(answer(["outcome": "postponed", "grounds": ["prejudice_to_proceedings"], "reason": "Ongoing trial"]) == nil)
        var s = open
        try s.apply(step(.answer, by: "b", ["outcome": "postponed", "grounds": ["prejudice_to_proceedings"], "reason": "Trial"]))
        #expect(s.parties["b"]?.status == .postponed)
        try s.apply(step(.answer, by: "b", at: 30, ["outcome": "partially_granted", "reason": "Only subscriber data", "details": "Attached"]))
        #expect(s.parties["b"]?.status == .answered)
    }

    @Test func overdueFollowsTheClock() throws {
        var s = try CaseState.open(openStep(.preservation, fields: Self.preservationFields))
        #expect(s.overdue(at: t0.adding(hours: 23)).isEmpty)
        let late = s.overdue(at: t0.adding(hours: 25))
        #expect(late.map(\.what) == [.acknowledgement])
        #expect(late.first?.owedBy == "b")
        #expect(late.first?.overdueSeconds == 3600)
        try s.apply(step(.acknowledge, by: "b", at: 25))
        #expect(s.overdue(at: t0.adding(hours: 26)).isEmpty)
        #expect(s.overdue(at: t0.adding(hours: 73)).map(\.what) == [.answer])
        try s.apply(step(.answer, by: "b", at: 74, ["outcome": "granted"]))
        #expect(s.overdue(at: t0.adding(days: 89)).isEmpty)
        #expect(s.overdue(at: t0.adding(days: 91)).map(\.what) == [.preservationEnded])
    }

    @Test func communicationChecksMeasureTheResponseTime() throws {
        var s = try CaseState.open(openStep(.check, fields: [:], to: ["b", "c"]))
        try s.apply(CaseStep(id: nil, type: .acknowledge, author: "c", to: ["a"], time: t0.adding(seconds: 95), body: [:]))
        #expect(s.parties["c"]?.responseSeconds == 95)
        #expect(s.parties["b"]?.status == .awaitingAcknowledgement)
        #expect(error { var x = s; try x.apply(step(.answer, by: "b", ["outcome": "granted"])) }?.code == .illegalStep)
    }
}
