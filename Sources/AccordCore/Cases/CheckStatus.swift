/// Where a communication check stands, as every node holding its events derives it.
///
/// A check (a case of kind `check`) expires at its signed `acknowledge_by`: past it, the
/// person on duty can no longer answer (`CaseState.apply` refuses an acknowledgement of a
/// check dated after it, on the author's node and on every receiver). The initiator closes the
/// check once every addressee has answered, or once it has expired (docs/protocol.md §5.4).
public enum CheckStatus: String, Sendable, Codable, CaseIterable {
    /// Sent, not yet answered by every addressee, not expired.
    case open
    /// Every addressee's person on duty answered before the expiry.
    case answered
    /// The expiry passed before every addressee answered; those who did not count as unanswered.
    case expired
}

/// The reasons the initiator signs into the `case.close` of a check.
public enum CheckClosing {
    public static let answered = "answered"
    public static let expired = "expired"
}

extension CaseState {
    /// When a check expires: its signed acknowledgement deadline. nil for other kinds.
    public var checkExpiresAt: Timestamp? { kind == .check ? deadlines.acknowledgeBy : nil }

    /// Whether every addressee has answered (acknowledged) the check.
    public var checkAnsweredByAll: Bool {
        addressees.allSatisfy { name in parties[name].map { $0.status != .awaitingAcknowledgement } ?? false }
    }

    /// The status of a check at `now`: answered once every addressee has answered; expired
    /// once its expiry has passed (or the initiator closed it) without that; otherwise open.
    public func checkStatus(at now: Timestamp) -> CheckStatus {
        if checkAnsweredByAll { return .answered }
        if status != .open || now > deadlines.acknowledgeBy { return .expired }
        return .open
    }

    /// A check this node still has to answer at `now`: addressed to `me`, not answered, not expired.
    public func checkAwaitsAnswer(from me: String, at now: Timestamp) -> Bool {
        kind == .check && status == .open && now <= deadlines.acknowledgeBy && parties[me]?.status == .awaitingAcknowledgement
    }

    /// The human answer time of `party`: seconds from the check's signed time to the signed time
    /// of the party's answer (both times are in the signed events, so anyone holding them can
    /// recompute it). nil while the party has not answered.
    public func checkAnswerSeconds(of party: String) -> Double? {
        guard kind == .check, let at = parties[party]?.acknowledgedAt else { return nil }
        return Double(at.milliseconds - openedAt.milliseconds) / 1000
    }
}
