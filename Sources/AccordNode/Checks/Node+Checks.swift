import AccordCore
import AccordEvidence
import AccordStore

/// A check sent to one peer.
public struct SentCheck: Sendable, Encodable, Equatable {
    public var check: EventID
    public var peer: String
    public var expiresAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case check, peer
        case expiresAt = "expires_at"
    }
}

/// A peer not sent a new check because one to it is still running (checks do not pile up).
public struct SkippedCheck: Sendable, Encodable, Equatable {
    public var peer: String
    public var openCheck: EventID
    public var expiresAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case peer
        case openCheck = "open_check"
        case expiresAt = "expires_at"
    }
}

public struct CheckSendResult: Sendable, Encodable, Equatable {
    public var sent: [SentCheck]
    public var skipped: [SkippedCheck]
}

/// One communication check as `accord check list` and `GET /api/v1/checks` show it.
public struct CheckRecord: Sendable, Encodable, Equatable {
    /// One addressee of the check.
    public struct Party: Sendable, Encodable, Equatable {
        public var peer: String
        /// Transport acknowledgement: when the peer's node accepted the check (sent checks only).
        public var deliveredAt: Timestamp?
        /// Seconds from the check's signed time to `deliveredAt`.
        public var deliveredSeconds: Double?
        /// The signed time of the person on duty's answer.
        public var answeredAt: Timestamp?
        /// Human answer time: seconds from the check's signed time to the answer's signed time.
        public var answerSeconds: Double?
        public var status: CheckStatus

        enum CodingKeys: String, CodingKey {
            case peer, status
            case deliveredAt = "delivered_at"
            case deliveredSeconds = "delivered_seconds"
            case answeredAt = "answered_at"
            case answerSeconds = "answer_seconds"
        }
    }

    public var id: EventID
    /// `sent` (this node checks its peers) or `received` (a peer checks this node).
    public var direction: String
    public var initiator: String
    public var title: String
    public var message: String?
    public var exercise: Bool
    /// The check's signed time.
    public var sentAt: Timestamp
    /// When this node received it (received checks only).
    public var receivedAt: Timestamp?
    public var expiresAt: Timestamp
    public var status: CheckStatus
    /// The initiator has closed it (answered or expired); the case takes no further steps.
    public var closed: Bool
    public var parties: [Party]

    enum CodingKeys: String, CodingKey {
        case id, direction, initiator, title, message, exercise, status, closed, parties
        case sentAt = "sent_at"
        case receivedAt = "received_at"
        case expiresAt = "expires_at"
    }
}

extension Node {
    /// How long after a check's expiry its initiator waits before closing it as expired, for
    /// an answer signed in time that is still on its way (the clock difference nodes allow).
    public static let checkCloseGraceSeconds: Int64 = maxFutureSkewSeconds
    /// Where the time of the last scheduled round of checks is kept (milliseconds since 1970).
    static let lastScheduledCheckKey = "checks.last_scheduled_at"

