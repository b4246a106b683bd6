/// When a party's replies (acknowledgement, answer) really came, as this node can attest it.
///
/// An event's `time` is what its author claims; a node holding it also knows when it received
/// it. A reply counts as on time only if this node received it by the deadline, or holds proof
/// from the author's witnessed log that it existed by then (`witnessedBy`); never on the
/// strength of its claimed time alone, so a backdated reply cannot make a late one look on time.
/// Response times are measured to the same attested time.
public struct ReplyTiming: Sendable, Codable, Equatable {
    public struct Reply: Sendable, Codable, Equatable {
        public var event: EventID
        /// The author's claimed time.
        public var claimed: Timestamp
        /// When this node first held the event (for its own events, when it authored them).
        public var received: Timestamp
        /// The earliest cosignature time of a witnessed checkpoint of the author's log that
        /// includes the event, if this node holds one.
        public var witnessedBy: Timestamp?
        /// The earliest the event can have been signed, by the author's log: it comes after a
        /// checkpoint witnesses cosigned (less the allowed delay), if this node observed one.
        public var notBefore: Timestamp?
        /// The claimed time is earlier than `notBefore`: the event was backdated.
        public var backdated: Bool
        /// The time the reply is judged by: the earlier of received and witnessed, never before
        /// the claim nor before `notBefore`.
        public var attested: Timestamp
        public var due: Timestamp?
        public var late: Bool
        /// Seconds from the case's opening to `attested`.
        public var responseSeconds: Double

        enum CodingKeys: String, CodingKey {
            case event, claimed, received, attested, due, late, backdated
            case witnessedBy = "witnessed_by"
            case notBefore = "not_before"
            case responseSeconds = "response_seconds"
        }
    }

    public var party: String
    public var acknowledgement: Reply?
    public var answer: Reply?

    /// What this node knows about one event it holds.
    public struct Observation: Sendable {
        public var event: EventID
        public var type: EventType
        public var author: String
        public var claimed: Timestamp
        public var received: Timestamp
        public var witnessedBy: Timestamp?
        public var notBefore: Timestamp?

        public init(event: EventID, type: EventType, author: String, claimed: Timestamp, received: Timestamp, witnessedBy: Timestamp? = nil,
                    notBefore: Timestamp? = nil) {
            self.event = event
            self.type = type
            self.author = author
            self.claimed = claimed
            self.received = received
            self.witnessedBy = witnessedBy
            self.notBefore = notBefore
        }

        /// The claim is earlier than the log allows.
        public var backdated: Bool { notBefore.map { claimed < $0 } ?? false }
    }

    /// The timing of every addressee's first acknowledgement (or the step that implies one) and
    /// final answer, from the case's events in the order this node holds them.
    public static func of(_ state: CaseState, events: [Observation]) -> [ReplyTiming] {
        var out: [String: ReplyTiming] = [:]
        for name in state.addressees { out[name] = ReplyTiming(party: name) }
        for e in events where state.addressees.contains(e.author) {
            let attested = max(e.claimed, e.notBefore ?? e.claimed, min(e.received, e.witnessedBy ?? e.received))
            func reply(due: Timestamp?) -> Reply {
                Reply(
                    event: e.event, claimed: e.claimed, received: e.received, witnessedBy: e.witnessedBy, notBefore: e.notBefore,
                    backdated: e.backdated, attested: attested, due: due,
                    late: due.map { attested > $0 } ?? false,
                    responseSeconds: Double(attested.milliseconds - state.openedAt.milliseconds) / 1000)
            }
            switch e.type {
            case .acknowledge, .requestInformation, .answer:
                if out[e.author]?.acknowledgement == nil { out[e.author]?.acknowledgement = reply(due: state.deadlines.acknowledgeBy) }
                if e.type == .answer, state.parties[e.author]?.answer?.event == e.event {
                    out[e.author]?.answer = reply(due: state.deadlines.answerBy)
                }
            default:
                continue
            }
        }
        return state.addressees.compactMap { out[$0] }
    }
}
