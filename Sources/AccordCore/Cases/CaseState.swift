/// What a node knows of one cooperation case: a projection of the case's events it holds.
///
/// Rebuilt from events at any time; two nodes holding the same events hold the same state.
public struct CaseState: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case open, withdrawn, closed }

    public var id: EventID
    public var kind: CaseKind
    public var title: String
    public var initiator: String
    public var addressees: [String]
    public var openedAt: Timestamp
    public var status: Status
    public var fields: [String: JSONValue]
    public var norms: [String]
    public var urgent: Bool
    public var deadlines: CaseDeadlines
    public var parties: [String: PartyState]
    public var informationRequests: [InformationRequest]
    public var conditions: [ConditionsProposal]
    public var updatedAt: Timestamp
    /// The time of each participant's latest step in the case (a step may not be dated before
    /// its author's previous one). Absent in states stored before it existed.
    public var lastStepAt: [String: Timestamp]?
    /// Cited treaty articles (`LegalBases`), e.g. `budapest:29`; nil when none are cited.
    public var bases: [String]?
    /// Set (true) when the initiator signed the case as an exercise; nil for a real case.
    public var exercise: Bool?

    /// Whether the case is a drill: shown with a banner, kept out of statistics.
    public var isExercise: Bool { exercise == true }

    /// The members a `case.open` body may have (docs/protocol.md §5.1).
    public static let openMembers: Set<String> = ["kind", "title", "fields", "norms", "bases", "urgent", "exercise", "deadlines"]

    enum CodingKeys: String, CodingKey {
        case id, kind, title, initiator, addressees, status, fields, norms, urgent, deadlines, parties, conditions, bases, exercise
        case openedAt = "opened_at"
        case informationRequests = "information_requests"
        case updatedAt = "updated_at"
        case lastStepAt = "last_step_at"
    }

    public var participants: [String] { [initiator] + addressees }
}

/// Where one addressed party stands in a case.
public struct PartyState: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case awaitingAcknowledgement = "awaiting_acknowledgement"
        case acknowledged
        case informationRequested = "information_requested"
        case postponed
        case answered
    }

    public var status: Status
    public var acknowledgedAt: Timestamp?
    /// Seconds from opening to acknowledgement: for communication checks, the time a person on duty took.
    public var responseSeconds: Double?
    public var answer: AnswerRecord?

    enum CodingKeys: String, CodingKey {
        case status, answer
        case acknowledgedAt = "acknowledged_at"
        case responseSeconds = "response_seconds"
    }

    public var isSettled: Bool { status == .answered }
}

public struct AnswerRecord: Sendable, Codable, Equatable {
    public var outcome: AnswerOutcome
    public var grounds: [Ground]
    public var reason: String?
    public var details: String?
    public var at: Timestamp
    public var event: EventID
}

public struct InformationRequest: Sendable, Codable, Equatable {
    public var id: EventID
    public var by: String
    public var to: [String]
    public var questions: String
    public var at: Timestamp
    public var answeredBy: EventID?

    enum CodingKeys: String, CodingKey {
        case id, by, to, questions, at
        case answeredBy = "answered_by"
    }
}

/// Confidentiality conditions or conditions on use (Budapest Arts. 26(2), 27(8), 28).
public struct ConditionsProposal: Sendable, Codable, Equatable {
    public enum Response: String, Sendable, Codable { case accepted, declined }

    public var id: EventID
    public var by: String
    public var to: [String]
    public var conditions: String
    public var at: Timestamp
    public var responses: [String: Response]
}

public struct HistoryEntry: Sendable, Codable, Equatable {
    public var event: EventID
    public var type: EventType
    public var author: String
    public var to: [String]
    /// The time the author claims (signed into the event).
    public var at: Timestamp
    /// When this node first held the event: received from a peer, or authored here.
    public var receivedAt: Timestamp?
    /// The claimed time is earlier than the author's witnessed log allows (see `ReplyTiming`).
    public var backdated: Bool?
    public var summary: String

    public init(event: EventID, type: EventType, author: String, to: [String], at: Timestamp, receivedAt: Timestamp? = nil, summary: String) {
        self.event = event
        self.type = type
        self.author = author
        self.to = to
        self.at = at
        self.receivedAt = receivedAt
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case event, type, author, to, at, summary, backdated
        case receivedAt = "received_at"
    }
}
