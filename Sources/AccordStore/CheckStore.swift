import AccordCore

/// When each communication check this node sent reached its addressee's node: the transport
/// acknowledgement (the peer's node accepted the batch holding the check), kept apart from the
/// human answer, which is a signed event of its own. Recorded by `acknowledgeDelivery`, in the
/// transaction that moves the peer's delivery cursor past the check.
public protocol CheckStore: Sendable {
    /// Starts tracking the delivery of the check `caseID` (an event this node authored) to
    /// `peers`. A check the cursor has already passed (delivered before this call) is recorded
    /// as delivered at `now`.
    func recordCheckSent(_ caseID: EventID, to peers: [String], now: Timestamp) async throws
    /// The transport acknowledgement times of the checks `ids`, by check and peer.
    func checkDeliveries(_ ids: [EventID]) async throws -> [EventID: [String: Timestamp]]
}
