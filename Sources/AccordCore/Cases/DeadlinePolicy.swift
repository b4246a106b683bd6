/// How long the addressed party has to acknowledge and answer, per case kind.
///
/// The initiating node applies its policy when it opens a case and writes the resulting
/// times into the signed opening event, so both sides hold the same deadlines.
public struct DeadlinePolicy: Sendable, Codable, Equatable {
    public struct Rule: Sendable, Codable, Equatable {
        public var acknowledgeWithinHours: Int
        /// nil: this kind takes no formal answer.
        public var answerWithinHours: Int?

        public init(acknowledgeWithinHours: Int, answerWithinHours: Int?) {
            self.acknowledgeWithinHours = acknowledgeWithinHours
            self.answerWithinHours = answerWithinHours
        }
    }

    public var rules: [String: Rule]
    /// How long preservation is asked for by default; never less than `minimumPreservationDays`.
    public var preservationDays: Int

    /// Budapest Convention Art. 29(7): preservation lasts not less than 60 days.
    public static let minimumPreservationDays = 60

    public init(rules: [String: Rule], preservationDays: Int) {
        self.rules = rules
        self.preservationDays = preservationDays
    }

    /// The defaults documented in docs/operations.md.
    public static let standard = DeadlinePolicy(
        rules: [
            CaseKind.notification.rawValue: Rule(acknowledgeWithinHours: 24, answerWithinHours: nil),
            CaseKind.assistance.rawValue: Rule(acknowledgeWithinHours: 4, answerWithinHours: 72),
            CaseKind.preservation.rawValue: Rule(acknowledgeWithinHours: 24, answerWithinHours: 72),
            CaseKind.disclosure.rawValue: Rule(acknowledgeWithinHours: 24, answerWithinHours: 7 * 24),
            CaseKind.mla.rawValue: Rule(acknowledgeWithinHours: 7 * 24, answerWithinHours: 90 * 24),
            CaseKind.consultation.rawValue: Rule(acknowledgeWithinHours: 72, answerWithinHours: 14 * 24),
            CaseKind.check.rawValue: Rule(acknowledgeWithinHours: 2, answerWithinHours: nil),
        ],
        preservationDays: 90
    )

    public func rule(for kind: CaseKind) -> Rule {
        rules[kind.rawValue] ?? Self.standard.rules[kind.rawValue]!
    }

    /// The deadlines of a case of `kind` opened at `time`.
    public func deadlines(for kind: CaseKind, openedAt time: Timestamp, preservationDays requested: Int? = nil) -> CaseDeadlines {
        let rule = rule(for: kind)
        var d = CaseDeadlines(acknowledgeBy: time.adding(hours: Int64(rule.acknowledgeWithinHours)))
        if kind.takesAnswer, let answer = rule.answerWithinHours { d.answerBy = time.adding(hours: Int64(answer)) }
        if kind == .preservation {
            let days = max(requested ?? preservationDays, Self.minimumPreservationDays)
            d.preserveUntil = time.adding(days: Int64(days))
        }
        return d
    }

    public func validate() throws(AccordError) {
        for (name, rule) in rules {
            guard CaseKind(rawValue: name) != nil else { throw AccordError(.configuration, "deadlines: unknown case kind \"\(name)\"") }
            guard rule.acknowledgeWithinHours > 0, (rule.answerWithinHours ?? 1) > 0 else {
                throw AccordError(.configuration, "deadlines for \(name) must be positive numbers of hours")
            }
        }
        guard preservationDays >= Self.minimumPreservationDays else {
            throw AccordError(.configuration, "preservation must be held at least \(Self.minimumPreservationDays) days (Budapest Convention Art. 29(7))")
        }
    }
}

/// The deadlines of one case, as signed into its opening event.
public struct CaseDeadlines: Sendable, Codable, Equatable {
    public var acknowledgeBy: Timestamp
    public var answerBy: Timestamp?
    public var preserveUntil: Timestamp?

    public init(acknowledgeBy: Timestamp, answerBy: Timestamp? = nil, preserveUntil: Timestamp? = nil) {
        self.acknowledgeBy = acknowledgeBy
        self.answerBy = answerBy
        self.preserveUntil = preserveUntil
    }

    enum CodingKeys: String, CodingKey {
        case acknowledgeBy = "acknowledge_by"
        case answerBy = "answer_by"
        case preserveUntil = "preserve_until"
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["acknowledge_by": .string(acknowledgeBy.rfc3339)]
        if let answerBy { o["answer_by"] = .string(answerBy.rfc3339) }
        if let preserveUntil { o["preserve_until"] = .string(preserveUntil.rfc3339) }
        return .object(o)
    }
}