    /// Sends a communication check to each of `peers` (every pinned peer if nil): one check
    /// case per peer, so that each is answered, expires and closes on its own. A peer that
    /// still has a running check from this node is skipped; one whose check has expired has it
    /// closed first. Throws `conflict` if every peer was skipped.
    public func sendChecks(to peers: [String]?, message: String? = nil, exercise: Bool = false, expireAfterMinutes: Int? = nil,
                           scheduled: Bool = false) async throws -> CheckSendResult {
        var targets: [String] = []
        if let peers {
            for p in peers where !targets.contains(p) { targets.append(p) }
            try await requirePinned(targets)
        } else {
            targets = try await store.peers().map(\.name).sorted()
            guard !targets.isEmpty else { throw AccordError(.invalidField, "there are no peers to check; add one with accord peer add", field: "to") }
        }
        if let m = expireAfterMinutes, !(1...527_040).contains(m) {
            throw AccordError(.invalidField, "expire_after_minutes must be 1–527040", field: "expire_after_minutes")
        }
        var fields: [String: JSONValue] = [:]
        if let message { fields["message"] = .string(message) }
        let template = OpenCaseRequest(kind: .check, title: scheduled ? "Scheduled communication check" : "Communication check", to: targets, fields: fields,
                                       exercise: exercise ? true : nil)
        // Refused before anything is signed: fields, and peers that cannot read an exercise.
        try CaseKind.check.validate(fields: fields)
        try await requireFeatures(of: template)

        await closeChecks(superseding: Set(targets))
        let now = time.now()
        // Running: neither answered nor at its expiry (a round due exactly at a check's expiry replaces it).
        let running = try await checksSentOpen().filter { !$0.checkAnsweredByAll && now < $0.deadlines.acknowledgeBy }
        var result = CheckSendResult(sent: [], skipped: [])
        for peer in targets {
            if let open = running.first(where: { $0.addressees.contains(peer) }) {
                result.skipped.append(SkippedCheck(peer: peer, openCheck: open.id, expiresAt: open.deadlines.acknowledgeBy))
                continue
            }
            var request = template
            request.to = [peer]
            let step = try await open(request, checkExpiresAfterMinutes: expireAfterMinutes)
            result.sent.append(SentCheck(check: step.event.id, peer: peer, expiresAt: step.state?.deadlines.acknowledgeBy ?? step.event.time))
        }
        if result.sent.isEmpty, let first = result.skipped.first, !scheduled {
            throw AccordError(
                .conflict,
                "a check to \(first.peer) is still running (\(first.openCheck.short), expires \(first.expiresAt)); checks do not pile up: it closes when answered or expired",
                field: "to")
        }
        if !result.skipped.isEmpty {
            logger.notice("checks skipped: one still running", metadata: ["peers": "\(result.skipped.map(\.peer).joined(separator: ","))"])
        }
        return result
    }

    /// The open checks this node initiated.
    func checksSentOpen() async throws -> [CaseState] {
        try await store.cases(CaseQuery(status: .open, kind: .check, limit: 100_000)).filter { $0.initiator == name }
    }

    /// Closes the checks this node sent that are done: answered by every addressee (reason
    /// `answered`), or expired longer than `checkCloseGraceSeconds` ago (reason `expired`); an
    /// expired check to one of `superseding` is closed at once, as a new check replaces it.
    /// Returns the checks closed, with the reason.
    @discardableResult
    public func closeChecks(superseding: Set<String> = []) async -> [(check: EventID, reason: String)] {
        let now = time.now()
        let open: [CaseState]
        do { open = try await checksSentOpen() } catch {
            logger.warning("could not read open checks", metadata: ["error": "\(error)"])
            return []
        }
        var closed: [(EventID, String)] = []
        for state in open {
            let expiry = state.deadlines.acknowledgeBy
            let reason: String
            if state.checkAnsweredByAll {
                reason = CheckClosing.answered
            } else if now.milliseconds > expiry.milliseconds + Self.checkCloseGraceSeconds * 1000
                        || (now >= expiry && !superseding.isDisjoint(with: state.addressees)) {
                reason = CheckClosing.expired
            } else {
                continue
            }
            do {
                _ = try await step(.close, in: state.id, body: ["reason": .string(reason)])
                closed.append((state.id, reason))
                logger.info("check closed", metadata: ["case": "\(state.id.short)", "reason": "\(reason)"])
            } catch {
                logger.warning("could not close a check", metadata: ["case": "\(state.id.short)", "error": "\(error)"])
            }
        }
        return closed
    }

    /// The person on duty answers a check sent to this node: an acknowledgement, signed now,
    /// with an optional message. A check that expired (or that its initiator closed) is refused
    /// with `gone`: a late answer is not recorded, and the check counts as unanswered.
    public func answerCheck(_ id: EventID, message: String? = nil) async throws -> AuthoredStep {
        guard let state = try await currentState(id) else { throw AccordError(.unknownCase, "this node holds no check \(id.hex)") }
        guard state.kind == .check else {
            throw AccordError(.invalidField, "case \(id.short) is a \(state.kind.title.lowercased()), not a communication check", field: "id")
        }
        guard let party = state.parties[name] else {
            throw AccordError(.conflict, "check \(id.short) was sent by this node (\(name)); only the nodes it was sent to answer it")
        }
        guard party.status == .awaitingAcknowledgement else {
            throw AccordError(.conflict, "check \(id.short) was already answered at \(party.acknowledgedAt.map(\.rfc3339) ?? "an earlier time")")
        }
        let now = time.now()
        guard state.status == .open, now <= state.deadlines.acknowledgeBy else {
            throw AccordError(
                .gone,
                "check \(id.short) expired at \(state.deadlines.acknowledgeBy) without an answer from \(name); a late answer is not recorded and the check counts as unanswered")
        }
        var body: [String: JSONValue] = [:]
        if let message { body["note"] = .string(message) }
        return try await step(.acknowledge, in: id, body: body)
    }

