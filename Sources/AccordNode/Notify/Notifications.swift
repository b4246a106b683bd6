import AccordCore
import AccordStore
import Crypto
import Foundation

/// What a notification says, before it is queued for each destination that wants it.
///
/// A notification carries the case's kind, title, parties, urgency, the step and the deadline,
/// and a link to the console: never the facts, data, questions or answers of the case, which a
/// person reads in the console (docs/operations.md, "Notifications").
public struct NotificationMessage: Sendable, Equatable {
    /// The idempotency id: the same cause (an event, a deadline) always gives the same id.
    public var id: String
    public var event: NotificationSettings.Event
    public var payload: JSONValue

    /// The id of the notification caused by `cause` (an event id, a deadline's description).
    static func id(for cause: String) -> String {
        "ntf-" + String(Encoding.hex(Array(SHA256.hash(data: Array(cause.utf8)))).prefix(32))
    }
}

/// Builds notifications for a node and queues them per destination.
public struct NotificationComposer: Sendable {
    public let settings: NotificationSettings
    public let node: String

    public init(settings: NotificationSettings, node: String) {
        self.settings = settings
        self.node = node
    }

    /// One queued row per destination that wants `message`.
    public func queue(_ message: NotificationMessage, at now: Timestamp) -> [QueuedNotification] {
        var payload = message.payload.objectValue ?? [:]
        payload["id"] = .string(message.id)
        payload["event"] = .string(message.event.rawValue)
        payload["node"] = .string(node)
        payload["created_at"] = .string(now.rfc3339)
        let bytes = CanonicalJSON.encode(.object(payload))
        var rows: [QueuedNotification] = []
        for hook in settings.webhooks where hook.wants(message.event) {
            rows.append(QueuedNotification(id: message.id, channel: .webhook, target: hook.url, event: message.event.rawValue, payload: bytes, createdAt: now))
        }
        if let email = settings.email, email.wants(message.event) {
            rows.append(QueuedNotification(id: message.id, channel: .email, target: "email", event: message.event.rawValue, payload: bytes, createdAt: now))
        }
        return rows
    }

    func link(_ caseID: EventID) -> JSONValue? {
        settings.consoleURL.map { url in .string((url.hasSuffix("/") ? String(url.dropLast()) : url) + "/cases/" + caseID.hex) }
    }

    func caseSummary(_ state: CaseState) -> JSONValue {
        .object([
            "id": .string(state.id.hex), "kind": .string(state.kind.rawValue), "kind_title": .string(state.kind.title),
            "title": .string(state.title), "initiator": .string(state.initiator), "addressees": .strings(state.addressees),
            "urgent": .bool(state.urgent), "status": .string(state.status.rawValue),
        ])
    }

    // MARK: Received events

    /// The notifications for events a peer sent that this node accepted: a request addressed to
    /// it, and every step on one of its cases (`needs_action` says whether it asks something of this node).
    public func received(_ events: [Event], states: [EventID: CaseState]) -> [NotificationMessage] {
        guard !settings.isEmpty else { return [] }
        var out: [NotificationMessage] = []
        for event in events where event.type.isCaseStep {
            let caseID = event.type == .open ? event.id : event.caseID
            guard let caseID, let state = states[caseID] else { continue }
            var p: [String: JSONValue] = [
                "case": caseSummary(state),
                "step": .object(["type": .string(event.type.rawValue), "event": .string(event.id.hex), "by": .string(event.origin), "at": .string(event.time.rfc3339)]),
            ]
            if let link = link(caseID) { p["link"] = link }
            let action = self.action(for: event, in: state)
            p["needs_action"] = .bool(action != nil)
            if let action { p["action"] = .string(action) }
            if let due = nextDeadline(in: state) {
                p["deadline"] = .object(["what": .string(due.what), "due": .string(due.at.rfc3339), "owed_by": .string(node)])
            }
            out.append(NotificationMessage(id: NotificationMessage.id(for: "event:" + event.id.hex), event: event.type == .open ? .requestReceived : .stepReceived, payload: .object(p)))
        }
        return out
    }

    /// The rows to queue for accepted events (see `received(_:states:)`), one per notification and destination.
    public func queue(received events: [Event], states: [EventID: CaseState], at now: Timestamp) -> [QueuedNotification] {
        received(events, states: states).flatMap { queue($0, at: now) }
    }

