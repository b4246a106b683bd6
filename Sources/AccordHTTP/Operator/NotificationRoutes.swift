import AccordCore
import AccordNode
import AccordStore
import Foundation
import Hummingbird

/// The notification outbox through the operator API (`/api/v1/notifications…`, admin): what
/// was sent to webhooks and e-mail, what is still being retried, what was given up; a test
/// notification; sending a given-up one again. Payloads and secrets are never shown.
enum NotificationRoutes {
    struct Delivery: Encodable {
        var item: QueuedNotification

        func encode(to encoder: any Encoder) throws {
            var shown = item
            shown.target = item.displayTarget
            try shown.encode(to: encoder)
        }
    }

    static func add(to api: RouterGroup<AccordRequestContext>, node: Node) {
        api.get("/notifications") { request, _ -> Response in
            let q = request.uri.queryParameters
            var state: QueuedNotification.State?
            if let text = q.get("state") {
                guard let s = QueuedNotification.State(rawValue: text) else {
                    throw AccordError(.invalidField, "state is one of pending, delivered, failed", field: "state")
                }
                state = s
            }
            var limit = 100
            if let text = q.get("limit") {
                guard let n = Int(text), (1...1000).contains(n) else { throw AccordError(.invalidField, "limit is 1–1000", field: "limit") }
                limit = n
            }
            let items = try await node.store.notifications(state: state, limit: limit)
            return try JSONResponse.make(items.map(Delivery.init))
        }

        api.post("/notifications/test") { _, _ -> Response in
            let (message, rows) = try await node.queueTestNotification()
            return try JSONResponse.make([
                "id": JSONValue.string(message.id),
                "destinations": .array(rows.map { .string($0.displayTarget) }),
            ], status: .accepted)
        }

        api.post("/notifications/:id/retry") { _, context -> Response in
            guard let id = context.parameters.get("id"), id.hasPrefix("ntf-"), id.utf8.count <= 64 else {
                throw AccordError(.malformed, "a notification id looks like ntf- and 32 hex digits")
            }
            let n = try await node.store.retryNotifications(id: id, at: node.time.now())
            guard n > 0 else { throw AccordError(.notFound, "no given-up notification \(id)") }
            node.notificationsRetried()
            return try JSONResponse.make(["id": JSONValue.string(id), "requeued": .number(Double(n))])
        }
    }
}
