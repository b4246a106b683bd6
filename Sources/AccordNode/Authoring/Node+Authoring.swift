import AccordCore
import AccordLog
import AccordStore

/// What an operator asks for when opening a case.
public struct OpenCaseRequest: Sendable, Codable {
    public var kind: CaseKind
    public var title: String
    public var to: [String]
    public var fields: [String: JSONValue]
    public var norms: [String]?
    /// Cited treaty articles, e.g. `budapest:29` (`LegalBases`).
    public var bases: [String]?
    public var urgent: Bool?
    /// A drill: signed into the case so every party sees it as one.
    public var exercise: Bool?
    /// Days of preservation asked for (preservation only; at least 60).
    public var preservationDays: Int?

    public init(kind: CaseKind, title: String, to: [String], fields: [String: JSONValue], norms: [String]? = nil, urgent: Bool? = nil,
                preservationDays: Int? = nil, bases: [String]? = nil, exercise: Bool? = nil) {
        self.kind = kind
        self.title = title
        self.to = to
        self.fields = fields
        self.norms = norms
        self.urgent = urgent
        self.preservationDays = preservationDays
        self.bases = bases
        self.exercise = exercise
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, title, to, fields, norms, bases, urgent, exercise
        case preservationDays = "preservation_days"
    }

    /// The members a request body may have; the operator API refuses any other.
    public static var memberNames: Set<String> { Set(CodingKeys.allCases.map(\.stringValue)) }
}

/// One step to take in a case (see `Node.steps`).
public struct StepRequest: Sendable {
    public var type: EventType
    public var caseID: EventID
    public var body: [String: JSONValue]
    /// nil: the other side of the case.
    public var to: [String]?

    public init(type: EventType, caseID: EventID, body: [String: JSONValue], to: [String]? = nil) {
        self.type = type
        self.caseID = caseID
        self.body = body
        self.to = to
    }
}

/// An event this node has signed and committed, with the case state it produced.
public struct AuthoredStep: Sendable {
    public var event: Event
    public var state: CaseState?
    public var logIndex: Int64
    public var summary: String
}

extension Node {
    /// Opens a case: validates, signs, commits to the store, log and outbox, and wakes delivery.
    public func open(_ request: OpenCaseRequest) async throws -> AuthoredStep {
        try await open(request, checkExpiresAfterMinutes: nil)
    }

    /// Opens a case; a communication check expires (is to be answered by) `checkExpiresAfterMinutes`
    /// after it is signed instead of after the check kind's acknowledgement deadline.
    func open(_ request: OpenCaseRequest, checkExpiresAfterMinutes: Int?) async throws -> AuthoredStep {
        if let days = request.preservationDays {
            guard request.kind == .preservation else {
                throw AccordError(.invalidField, "only a preservation request takes preservation_days", field: "preservation_days")
            }
            guard days >= DeadlinePolicy.minimumPreservationDays, days <= 3650 else {
                throw AccordError(.invalidField, "preservation lasts not less than 60 days (Budapest Convention Art. 29(7)) and at most 3650", field: "preservation_days")
            }
        }
        try await requirePinned(request.to)
        try await requireFeatures(of: request)
        let (event, state, ticket) = try await caseLock.withLock {
            let epoch = commits.epoch
            let now = time.now()
            var deadlines = policy.deadlines(for: request.kind, openedAt: now, preservationDays: request.preservationDays, urgent: request.urgent == true)
            if request.kind == .check, let minutes = checkExpiresAfterMinutes { deadlines.acknowledgeBy = now.adding(seconds: Int64(minutes) * 60) }
            var body: [String: JSONValue] = [
                "kind": .string(request.kind.rawValue),
                "title": .string(request.title),
                "fields": .object(request.fields),
                "deadlines": deadlines.json,
            ]
            if let norms = request.norms, !norms.isEmpty { body["norms"] = .strings(norms) }
            if let bases = request.bases, !bases.isEmpty { body["bases"] = .strings(bases) }
            if let urgent = request.urgent { body["urgent"] = .bool(urgent) }
            // Only a drill carries the member: a real case's event is as an earlier version wrote it.
            if request.exercise == true { body["exercise"] = .bool(true) }
            // Refused before signing: the same rules every receiver applies.
            _ = try CaseState.open(CaseStep(id: nil, type: .open, author: name, to: request.to, time: now, body: body))
            let event = Event.sign(type: .open, origin: name, to: request.to, caseID: nil, time: now, body: body, keys: keys)
            let state = try CaseState.open(CaseStep(event))
            return (event, state, try commits.enqueue(AuthoredCommit(event: event, caseState: state), epoch: epoch))
        }
        let index = try await committed(ticket)
        // A communication check's transport acknowledgement is recorded per addressee (CheckStore).
        if request.kind == .check {
            // Bookkeeping only: the check is signed and on its way whatever happens here.
            do { try await store.recordCheckSent(event.id, to: event.to, now: time.now()) } catch {
                logger.warning("could not record a check for its delivery time", metadata: ["case": "\(event.id.short)", "error": "\(error)"])
            }
        }
        logger.info("case opened", metadata: ["case": "\(event.id.short)", "kind": "\(request.kind.rawValue)", "to": "\(request.to.joined(separator: ","))"])
        wakeDelivery(for: event.to)
        return AuthoredStep(event: event, state: state, logIndex: index, summary: state.openingSummary)
    }

