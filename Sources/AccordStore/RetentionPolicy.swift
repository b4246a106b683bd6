import AccordCore

/// How long the store keeps rows that only grow with traffic.
public struct RetentionPolicy: Sendable, Codable, Equatable {
    /// Stored responses to inbound batches (replay protection for retried batches).
    public var inboundBatchDays: Int
    /// Checkpoints seen in exchanges and receipts, except each origin's latest.
    public var observedCheckpointDays: Int
    /// Equivocation alerts kept per origin (the newest).
    public var alertsPerOrigin: Int
    /// TAXII status resources (one per POST), readable by the client that posted for this long.
    public var taxiiStatusDays: Int
    /// Notifications delivered or given up, kept this long for operators to look at.
    public var notificationDays: Int

    public init(inboundBatchDays: Int = 30, observedCheckpointDays: Int = 7, alertsPerOrigin: Int = 100, taxiiStatusDays: Int = 7, notificationDays: Int = 30) {
        self.inboundBatchDays = inboundBatchDays
        self.observedCheckpointDays = observedCheckpointDays
        self.alertsPerOrigin = alertsPerOrigin
        self.taxiiStatusDays = taxiiStatusDays
        self.notificationDays = notificationDays
    }

    enum CodingKeys: String, CodingKey {
        case inboundBatchDays = "inbound_batch_days"
        case observedCheckpointDays = "observed_checkpoint_days"
        case alertsPerOrigin = "alerts_per_origin"
        case taxiiStatusDays = "taxii_status_days"
        case notificationDays = "notification_days"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RetentionPolicy()
        inboundBatchDays = try c.decodeIfPresent(Int.self, forKey: .inboundBatchDays) ?? d.inboundBatchDays
        observedCheckpointDays = try c.decodeIfPresent(Int.self, forKey: .observedCheckpointDays) ?? d.observedCheckpointDays
        alertsPerOrigin = try c.decodeIfPresent(Int.self, forKey: .alertsPerOrigin) ?? d.alertsPerOrigin
        taxiiStatusDays = try c.decodeIfPresent(Int.self, forKey: .taxiiStatusDays) ?? d.taxiiStatusDays
        notificationDays = try c.decodeIfPresent(Int.self, forKey: .notificationDays) ?? d.notificationDays
    }

    public func validate() throws(AccordError) {
        guard inboundBatchDays >= 1, observedCheckpointDays >= 1, alertsPerOrigin >= 1, taxiiStatusDays >= 1 else {
            throw AccordError(.configuration, "retention.inbound_batch_days, observed_checkpoint_days, alerts_per_origin and taxii_status_days must be at least 1")
        }
        guard notificationDays >= 1 else { throw AccordError(.configuration, "retention.notification_days must be at least 1") }
    }
}
