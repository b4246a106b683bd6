import AccordCore
import AccordStore
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle

/// Tells people away from the screen of new incoming work: sends the notification outbox
/// (webhooks, e-mail) with retries, and queues deadline notifications.
///
/// At least once: a notification is marked delivered only after its destination took it, so
/// one interrupted after sending is sent again with the same `id`. Failed attempts are retried
/// after a capped exponential backoff with jitter, on the node's clock, and given up after
/// `notifications.max_attempts` (shown as failed by the API and `accord notify list`).
public struct NotificationService: Service {
    let node: Node
    let webhooks: WebhookSender
    /// How often open cases are looked at for deadlines about to pass or passed.
    let scanInterval: Duration
    /// Notifications sent per round, at most.
    static let roundSize = 50

    public init(node: Node, http: HTTPClient = FederationClient.defaultHTTP, scanInterval: Duration = .seconds(60)) {
        self.node = node
        self.webhooks = WebhookSender(http: http)
        self.scanInterval = scanInterval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await deliverLoop() }
                group.addTask { await deadlineLoop() }
                await group.waitForAll()
            }
        }
    }

    // MARK: Deadlines

    func deadlineLoop() async {
        while !Task.isCancelled {
            await scanDeadlines()
            do { try await node.time.sleep(for: scanInterval) } catch { return }
        }
    }

    /// Queues the deadline notifications due now (ids make a second scan queue nothing new).
    func scanDeadlines() async {
        let composer = node.notifications
        guard !composer.settings.isEmpty else { return }
        do {
            let now = node.time.now()
            // Only cases with a deadline inside the warning window can give a notification.
            let horizon = Timestamp(milliseconds: now.milliseconds + Int64(composer.settings.deadlineWarningMinutes) * 60_000)
            let rows = composer.deadlines(try await node.store.openCases(withDeadlineBy: horizon), now: now).flatMap { composer.queue($0, at: now) }
            if try await node.store.enqueueNotifications(rows) > 0 { node.notificationsQueued.fire() }
        } catch {
            node.logger.warning("deadline notifications: looking at open cases failed; trying again later", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Delivery

    func deliverLoop() async {
        while !Task.isCancelled {
            var wait: Int64 = 60_000
            do {
                let now = node.time.now()
                let due = try await node.store.dueNotifications(at: now, limit: Self.roundSize)
                // Destinations in parallel (a slow one does not hold up the others), each in order.
                let byTarget = Dictionary(grouping: due) { "\($0.channel.rawValue) \($0.target)" }
                await withTaskGroup(of: Void.self) { group in
                    for (_, items) in byTarget {
                        group.addTask { for n in items { await attempt(n) } }
                    }
                }
                if due.count == Self.roundSize { continue }
                if let next = try await node.store.nextNotificationAttempt() {
                    wait = max(0, next.milliseconds - node.time.now().milliseconds)
                }
            } catch {
                node.logger.warning("notifications: reading the outbox failed; trying again later", metadata: ["error": "\(error)"])
            }
            if wait > 0 { await waitForWork(milliseconds: wait) }
        }
    }

    /// Returns when notifications are queued or `milliseconds` of the node's clock have passed.
    func waitForWork(milliseconds: Int64) async {
        let signal = node.notificationsQueued, time = node.time
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(timeout: .seconds(3600)) }
            group.addTask { try? await time.sleep(for: .milliseconds(milliseconds)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// One attempt at one notification, and its outcome recorded.
    func attempt(_ n: QueuedNotification) async {
        let settings = node.configuration.notifications
        let attempts = n.attempts + 1
        var logger = node.logger
        logger[metadataKey: "notification"] = .string(n.id)
        logger[metadataKey: "channel"] = .string(n.channel.rawValue)
        do {
            try await send(n, settings: settings)
            try await node.store.notificationDelivered(n.key, attempts: attempts, at: node.time.now())
            logger.debug("notification delivered", metadata: ["attempts": "\(attempts)"])
        } catch {
            let message = (error as? AccordError)?.message ?? "\(error)"
            let now = node.time.now()
            let giveUp = attempts >= settings.maxAttempts || (error as? AccordError)?.code == .configuration
            let next = giveUp ? nil : Timestamp(milliseconds: now.milliseconds + settings.backoffMilliseconds(failures: attempts))
            do {
                try await node.store.notificationFailed(n.key, attempts: attempts, error: String(message.prefix(500)), nextAttempt: next, at: now)
            } catch {
                logger.warning("notifications: recording a failed attempt failed", metadata: ["error": "\(error)"])
            }
            if giveUp {
                logger.error("notification given up", metadata: ["attempts": "\(attempts)", "error": "\(message.prefix(300))"])
            } else {
                logger.notice("notification failed; retrying", metadata: ["attempts": "\(attempts)", "next_attempt": "\(next!.rfc3339)", "error": "\(message.prefix(300))"])
            }
        }
    }

    func send(_ n: QueuedNotification, settings: NotificationSettings) async throws(AccordError) {
        let item = QueuedNotificationPayload(id: n.id, event: n.event, payload: n.payload)
        switch n.channel {
        case .webhook:
            guard let hook = settings.webhooks.first(where: { $0.url == n.target }) else {
                throw AccordError(.configuration, "this webhook is no longer in notifications.webhooks")
            }
            let secret = try settings.secret(of: hook, directory: node.directory)
            try await webhooks.send(item, to: hook.url, secret: secret, now: node.time.now(), timeout: settings.timeoutSeconds)
        case .email:
            guard let email = settings.email else { throw AccordError(.configuration, "notifications.email is no longer configured") }
            let payload: JSONValue
            do { payload = try JSONParser.parse(n.payload) } catch { throw AccordError(.storage, "a stored notification is not JSON") }
            let message = MailSender.message(payload: payload, settings: email, node: node.name, now: node.time.now())
            try await MailSender.send(message, command: email.arguments, timeout: settings.timeoutSeconds)
        }
    }
}
