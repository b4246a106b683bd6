import AccordCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Inserts notifications not already queued; used on its own and inside `commitReceived`.
    static func insertNotifications(_ db: Database, _ items: [QueuedNotification]) throws -> Int {
        var added = 0
        for n in items {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO notification_outbox(id, channel, target, event, payload, created_at, attempts, next_attempt)
                    VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                    """,
                arguments: [n.id, n.channel.rawValue, n.target, n.event, Data(n.payload), n.createdAt.milliseconds, n.nextAttempt.milliseconds])
            added += db.changesCount
        }
        return added
    }

    static func notification(_ row: Row) -> QueuedNotification {
        var n = QueuedNotification(
            id: row["id"], channel: QueuedNotification.Channel(rawValue: row["channel"]) ?? .webhook, target: row["target"],
            event: row["event"], payload: [UInt8](row["payload"] as Data), createdAt: Timestamp(milliseconds: row["created_at"]))
        n.attempts = row["attempts"]
        n.nextAttempt = Timestamp(milliseconds: row["next_attempt"])
        n.deliveredAt = (row["delivered_at"] as Int64?).map(Timestamp.init(milliseconds:))
        n.failedAt = (row["failed_at"] as Int64?).map(Timestamp.init(milliseconds:))
        n.lastError = row["last_error"]
        return n
    }

    @discardableResult
    public func enqueueNotifications(_ items: [QueuedNotification]) async throws -> Int {
        if items.isEmpty { return 0 }
        return try await write { db in try Self.insertNotifications(db, items) }
    }

    public func dueNotifications(at now: Timestamp, limit: Int) async throws -> [QueuedNotification] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM notification_outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt <= ?
                    ORDER BY next_attempt, created_at LIMIT ?
                    """,
                arguments: [now.milliseconds, limit]
            ).map(Self.notification)
        }
    }

    public func nextNotificationAttempt() async throws -> Timestamp? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(next_attempt) FROM notification_outbox WHERE delivered_at IS NULL AND failed_at IS NULL")
                .map(Timestamp.init(milliseconds:))
        }
    }

    public func notificationDelivered(_ key: QueuedNotification.Key, attempts: Int, at now: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE notification_outbox SET delivered_at = ?, attempts = ?, last_error = NULL WHERE id = ? AND channel = ? AND target = ?",
                arguments: [now.milliseconds, attempts, key.id, key.channel.rawValue, key.target])
        }
    }

    public func notificationFailed(_ key: QueuedNotification.Key, attempts: Int, error: String, nextAttempt: Timestamp?, at now: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE notification_outbox SET attempts = ?, last_error = ?, next_attempt = COALESCE(?, next_attempt), failed_at = ?
                    WHERE id = ? AND channel = ? AND target = ?
                    """,
                arguments: [attempts, error, nextAttempt?.milliseconds, nextAttempt == nil ? now.milliseconds : nil, key.id, key.channel.rawValue, key.target])
        }
    }

    public func notifications(state: QueuedNotification.State?, limit: Int) async throws -> [QueuedNotification] {
        let condition: String
        switch state {
        case nil: condition = "1"
        case .pending: condition = "delivered_at IS NULL AND failed_at IS NULL"
        case .delivered: condition = "delivered_at IS NOT NULL"
        case .failed: condition = "failed_at IS NOT NULL"
        }
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM notification_outbox WHERE \(condition) ORDER BY created_at DESC, id LIMIT ?", arguments: [limit]
            ).map(Self.notification)
        }
    }

    public func retryNotifications(id: String, at now: Timestamp) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "UPDATE notification_outbox SET failed_at = NULL, attempts = 0, next_attempt = ? WHERE id = ? AND failed_at IS NOT NULL",
                arguments: [now.milliseconds, id])
            return db.changesCount
        }
    }
}
