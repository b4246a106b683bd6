/// How long the addressed party has to acknowledge and answer, per case kind.
///
/// The initiating node applies its policy when it opens a case and writes the resulting
/// times into the signed opening event, so both sides hold the same deadlines. Deadlines are
/// configured in minutes; an urgent request gets the kind's shorter urgent acknowledgement
/// deadline.
public struct DeadlinePolicy: Sendable, Codable, Equatable {
    public struct Rule: Sendable, Codable, Equatable {
        public var acknowledgeWithinMinutes: Int
        /// nil: this kind takes no formal answer.
        public var answerWithinMinutes: Int?
        /// The acknowledgement deadline of an urgent request; never longer than `acknowledgeWithinMinutes`.
        public var urgentAcknowledgeWithinMinutes: Int

        public init(acknowledgeWithinMinutes: Int, answerWithinMinutes: Int?, urgentAcknowledgeWithinMinutes: Int? = nil) {
            self.acknowledgeWithinMinutes = acknowledgeWithinMinutes
            self.answerWithinMinutes = answerWithinMinutes
            self.urgentAcknowledgeWithinMinutes = urgentAcknowledgeWithinMinutes ?? acknowledgeWithinMinutes
        }

        /// A rule in whole hours (the urgent acknowledgement deadline in minutes).
        public static func hours(_ acknowledge: Int, answer: Int?, urgentMinutes: Int) -> Rule {
            Rule(acknowledgeWithinMinutes: acknowledge * 60, answerWithinMinutes: answer.map { $0 * 60 }, urgentAcknowledgeWithinMinutes: urgentMinutes)
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case acknowledgeWithinMinutes = "acknowledge_within_minutes"
            case answerWithinMinutes = "answer_within_minutes"
            case urgentAcknowledgeWithinMinutes = "urgent_acknowledge_within_minutes"
        }

        /// Names written by earlier versions, in hours; still read.
        enum LegacyKeys: String, CodingKey {
            case acknowledgeWithinHours, answerWithinHours
            case acknowledgeWithinHoursSnake = "acknowledge_within_hours"
            case answerWithinHoursSnake = "answer_within_hours"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let old = try decoder.container(keyedBy: LegacyKeys.self)
            func hours(_ keys: LegacyKeys...) throws -> Int? {
                for k in keys { if let h = try old.decodeIfPresent(Int.self, forKey: k) { return h * 60 } }
                return nil
            }
            guard let ack = try c.decodeIfPresent(Int.self, forKey: .acknowledgeWithinMinutes) ?? hours(.acknowledgeWithinHoursSnake, .acknowledgeWithinHours)
            else {
                throw DecodingError.keyNotFound(
                    CodingKeys.acknowledgeWithinMinutes, .init(codingPath: decoder.codingPath, debugDescription: "a whole number of minutes"))
            }
            acknowledgeWithinMinutes = ack
            answerWithinMinutes = try c.decodeIfPresent(Int.self, forKey: .answerWithinMinutes) ?? hours(.answerWithinHoursSnake, .answerWithinHours)
            urgentAcknowledgeWithinMinutes = try c.decodeIfPresent(Int.self, forKey: .urgentAcknowledgeWithinMinutes) ?? ack
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

    enum CodingKeys: String, CodingKey {
        case rules
        case preservationDays = "preservation_days"
    }

    enum LegacyKeys: String, CodingKey { case preservationDays }

    /// A kind missing from `rules` takes the standard rule.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let old = try decoder.container(keyedBy: LegacyKeys.self)
        rules = try c.decodeIfPresent([String: Rule].self, forKey: .rules) ?? [:]
        preservationDays = try c.decodeIfPresent(Int.self, forKey: .preservationDays)
            ?? old.decodeIfPresent(Int.self, forKey: .preservationDays) ?? Self.standard.preservationDays
    }

    /// The defaults documented in docs/operations.md.
    public static let standard = DeadlinePolicy(
        rules: [
            CaseKind.notification.rawValue: .hours(24, answer: nil, urgentMinutes: 60),
            CaseKind.assistance.rawValue: .hours(4, answer: 72, urgentMinutes: 60),
            CaseKind.preservation.rawValue: .hours(24, answer: 72, urgentMinutes: 120),
            CaseKind.disclosure.rawValue: .hours(24, answer: 7 * 24, urgentMinutes: 120),
            CaseKind.mla.rawValue: .hours(7 * 24, answer: 90 * 24, urgentMinutes: 24 * 60),
            CaseKind.consultation.rawValue: .hours(72, answer: 14 * 24, urgentMinutes: 12 * 60),
            CaseKind.check.rawValue: .hours(2, answer: nil, urgentMinutes: 30),
        ],
        preservationDays: 90
    )

    public func rule(for kind: CaseKind) -> Rule {
        rules[kind.rawValue] ?? Self.standard.rules[kind.rawValue]!
    }

    /// The deadlines of a case of `kind` opened at `time`; an urgent one is to be acknowledged
    /// within the kind's urgent acknowledgement deadline.
    public func deadlines(for kind: CaseKind, openedAt time: Timestamp, preservationDays requested: Int? = nil, urgent: Bool = false) -> CaseDeadlines {
        let rule = rule(for: kind)
        let ackMinutes = urgent ? min(rule.urgentAcknowledgeWithinMinutes, rule.acknowledgeWithinMinutes) : rule.acknowledgeWithinMinutes
        var d = CaseDeadlines(acknowledgeBy: time.adding(seconds: Int64(ackMinutes) * 60))
        if kind.takesAnswer, let answer = rule.answerWithinMinutes { d.answerBy = time.adding(seconds: Int64(answer) * 60) }
        if kind == .preservation {
            let days = max(requested ?? preservationDays, Self.minimumPreservationDays)
            d.preserveUntil = time.adding(days: Int64(days))
        }
        return d
    }

    public func validate() throws(AccordError) {
        for (name, rule) in rules.sorted(by: { $0.key < $1.key }) {
            guard CaseKind(rawValue: name) != nil else {
                throw AccordError(.configuration, "deadlines.rules: unknown case kind \"\(name)\"; kinds are \(CaseKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "deadlines.rules.\(name)")
            }
            let prefix = "deadlines.rules.\(name)."
            guard rule.acknowledgeWithinMinutes > 0 else {
                throw AccordError(.configuration, "\(prefix)acknowledge_within_minutes must be a positive number of minutes", field: prefix + "acknowledge_within_minutes")
            }
            if let answer = rule.answerWithinMinutes, answer <= 0 {
                throw AccordError(.configuration, "\(prefix)answer_within_minutes must be a positive number of minutes", field: prefix + "answer_within_minutes")
            }
            guard rule.urgentAcknowledgeWithinMinutes > 0, rule.urgentAcknowledgeWithinMinutes <= rule.acknowledgeWithinMinutes else {
                throw AccordError(
                    .configuration,
                    "\(prefix)urgent_acknowledge_within_minutes must be a positive number of minutes, at most acknowledge_within_minutes (\(rule.acknowledgeWithinMinutes))",
                    field: prefix + "urgent_acknowledge_within_minutes")
            }
        }
        guard preservationDays >= Self.minimumPreservationDays else {
            throw AccordError(
                .configuration, "deadlines.preservation_days: preservation must be held at least \(Self.minimumPreservationDays) days (Budapest Convention Art. 29(7))",
                field: "deadlines.preservation_days")
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
