import AccordCore
import AccordStore
import Foundation
import Testing

/// The notification outbox's contract, for every backend: queued once, due in order, retried,
/// given up visibly, queued again on request, pruned once settled.
@Suite struct NotificationStoreTests {
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func row(_ id: String, _ channel: QueuedNotification.Channel = .webhook, target: String = "https://hooks.example/a", at t: Timestamp) -> QueuedNotification {
        QueuedNotification(id: id, channel: channel, target: target, event: "request.received", payload: Array(#"{"id":"\#(id)"}"#.utf8), createdAt: t)
    }

    @Test(arguments: StoreBackend.allCases) func theOutboxQueuesOnceRetriesGivesUpAndPrunes(backend: StoreBackend) async throws {
        let (store, remove) = try backend.open()
        defer { remove() }
        let a = row("ntf-a", at: t0), b = row("ntf-b", at: t0.adding(seconds: 1)), mail = row("ntf-a", .email, target: "email", at: t0)
        #expect(try await store.enqueueNotifications([a, b, mail]) == 3)
        // The same id, channel and target is one notification: queuing it again adds nothing.
        #expect(try await store.enqueueNotifications([a, mail]) == 0)
        #expect(try await store.dueNotifications(at: t0.adding(seconds: -1), limit: 10).isEmpty)
        let due = try await store.dueNotifications(at: t0.adding(seconds: 5), limit: 10)
        #expect(due.map(\.id) == ["ntf-a", "ntf-a", "ntf-b"])
        #expect(due.first?.payload == a.payload)

        try await store.notificationDelivered(a.key, attempts: 1, at: t0.adding(seconds: 2))
        try await store.notificationFailed(b.key, attempts: 1, error: "HTTP 503", nextAttempt: t0.adding(seconds: 60), at: t0.adding(seconds: 2))
        try await store.notificationFailed(mail.key, attempts: 3, error: "sendmail exited with status 75", nextAttempt: nil, at: t0.adding(seconds: 3))
        #expect(try await store.dueNotifications(at: t0.adding(seconds: 59), limit: 10).isEmpty)
        #expect(try await store.dueNotifications(at: t0.adding(seconds: 60), limit: 10).map(\.key) == [b.key])
        #expect(try await store.nextNotificationAttempt() == t0.adding(seconds: 60))

        let failed = try await store.notifications(state: .failed, limit: 10)
        #expect(failed.count == 1 && failed[0].channel == .email && failed[0].attempts == 3 && failed[0].lastError == "sendmail exited with status 75")
        #expect(try await store.notifications(state: .delivered, limit: 10).map(\.key) == [a.key])
        #expect(try await store.notifications(state: .pending, limit: 10).first?.lastError == "HTTP 503")
        #expect(try await store.notifications(state: nil, limit: 10).count == 3)

        // Given up, then queued again by an operator: attempts from zero, due now.
        #expect(try await store.retryNotifications(id: "ntf-a", at: t0.adding(seconds: 10)) == 1)
        #expect(try await store.retryNotifications(id: "ntf-nothing", at: t0) == 0)
        let again = try #require(try await store.notifications(state: .pending, limit: 10).first { $0.channel == .email })
        #expect(again.attempts == 0 && again.nextAttempt == t0.adding(seconds: 10))

        // Settled ones go after retention.notification_days; pending ones stay.
        let pruned = try await store.prune(RetentionPolicy(notificationDays: 1), now: t0.adding(days: 2))
        #expect(pruned["notification_outbox"] == 1)
        #expect(try await store.notifications(state: nil, limit: 10).count == 2)
    }
}