    /// What a received step asks this node to do, if anything.
    func action(for event: Event, in state: CaseState) -> String? {
        switch event.type {
        case .open: return "acknowledge"
        case .requestInformation:
            return state.informationRequests.contains { $0.id == event.id && $0.to.contains(node) } ? "provide_information" : nil
        case .proposeConditions:
            return state.conditions.contains { $0.id == event.id && $0.to.contains(node) } ? "respond_to_conditions" : nil
        default: return nil
        }
    }

    /// The earliest deadline this node owes in `state`, if any.
    func nextDeadline(in state: CaseState) -> (what: String, at: Timestamp)? {
        owed(in: state).min { $0.due < $1.due }.map { ($0.what, $0.due) }
    }

    /// Deadlines this node itself must meet in an open case.
    func owed(in state: CaseState) -> [(what: String, due: Timestamp)] {
        state.owedDeadlines().filter { $0.owedBy == node }.map { ($0.what.rawValue, $0.due) }
    }

    // MARK: Deadlines

    /// Overdue notifications are not sent for deadlines passed longer ago than this (a node
    /// whose notifications are switched on for the first time does not announce a year of history).
    public static let overdueHorizonMilliseconds: Int64 = 86_400_000

    /// The deadline notifications due at `now` for the open cases `states`: approaching within
    /// `deadline_warning_minutes`, or passed. Their ids depend on the case, the deadline and its
    /// time only, so scanning again queues nothing new.
    public func deadlines(_ states: [CaseState], now: Timestamp) -> [NotificationMessage] {
        guard !settings.isEmpty else { return [] }
        let warning = Int64(settings.deadlineWarningMinutes) * 60_000
        var out: [NotificationMessage] = []
        for state in states {
            for item in owed(in: state) {
                let overdue = now > item.due
                if overdue && now.milliseconds - item.due.milliseconds > Self.overdueHorizonMilliseconds { continue }
                if !overdue && item.due.milliseconds - now.milliseconds > warning { continue }
                let event: NotificationSettings.Event = overdue ? .deadlineOverdue : .deadlineApproaching
                var p: [String: JSONValue] = [
                    "case": caseSummary(state), "needs_action": .bool(item.what != "preservation_ended"),
                    "deadline": .object(["what": .string(item.what), "due": .string(item.due.rfc3339), "owed_by": .string(node)]),
                ]
                if let link = link(state.id) { p["link"] = link }
                let cause = "deadline:\(event.rawValue):\(state.id.hex):\(item.what):\(item.due.milliseconds)"
                out.append(NotificationMessage(id: NotificationMessage.id(for: cause), event: event, payload: .object(p)))
            }
        }
        return out
    }

    /// A test notification (`accord notify test`), unique each time.
    public func test(now: Timestamp) -> NotificationMessage {
        let nonce = Encoding.hex((0..<8).map { _ in UInt8.random(in: 0...255) })
        var p: [String: JSONValue] = ["needs_action": .bool(false), "message": .string("A test notification from \(node); nothing to do.")]
        if let url = settings.consoleURL { p["link"] = .string(url) }
        return NotificationMessage(id: NotificationMessage.id(for: "test:\(now.milliseconds):\(nonce)"), event: .test, payload: .object(p))
    }
}

extension Node {
    /// Composes notifications from this node's configuration.
    public var notifications: NotificationComposer { NotificationComposer(settings: configuration.notifications, node: name) }

    /// Queues a test notification to every destination; returns it and the rows queued.
    public func queueTestNotification() async throws -> (NotificationMessage, [QueuedNotification]) {
        let composer = notifications
        guard !composer.settings.isEmpty else {
            throw AccordError(.conflict, "no notifications are configured: add notifications.webhooks or notifications.email to accord.json")
        }
        let now = time.now()
        let message = composer.test(now: now)
        let rows = composer.queue(message, at: now)
        try await store.enqueueNotifications(rows)
        notificationsQueued.fire()
        return (message, rows)
    }
}

extension Node {
    /// Notifications were queued again by an operator: the service sends them now.
    public func notificationsRetried() { notificationsQueued.fire() }
}
