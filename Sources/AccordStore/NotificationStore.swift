import AccordCore

/// The notification outbox: what the node tells people away from the screen (webhooks, e-mail),
/// kept until sent or given up, so a restart neither loses nor repeats a delivered notification.
public protocol NotificationStore: Sendable {
    /// Queues notifications not already queued (same id, channel and target are one); returns how many were new.
    @discardableResult
    func enqueueNotifications(_ items: [QueuedNotification]) async throws -> Int
    /// Up to `limit` notifications neither delivered nor given up whose next attempt is due at `now`, oldest first.
    func dueNotifications(at now: Timestamp, limit: Int) async throws -> [QueuedNotification]
    /// The earliest next attempt of a notification still to deliver.
    func nextNotificationAttempt() async throws -> Timestamp?
    func notificationDelivered(_ key: QueuedNotification.Key, attempts: Int, at now: Timestamp) async throws
    /// Records a failed attempt: tried again at `nextAttempt`, or given up when it is nil.
    func notificationFailed(_ key: QueuedNotification.Key, attempts: Int, error: String, nextAttempt: Timestamp?, at now: Timestamp) async throws
    /// Notifications, newest first, optionally only those in `state`.
    func notifications(state: QueuedNotification.State?, limit: Int) async throws -> [QueuedNotification]
    /// Queues the given-up notification `id` again, every destination of it (attempts from zero); returns how many.
    func retryNotifications(id: String, at now: Timestamp) async throws -> Int
}

/// One notification to one destination.
public struct QueuedNotification: Sendable, Equatable, Codable {
    public enum Channel: String, Sendable, Codable { case webhook, email }
    public enum State: String, Sendable, Codable, CaseIterable { case pending, delivered, failed }

    public struct Key: Sendable, Hashable {
        public var id: String
        public var channel: Channel
        public var target: String

        public init(id: String, channel: Channel, target: String) {
            self.id = id
            self.channel = channel
            self.target = target
        }
    }

    /// The idempotency id receivers see (`id` in the payload); the same for every destination.
    public var id: String
    public var channel: Channel
    /// The webhook's URL, or `email`.
    public var target: String
    /// What happened: `request.received`, `step.received`, `deadline.approaching`, `deadline.overdue`, `test`.
    public var event: String
    /// The JSON payload, exactly as sent.
    public var payload: [UInt8]
    public var createdAt: Timestamp
    public var attempts: Int
    public var nextAttempt: Timestamp
    public var deliveredAt: Timestamp?
    /// When delivery was given up.
    public var failedAt: Timestamp?
    public var lastError: String?

    public var key: Key { Key(id: id, channel: channel, target: target) }
    public var state: State { deliveredAt != nil ? .delivered : failedAt != nil ? .failed : .pending }

    public init(id: String, channel: Channel, target: String, event: String, payload: [UInt8], createdAt: Timestamp) {
        self.id = id
        self.channel = channel
        self.target = target
        self.event = event
        self.payload = payload
        self.createdAt = createdAt
        self.attempts = 0
        self.nextAttempt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, target, event, attempts, state
        case createdAt = "created_at"
        case nextAttempt = "next_attempt"
        case deliveredAt = "delivered_at"
        case failedAt = "failed_at"
        case lastError = "last_error"
    }

    /// What operators see: never the payload (it goes only to its destination).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(channel, forKey: .channel)
        try c.encode(target, forKey: .target)
        try c.encode(event, forKey: .event)
        try c.encode(state, forKey: .state)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(createdAt, forKey: .createdAt)
        if state == .pending { try c.encode(nextAttempt, forKey: .nextAttempt) }
        try c.encodeIfPresent(deliveredAt, forKey: .deliveredAt)
        try c.encodeIfPresent(failedAt, forKey: .failedAt)
        try c.encodeIfPresent(lastError, forKey: .lastError)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        channel = try c.decode(Channel.self, forKey: .channel)
        target = try c.decode(String.self, forKey: .target)
        event = try c.decode(String.self, forKey: .event)
        payload = []
        createdAt = try c.decode(Timestamp.self, forKey: .createdAt)
        attempts = try c.decode(Int.self, forKey: .attempts)
        nextAttempt = try c.decodeIfPresent(Timestamp.self, forKey: .nextAttempt) ?? createdAt
        deliveredAt = try c.decodeIfPresent(Timestamp.self, forKey: .deliveredAt)
        failedAt = try c.decodeIfPresent(Timestamp.self, forKey: .failedAt)
        lastError = try c.decodeIfPresent(String.self, forKey: .lastError)
    }
}
