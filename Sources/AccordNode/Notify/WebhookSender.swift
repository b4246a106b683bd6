import AccordCore
import AccordStore
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Signed webhook requests (docs/operations.md, "Notifications").
///
/// `POST` of the JSON payload with `Accord-Signature: t=<unix seconds>,v1=<hex>`, where `v1`
/// is HMAC-SHA256 with the webhook's secret over `<t>.<body>`. A receiver recomputes it over
/// the raw body, compares in constant time, refuses a `t` more than five minutes from its own
/// clock (a replayed request), and drops an `id` it has seen (a retried one).
public enum WebhookSignature {
    public static let header = "Accord-Signature"
    /// How far a receiver should let `t` lie from its clock.
    public static let toleranceSeconds: Int64 = 300

    public static func sign(body: [UInt8], secret: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(mac(body: body, secret: secret, timestamp: timestamp))"
    }

    static func mac(body: [UInt8], secret: [UInt8], timestamp: Int64) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return Encoding.hex(Array(code))
    }

    /// What a receiver does: true when `header` carries a valid signature of `body` made within
    /// the tolerance of `now` (unix seconds).
    public static func verify(header: String, body: [UInt8], secret: [UInt8], now: Int64, tolerance: Int64 = toleranceSeconds) -> Bool {
        var t: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            if kv[0] == "t" { t = Int64(kv[1]) } else if kv[0] == "v1" { signatures.append(kv[1]) }
        }
        guard let t, abs(now - t) <= tolerance else { return false }
        let expected = Array(mac(body: body, secret: secret, timestamp: t).utf8)
        return signatures.contains { candidate in
            let c = Array(candidate.utf8)
            guard c.count == expected.count else { return false }
            return zip(c, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}

/// Sends one webhook request.
struct WebhookSender: Sendable {
    let http: HTTPClient

    /// Where a request went, for logs and the API: scheme, host, port and path, never a query
    /// or user information (which may carry a receiver's token).
    static func display(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "webhook" }
        c.user = nil
        c.password = nil
        c.query = nil
        c.fragment = nil
        return c.string ?? "webhook"
    }

    func send(_ n: QueuedNotificationPayload, to url: String, secret: [UInt8], now: Timestamp, timeout: Int) async throws(AccordError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "accord-notifications/1")
        request.headers.add(name: "Accord-Notification-Id", value: n.id)
        request.headers.add(name: "Accord-Event", value: n.event)
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(body: n.payload, secret: secret, timestamp: now.milliseconds / 1000))
        request.body = .bytes(ByteBuffer(bytes: n.payload))
        let where_ = Self.display(url)
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(timeout)))
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard (200..<300).contains(response.status.code) else {
                throw AccordError(.unavailable, "\(where_) answered HTTP \(response.status.code)")
            }
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.unavailable, "\(where_) unreachable: \(error)")
        }
    }
}

/// The parts of a queued notification a sender needs.
struct QueuedNotificationPayload: Sendable {
    let id: String
    let event: String
    let payload: [UInt8]
}

extension QueuedNotification {
    /// The destination as operators see it: a webhook without its query or user information.
    public var displayTarget: String { channel == .webhook ? WebhookSender.display(target) : target }
}
