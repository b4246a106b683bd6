import AccordCore

/// Scheduled communication checks (`checks` in `accord.json`; docs/operations.md). Without
/// the section no check is sent on a schedule; checks can always be sent on demand.
public struct CheckSettings: Sendable, Codable, Equatable {
    /// Whom a scheduled check goes to.
    public enum Recipients: Sendable, Equatable {
        /// Every pinned peer at the time the check is sent.
        case all
        case peers([String])
    }

    /// Sends checks on the schedule (true when the section is present and does not say otherwise).
    public var enabled: Bool
    /// Minutes between scheduled checks (`schedule`: hourly 60, daily 1440, weekly 10080; or `interval_minutes`).
    public var intervalMinutes: Int
    public var to: Recipients
    /// Minutes after sending that a check expires unanswered; at most the interval, so a check
    /// has always expired (and is closed) before the next one to the same peer is due.
    public var expireAfterMinutes: Int
    /// The message shown to the person on duty.
    public var message: String?
    /// Scheduled checks are signed as exercises.
    public var exercise: Bool

    public static let namedSchedules: [String: Int] = ["hourly": 60, "daily": 1440, "weekly": 10_080]
    /// A check sent on demand expires after this many minutes unless told otherwise (the
    /// default acknowledgement deadline of a check, `deadlines.rules.check`).
    public static let defaultExpireAfterMinutes = 120

    public init(enabled: Bool = true, intervalMinutes: Int = 10_080, to: Recipients = .all, expireAfterMinutes: Int? = nil, message: String? = nil,
                exercise: Bool = false) {
        self.enabled = enabled
        self.intervalMinutes = intervalMinutes
        self.to = to
        self.expireAfterMinutes = expireAfterMinutes ?? min(Self.defaultExpireAfterMinutes, intervalMinutes)
        self.message = message
        self.exercise = exercise
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, schedule, to, message, exercise
        case intervalMinutes = "interval_minutes"
        case expireAfterMinutes = "expire_after_minutes"
    }

    /// Names any key it does not know, and the key at fault in every other error.
    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let extra = any.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw AccordError(.configuration, "checks.\(extra) is not a key of checks; its keys are \(known.sorted().joined(separator: ", "))", field: "checks.\(extra)")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        let schedule = try c.decodeIfPresent(String.self, forKey: .schedule)
        let interval = try c.decodeIfPresent(Int.self, forKey: .intervalMinutes)
        switch (schedule, interval) {
        case (let s?, nil):
            guard let minutes = Self.namedSchedules[s] else {
                throw AccordError(.configuration, "checks.schedule must be hourly, daily or weekly (or give checks.interval_minutes instead), not \"\(s)\"", field: "checks.schedule")
            }
            intervalMinutes = minutes
        case (nil, let m?):
            intervalMinutes = m
        case (nil, nil):
            throw AccordError(.configuration, "checks.schedule is missing: give \"schedule\": \"weekly\" (hourly, daily, weekly) or \"interval_minutes\": N", field: "checks.schedule")
        case (_?, _?):
            throw AccordError(.configuration, "checks.interval_minutes and checks.schedule are both given; give one of them", field: "checks.interval_minutes")
        }
        if let single = try? c.decodeIfPresent(String.self, forKey: .to) {
            guard single == "all" else {
                throw AccordError(.configuration, "checks.to must be \"all\" or a list of peer names like [\"borealis-247\"]", field: "checks.to")
            }
            to = .all
        } else if let list = try? c.decodeIfPresent([String].self, forKey: .to) {
            to = .peers(list)
        } else if c.contains(.to) {
            throw AccordError(.configuration, "checks.to must be \"all\" or a list of peer names like [\"borealis-247\"]", field: "checks.to")
        } else {
            to = .all
        }
        expireAfterMinutes = try c.decodeIfPresent(Int.self, forKey: .expireAfterMinutes) ?? min(Self.defaultExpireAfterMinutes, intervalMinutes)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        exercise = try c.decodeIfPresent(Bool.self, forKey: .exercise) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enabled, forKey: .enabled)
        if let name = Self.namedSchedules.first(where: { $0.value == intervalMinutes })?.key {
            try c.encode(name, forKey: .schedule)
        } else {
            try c.encode(intervalMinutes, forKey: .intervalMinutes)
        }
        switch to {
        case .all: try c.encode("all", forKey: .to)
        case .peers(let names): try c.encode(names, forKey: .to)
        }
        try c.encode(expireAfterMinutes, forKey: .expireAfterMinutes)
        try c.encodeIfPresent(message, forKey: .message)
        if exercise { try c.encode(true, forKey: .exercise) }
    }

    public func validate() throws(AccordError) {
        guard (1...527_040).contains(intervalMinutes) else {
            throw AccordError(.configuration, "checks.interval_minutes must be 1–527040 (a year)", field: "checks.interval_minutes")
        }
        guard expireAfterMinutes >= 1, expireAfterMinutes <= intervalMinutes else {
            throw AccordError(
                .configuration,
                "checks.expire_after_minutes must be 1 to the interval (\(intervalMinutes) minutes), so that a check has expired before the next one is sent",
                field: "checks.expire_after_minutes")
        }
        if case .peers(let names) = to {
            guard !names.isEmpty else { throw AccordError(.configuration, "checks.to lists no peer; use \"all\" or name at least one", field: "checks.to") }
            if let bad = names.first(where: { !NodeName.isValid($0) }) {
                throw AccordError(.configuration, "checks.to: \"\(bad)\" is not a node name", field: "checks.to")
            }
        }
        if let message {
            guard !message.allSatisfy(\.isWhitespace), message.utf8.count <= CaseKind.maxTextBytes else {
                throw AccordError(.configuration, "checks.message must be non-empty text of at most \(CaseKind.maxTextBytes) bytes", field: "checks.message")
            }
        }
    }
}

/// Any key of a JSON object, to find the ones a settings section does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