    /// Checks this node sent or received, newest first; with `openOnly`, those still open at now.
    public func checks(openOnly: Bool = false, limit: Int = 200) async throws -> [CheckRecord] {
        let now = time.now()
        var states = try await store.cases(CaseQuery(status: openOnly ? .open : nil, kind: .check, limit: openOnly ? 100_000 : limit))
        if openOnly { states = Array(states.filter { $0.checkStatus(at: now) == .open }.prefix(limit)) }
        let deliveries = try await store.checkDeliveries(states.filter { $0.initiator == name }.map(\.id))
        var out: [CheckRecord] = []
        for s in states {
            let sent = s.initiator == name
            let received = sent ? nil : try await store.event(s.id)?.receivedAt
            let parties = s.addressees.map { peer -> CheckRecord.Party in
                let delivered = deliveries[s.id]?[peer]
                let answered = s.parties[peer]?.acknowledgedAt
                let status: CheckStatus = answered != nil ? .answered : (s.checkStatus(at: now) == .open ? .open : .expired)
                return CheckRecord.Party(
                    peer: peer, deliveredAt: delivered, deliveredSeconds: delivered.map { Double($0.milliseconds - s.openedAt.milliseconds) / 1000 },
                    answeredAt: answered, answerSeconds: s.checkAnswerSeconds(of: peer), status: status)
            }
            out.append(CheckRecord(
                id: s.id, direction: sent ? "sent" : "received", initiator: s.initiator, title: s.title, message: s.fields["message"]?.stringValue,
                exercise: s.isExercise, sentAt: s.openedAt, receivedAt: received, expiresAt: s.deadlines.acknowledgeBy, status: s.checkStatus(at: now),
                closed: s.status != .open, parties: parties))
        }
        return out.sorted { ($0.sentAt, $0.id.hex) > ($1.sentAt, $1.id.hex) }
    }

    /// Sends the round of scheduled checks if one is due at now (`settings.intervalMinutes` after
    /// the last, kept in the store so a restart does not send it again); nil if none was due.
    /// The time is recorded before the checks are signed: a crash in between loses a round
    /// rather than sending it twice.
    public func sendScheduledChecks(_ settings: CheckSettings) async throws -> CheckSendResult? {
        guard settings.enabled else { return nil }
        let now = time.now()
        let interval = Int64(settings.intervalMinutes) * 60_000
        let last = try await store.metadata(Self.lastScheduledCheckKey).flatMap { Int64($0) }
        if let last, now.milliseconds < last + interval { return nil }
        let pinned = Set(try await store.peers().map(\.name))
        var targets: [String]
        switch settings.to {
        case .all: targets = pinned.sorted()
        case .peers(let names):
            targets = names.filter { pinned.contains($0) }
            let missing = names.filter { !pinned.contains($0) }
            if !missing.isEmpty { logger.warning("checks.to names peers that are not pinned; they are not checked", metadata: ["peers": "\(missing.joined(separator: ","))"]) }
        }
        guard !targets.isEmpty else { return nil }  // sent once a peer is pinned
        // Keep to the schedule's rhythm (last + interval) unless a whole interval was missed.
        let slot = last.map { $0 + interval }.flatMap { now.milliseconds - $0 < interval ? $0 : nil } ?? now.milliseconds
        try await store.setMetadata(Self.lastScheduledCheckKey, String(slot))
        let result = try await sendChecks(to: targets, message: settings.message, exercise: settings.exercise,
                                          expireAfterMinutes: settings.expireAfterMinutes, scheduled: true)
        logger.info("scheduled checks sent", metadata: ["sent": "\(result.sent.count)", "skipped": "\(result.skipped.count)"])
        return result
    }

    /// When the last scheduled round of checks was due, if one was sent.
    public func lastScheduledChecks() async throws -> Timestamp? {
        try await store.metadata(Self.lastScheduledCheckKey).flatMap { Int64($0) }.map { Timestamp(milliseconds: $0) }
    }
}
