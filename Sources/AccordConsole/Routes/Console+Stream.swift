import AccordCore
import AccordStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Console {
    /// A live stream lasts at most this long; the browser's EventSource then reconnects (and the
    /// session is checked again).
    static let streamLifetime: Duration = .seconds(300)

    /// `GET /console/stream`: Server-Sent Events, one `item` event per piece of inbox work the
    /// page has not shown yet (the page skips those it has), a comment every 5 s to keep the
    /// connection open. The node's store is looked at every `streamPollMilliseconds`; the inbox is
    /// rebuilt (its first page) only when an event was stored.
    func addStream<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/stream") { request, context -> Response in
            _ = try Self.user(context)
            let cookie = request.cookies[ConsoleSessions.cookieName]?.value
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                let clock = ContinuousClock()
                let end = clock.now.advanced(by: Self.streamLifetime)
                var lastBeat = clock.now
                var lastCount: Int64 = -1
                var sent = Set<String>()
                while !self.stopped.load(ordering: .relaxed), !Task.isCancelled, clock.now < end {
                    let count = try await self.node.store.latestEventSequence()
                    if count != lastCount {
                        lastCount = count
                        // A session that ended (signed out, expired, account removed) ends the stream.
                        guard let user = try await self.sessions.user(cookie: cookie) else { break }
                        let inbox = try await InboxView.build(node: self.node).forViewer(csrf: user.csrf, role: user.role)
                        var out = ""
                        for (section, items) in [("incoming", inbox.incoming.items), ("outgoing", inbox.outgoing.items)] {
                            for item in items where !sent.contains(item.key) {
                                sent.insert(item.key)
                                out += "event: item\ndata: " + Self.streamData(item, section: section, html: self.render("item", item)) + "\n\n"
                            }
                        }
                        if !out.isEmpty { try await writer.write(ByteBuffer(string: out)) }
                    }
                    if clock.now - lastBeat > .seconds(5) {
                        lastBeat = clock.now
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                    try await Task.sleep(for: .milliseconds(self.settings.streamPollMilliseconds))
                }
                try await writer.finish(nil)
            })
        }
    }

    /// One event's data: JSON on a single line (JSON escapes every newline).
    static func streamData(_ item: InboxView.Item, section: String, html: String) -> String {
        let value: JSONValue = [
            "key": .string(item.key), "section": .string(section), "case": .string(item.caseID), "action": .string(item.action),
            "sort": .string(item.sort), "summary": .string("\(item.action) — \(item.title)"), "html": .string(html),
        ]
        return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
    }
}
