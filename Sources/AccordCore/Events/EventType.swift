/// Every kind of event a node may author.
public enum EventType: String, Sendable, CaseIterable, Codable {
    /// A node's signed profile (not addressed to anyone; served to whoever asks).
    case profile = "node.profile"
    /// A new signing key, announced under the old one.
    case keyRotation = "node.key_rotation"

    case open = "case.open"
    case acknowledge = "case.acknowledge"
    case requestInformation = "case.request_information"
    case provideInformation = "case.provide_information"
    case answer = "case.answer"
    case extend = "case.extend"
    case withdraw = "case.withdraw"
    case close = "case.close"
    case proposeConditions = "case.conditions_proposed"
    case acceptConditions = "case.conditions_accepted"
    case declineConditions = "case.conditions_declined"

    public var isCaseStep: Bool { rawValue.hasPrefix("case.") }
}

extension EventType {
    /// The short names operators use for case steps (API, CLI).
    public static let stepNames: [String: EventType] = [
        "acknowledge": .acknowledge,
        "request_information": .requestInformation,
        "provide_information": .provideInformation,
        "answer": .answer,
        "extend": .extend,
        "withdraw": .withdraw,
        "close": .close,
        "propose_conditions": .proposeConditions,
        "accept_conditions": .acceptConditions,
        "decline_conditions": .declineConditions,
    ]

    public init?(stepName: String) {
        guard let t = Self.stepNames[stepName] else { return nil }
        self = t
    }
}