    /// Waits for a queued event's group to be committed.
    func committed(_ ticket: GroupCommit.Ticket) async throws -> Int64 {
        await commits.drive(store: store, time: time)
        return try await ticket.value()
    }

    /// Takes a further step in a case. `to` defaults to the other side of the case.
    public func step(_ type: EventType, in caseID: EventID, body: [String: JSONValue], to: [String]? = nil) async throws -> AuthoredStep {
        try await steps([StepRequest(type: type, caseID: caseID, body: body, to: to)])[0]
    }

    /// Takes several steps, in order, all or none: if one is illegal nothing is signed.
    /// Later steps may build on earlier ones in the same case. Bulk integrations use this.
    public func steps(_ requests: [StepRequest]) async throws -> [AuthoredStep] {
        for r in requests where !r.type.isCaseStep || r.type == .open {
            throw AccordError(.invalidField, "\(r.type.rawValue) is not a step in an existing case", field: "type")
        }
        let prepared = try await caseLock.withLock {
            let epoch = commits.epoch
            var states: [EventID: CaseState] = [:]
            var out: [(Event, CaseState, String)] = []
            let now = time.now()
            let signingKeys = keys
            for r in requests {
                var state: CaseState
                if let s = states[r.caseID] {
                    state = s
                } else if let s = try await currentState(r.caseID) {
                    state = s
                } else {
                    throw AccordError(.unknownCase, "this node holds no case \(r.caseID.hex)")
                }
                let recipients = r.to ?? state.defaultRecipients(for: name)
                var draft = state
                _ = try draft.apply(CaseStep(id: nil, type: r.type, author: name, to: recipients, time: now, body: r.body))
                let event = Event.sign(type: r.type, origin: name, to: recipients, caseID: r.caseID, time: now, body: r.body, keys: signingKeys)
                let summary = try state.apply(CaseStep(event))
                states[r.caseID] = state
                out.append((event, state, summary))
            }
            // Queued only once every step proved legal.
            var queued: [(Event, CaseState, String, GroupCommit.Ticket)] = []
            for (event, state, summary) in out {
                queued.append((event, state, summary, try commits.enqueue(AuthoredCommit(event: event, caseState: state), epoch: epoch)))
            }
            return queued
        }
        await commits.drive(store: store, time: time)
        var results: [AuthoredStep] = []
        for (event, state, summary, ticket) in prepared {
            let index = try await ticket.value()
            logger.info("case step", metadata: ["case": "\(event.caseID?.short ?? "-")", "type": "\(event.type.rawValue)", "event": "\(event.id.short)"])
            results.append(AuthoredStep(event: event, state: state, logIndex: index, summary: summary))
        }
        wakeDelivery(for: Array(Set(prepared.flatMap(\.0.to))))
        return results
    }

    /// Refuses a case using members of `case.open` that an addressee's signed profile does not
    /// list in `features` (a node of an earlier version would reject the event): better a clear
    /// error now than a request parked on the way.
    func requireFeatures(of request: OpenCaseRequest) async throws {
        var needed: [String] = []
        if let bases = request.bases, !bases.isEmpty { needed.append(Profile.Feature.bases) }
        if request.exercise == true { needed.append(Profile.Feature.exercise) }
        guard !needed.isEmpty else { return }
        for peer in request.to {
            guard let stored = try await store.peer(named: peer) else { continue }
            // A peer pinned without its profile is taken for a version-1 node, as for event types.
            let features = stored.profile.flatMap { try? Profile.verify($0) }?.features ?? []
            let missing = needed.filter { !features.contains($0) }
            if !missing.isEmpty {
                throw AccordError(
                    .conflict,
                    "\(peer) runs an earlier version of Accord that cannot read \(missing.joined(separator: " or ")) in a request (its profile does not list them); open the case without them, or ask \(peer) to upgrade",
                    field: missing.contains(Profile.Feature.exercise) ? "exercise" : "bases")
            }
        }
    }

