import AccordCore

/// The raw material of responsiveness statistics: per case and addressed party, when the case
/// was opened, acknowledged and answered and when each was due. Kept in a compact table
/// (`case_timings`) written with each case state, so that statistics over 100,000 cases do
/// not decode one case state.
public protocol StatsStore: Sendable {
    /// Counters and sorted durations for the cases opened in `query`'s period, per direction,
    /// counterpart and kind.
    func responsiveness(_ query: StatsQuery) async throws -> StatsData
}

/// Which cases a statistics query covers.
public struct StatsQuery: Sendable, Equatable {
    /// Whether exercise cases are counted: never with real ones.
    public enum Exercise: String, Sendable, CaseIterable, Codable {
        /// Real cases only (the default).
        case exclude
        /// Exercise cases only.
        case only
    }

    /// This node: rows where it is neither the initiator nor the addressee are left out.
    public var me: String
    /// Cases opened at or after `from` and before `to`.
    public var from: Timestamp
    public var to: Timestamp
    /// Only cases with this counterpart (the addressee of a request this node sent, the
    /// initiator of one it received).
    public var peer: String?
    public var kind: CaseKind?
    public var exercise: Exercise
    /// What "overdue now" is measured against.
    public var now: Timestamp

    public init(me: String, from: Timestamp, to: Timestamp, peer: String? = nil, kind: CaseKind? = nil, exercise: Exercise = .exclude, now: Timestamp) {
        self.me = me
        self.from = from
        self.to = to
        self.peer = peer
        self.kind = kind
        self.exercise = exercise
        self.now = now
    }
}

/// Who asked whom, seen from this node.
public enum StatsDirection: String, Sendable, Codable, CaseIterable {
    /// Requests this node sent: how fast its peers acknowledge and answer.
    case sent
    /// Requests this node received: how fast it acknowledges and answers.
    case received
}

/// The finest grouping of the statistics: everything else adds these up.
public struct StatsCell: Sendable, Hashable {
    public var direction: StatsDirection
    public var counterpart: String
    public var kind: CaseKind

    public init(direction: StatsDirection, counterpart: String, kind: CaseKind) {
        self.direction = direction
        self.counterpart = counterpart
        self.kind = kind
    }
}

/// Counts of one group; they add up across groups.
public struct StatsCounts: Sendable, Equatable {
    /// (case, addressee) pairs opened in the period.
    public var requests = 0
    public var acknowledged = 0
    public var acknowledgedInTime = 0
    /// Acknowledged, or not and past the deadline in a case not withdrawn: whether it was in time is known.
    public var acknowledgementDecided = 0
    /// Requests of a kind that takes a formal answer, with an answer deadline.
    public var answerOwed = 0
    /// Given a final answer (granted, partially granted, refused).
    public var answered = 0
    public var answeredInTime = 0
    public var answerDecided = 0
    /// Open now, not acknowledged, the deadline passed.
    public var overdueAcknowledgement = 0
    /// Open now, no final answer, the deadline passed.
    public var overdueAnswer = 0
    /// The latest outcome given per request (postponed included).
    public var outcomes: [String: Int] = [:]
    /// The grounds cited in refusals.
    public var refusalGrounds: [String: Int] = [:]

    public init() {}

    public mutating func add(_ o: StatsCounts) {
        requests += o.requests
        acknowledged += o.acknowledged
        acknowledgedInTime += o.acknowledgedInTime
        acknowledgementDecided += o.acknowledgementDecided
        answerOwed += o.answerOwed
        answered += o.answered
        answeredInTime += o.answeredInTime
        answerDecided += o.answerDecided
        overdueAcknowledgement += o.overdueAcknowledgement
        overdueAnswer += o.overdueAnswer
        for (k, v) in o.outcomes { outcomes[k, default: 0] += v }
        for (k, v) in o.refusalGrounds { refusalGrounds[k, default: 0] += v }
    }
}

/// What the store returns: the cells with their counts, and every duration (milliseconds) in
/// ascending order with the index of its cell in `cells`, so that any grouping's durations come
/// out sorted.
public struct StatsData: Sendable {
    public var cells: [StatsCell]
    public var counts: [StatsCounts]
    public var acknowledgeMilliseconds: [(cell: Int, ms: Int64)]
    public var answerMilliseconds: [(cell: Int, ms: Int64)]

    public init(cells: [StatsCell] = [], counts: [StatsCounts] = [], acknowledgeMilliseconds: [(cell: Int, ms: Int64)] = [], answerMilliseconds: [(cell: Int, ms: Int64)] = []) {
        self.cells = cells
        self.counts = counts
        self.acknowledgeMilliseconds = acknowledgeMilliseconds
        self.answerMilliseconds = answerMilliseconds
    }
}
