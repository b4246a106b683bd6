/// The outcome an addressed party gives to a request.
public enum AnswerOutcome: String, Sendable, CaseIterable, Codable {
    case granted
    case partiallyGranted = "partially_granted"
    case postponed
    case refused

    /// Postponement leaves the request open; the others settle it for that party.
    public var isFinal: Bool { self != .postponed }

    /// Outcomes that must say why (Budapest Art. 27(7): reasons for refusal or postponement).
    public var needsReason: Bool { self != .granted }

    public var allowedGrounds: [Ground] {
        switch self {
        case .refused: Ground.refusal
        case .postponed: Ground.postponement
        case .granted, .partiallyGranted: []
        }
    }
}

/// Grounds for refusing or postponing, from a fixed list so reports can count them.
public enum Ground: String, Sendable, CaseIterable, Codable {
    /// Budapest Art. 27(4)(a), 29(5)(a): a political offence or one connected with it.
    case politicalOffence = "political_offence"
    /// Art. 27(4)(b), 29(5)(b): prejudice to sovereignty, security, ordre public or other essential interests.
    case essentialInterests = "essential_interests"
    /// Art. 29(4), 25(5): dual criminality required and not met.
    case dualCriminality = "dual_criminality"
    /// The request lacks what is needed to act on it.
    case insufficientInformation = "insufficient_information"
    /// A ground provided by the law of the requested party or an applicable treaty (Art. 25(4)).
    case domesticLaw = "domestic_law"
    /// The data does not exist or is no longer held.
    case dataUnavailable = "data_unavailable"
    /// Art. 27(5): action would prejudice criminal investigations or proceedings.
    case prejudiceToProceedings = "prejudice_to_proceedings"
    /// Further information is awaited from the requesting party.
    case awaitingInformation = "awaiting_information"
    /// Anything else; the reason says what.
    case other

    public static let refusal: [Ground] = [.politicalOffence, .essentialInterests, .dualCriminality, .insufficientInformation, .domesticLaw, .dataUnavailable, .other]
    public static let postponement: [Ground] = [.prejudiceToProceedings, .awaitingInformation, .other]
}