    func requirePinned(_ names: [String]) async throws {
        guard !names.isEmpty else { throw AccordError(.invalidField, "address the case to at least one peer", field: "to") }
        for peer in names {
            guard NodeName.isValid(peer) else { throw AccordError(.invalidField, "\"\(peer)\" is not a node name", field: "to") }
            guard peer != name else { throw AccordError(.invalidField, "a node cannot address a case to itself", field: "to") }
            guard try await store.peer(named: peer) != nil else {
                throw AccordError(.unknownPeer, "\(peer) is not a pinned peer; add it first with accord peer add", field: "to")
            }
        }
    }

    /// The case and its timeline, rebuilt from the events this node holds.
    public func caseDetail(_ id: EventID) async throws -> (state: CaseState, timeline: [HistoryEntry], timing: [ReplyTiming]) {
        guard let state = try await store.caseState(id) else { throw AccordError(.unknownCase, "this node holds no case \(id.hex)") }
        let events = try await store.events(inCase: id)
        var replay: CaseState?
        var timeline: [HistoryEntry] = []
        for stored in events {
            let e = stored.event
            let summary: String
            if e.type == .open {
                let s = try CaseState.open(CaseStep(e))
                replay = s
                summary = s.openingSummary
            } else if e.type == .evidenceAdded {
                summary = Self.evidenceSummary(e)
            } else if e.type == .evidenceCustody {
                summary = Self.custodySummary(e)
            } else if var s = replay {
                summary = (try? s.apply(CaseStep(e))) ?? e.type.rawValue
                replay = s
            } else {
                summary = e.type.rawValue
            }
            timeline.append(HistoryEntry(event: e.id, type: e.type, author: e.origin, to: e.to, at: e.time, receivedAt: stored.receivedAt, summary: summary))
        }
        var observations: [ReplyTiming.Observation] = []
        let peers = try await store.peers()
        for stored in events {
            let e = stored.event
            var witnessed: Timestamp? = nil
            var notBefore: Timestamp? = nil
            if e.origin != name, let receipt = try? await store.receipt(for: e.id) {
                let witnesses = peers.filter { $0.name != e.origin }
                witnessed = Self.cosignatureTimes(receipt.checkpoint, witnesses: witnesses).min()
                // Checkpoints of the author's log that this event comes after: seen in exchanges
                // (pruned after a while) or with earlier receipts (kept).
                var before: [String] = []
                if let o = try? await store.observedCheckpoint(origin: e.origin, atMost: receipt.leafIndex) { before.append(o.note) }
                if let r = try? await store.receiptCheckpoint(origin: e.origin, atMost: receipt.leafIndex) { before.append(r) }
                if let latest = before.flatMap({ Self.cosignatureTimes($0, witnesses: witnesses) }).max() {
                    notBefore = latest.adding(seconds: -backdatingAllowanceSeconds)
                }
            }
            observations.append(ReplyTiming.Observation(
                event: e.id, type: e.type, author: e.origin, claimed: e.time, received: stored.receivedAt, witnessedBy: witnessed, notBefore: notBefore))
        }
        for (i, o) in observations.enumerated() where o.backdated { timeline[i].backdated = true }
        return (state, timeline, ReplyTiming.of(state, events: observations))
    }

    /// Everything overdue on this node at the current time, most overdue first.
    public func overdue() async throws -> [OverdueItem] {
        let now = time.now()
        return try await store.openCases(withDeadlineBy: now).flatMap { $0.overdue(at: now) }.sorted { $0.due < $1.due }
    }

    /// How much earlier than a cosignature of a checkpoint an event after that checkpoint may
    /// still have been signed: a witness is asked for an origin's latest checkpoint within one
    /// request timeout of the round that read the log's size, and its clock may be off by the
    /// allowed skew (docs/protocol.md §9.3.2).
    var backdatingAllowanceSeconds: Int64 { Int64(configuration.log.requestTimeoutSeconds) + MessageSignature.maxSkewSeconds }

    /// The times witnesses this node pins (never the origin itself) cosigned `note`, verified.
    static func cosignatureTimes(_ note: String, witnesses: [Peer]) -> [Timestamp] {
        guard let parsed = try? SignedNote(parsing: note) else { return [] }
        let keys = witnesses.compactMap { try? NoteVerifierKey(name: $0.name, type: .cosignatureV1, key: $0.signingKey) }
        guard let verified = try? parsed.verify(against: keys) else { return [] }
        return verified.compactMap(\.timestamp).map { Timestamp(milliseconds: Int64($0) * 1000) }
    }
}
