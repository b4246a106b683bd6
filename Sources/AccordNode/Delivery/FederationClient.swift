import AccordCore
import AccordStore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The client side of node-to-node HTTP: signs each request (RFC 9421) and sends it.
public struct FederationClient: Sendable {
    let http: HTTPClient
    public static let maxResponseBytes = 16 << 20

    public init(http: HTTPClient = FederationClient.defaultHTTP) {
        self.http = http
    }

    /// The process's client for node-to-node requests. It follows no redirects: a peer is
    /// reached at the URL its operator pinned, and a redirect could send a signed request, or a
    /// profile fetch, somewhere the operator never chose.
    public static let defaultHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        // A refused connection fails at once; delivery and the log retry on their own schedules.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The URL of `path` on a peer's public URL, and the path to sign as `@path` (RFC 9421
    /// §2.2.6: the request's real path, with the public URL's own path in front).
    static func target(_ peerURL: String, _ path: String) -> (url: String, signedPath: String) {
        let base = peerURL.hasSuffix("/") ? String(peerURL.dropLast()) : peerURL
        let url = base + path
        let basePath = URLComponents(string: base)?.percentEncodedPath ?? ""
        return (url, basePath + path)
    }

    /// A failed exchange; `status` is nil when no HTTP answer came back.
    public struct Failure: Error, CustomStringConvertible {
        public var status: Int?
        public var message: String
        public var description: String { status.map { "HTTP \($0): \(message)" } ?? message }
    }

    /// POSTs `body` to `path` on `peer`, signed by `node`, and returns the response body.
    /// `keys` default to the node's current keys.
    func post(_ path: String, body: [UInt8], to peer: Peer, from node: Node, keys: NodeKeys? = nil, timeout: Duration) async throws -> [UInt8] {
        let (url, signedPath) = Self.target(peer.url, path)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let signed = MessageSignature.sign(
            method: "POST", path: signedPath, body: body, recipient: peer.name, sender: node.name, keys: keys ?? node.keys, created: node.time.now())
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        // Counted as on the wire: request line, headers (with Host and Content-Length), body.
        let out = "POST \(signedPath) HTTP/1.1\r\n".utf8.count + NodeTraffic.headerBytes(request.headers.map { ($0.name, $0.value) }) + 48 + body.count
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        } catch {
            let timedOut = (error as? HTTPClientError) == .deadlineExceeded || (error as? HTTPClientError) == .readTimeout
            node.traffic.recordSent(path, bytesOut: out, bytesIn: 0, failed: true, timedOut: timedOut)
            throw Failure(status: nil, message: "\(peer.url) unreachable: \(error)")
        }
        var buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let back = "HTTP/1.1 200 OK\r\n".utf8.count + NodeTraffic.headerBytes(response.headers.map { ($0.name, $0.value) }) + bytes.count
        node.traffic.recordSent(path, bytesOut: out, bytesIn: back, failed: response.status != .ok, timedOut: false)
        guard response.status == .ok else {
            if (300..<400).contains(response.status.code) {
                throw Failure(status: Int(response.status.code), message: "\(peer.url) answered with a redirect; Accord does not follow redirects (pin the peer's real URL)")
            }
            let text = String(decoding: bytes.prefix(500), as: UTF8.self)
            throw Failure(status: Int(response.status.code), message: text)
        }
        return bytes
    }

    /// The client for evidence transfers: a long body may take hours, but a peer that stops
    /// sending for 30 seconds has stalled, and the transfer resumes later.
    public static let transferHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// GETs `path` from `peer`, signed by `node`, and hands the response body to `receive` as it
    /// arrives (never collected whole). Throws `Failure` for a non-200 answer (with the
    /// peer's error text) or no answer. Returns the bytes received.
    func stream(_ path: String, label: String, from peer: Peer, node: Node, receive: (ByteBuffer) async throws -> Void) async throws -> Int64 {
        let (url, signedPath) = Self.target(peer.url, path)
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let signed = MessageSignature.sign(method: "GET", path: signedPath, body: [], recipient: peer.name, sender: node.name, keys: node.keys, created: node.time.now())
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        let out = "GET \(signedPath) HTTP/1.1\r\n".utf8.count + NodeTraffic.headerBytes(request.headers.map { ($0.name, $0.value) }) + 48
        let response: HTTPClientResponse
        do {
            response = try await Self.transferHTTP.execute(request, timeout: .hours(24))
        } catch {
            node.traffic.recordSent(label, bytesOut: out, bytesIn: 0, failed: true, timedOut: false)
            throw Failure(status: nil, message: "\(peer.url) unreachable: \(error)")
        }
        guard response.status == .ok else {
            var buffer = try await response.body.collect(upTo: 64 << 10)
            let text = String(decoding: buffer.readBytes(length: buffer.readableBytes) ?? [], as: UTF8.self)
            node.traffic.recordSent(label, bytesOut: out, bytesIn: text.utf8.count, failed: true, timedOut: false)
            throw Failure(status: Int(response.status.code), message: text)
        }
        var received: Int64 = 0
        do {
            for try await buffer in response.body {
                received += Int64(buffer.readableBytes)
                try await receive(buffer)
            }
        } catch {
            node.traffic.recordSent(label, bytesOut: out, bytesIn: Int(received), failed: true, timedOut: false)
            throw error
        }
        node.traffic.recordSent(label, bytesOut: out, bytesIn: Int(received), failed: false, timedOut: false)
        return received
    }

    /// Fetches and verifies a node's signed profile from its public URL.
    public func fetchProfile(url: String) async throws -> Profile.Verified {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let request = HTTPClientRequest(url: base + "/.well-known/accord/profile")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(15))
        } catch {
            throw AccordError(.unavailable, "cannot reach \(url): \(NetworkErrorText.describe(error))")
        }
        if (300..<400).contains(response.status.code) {
            throw AccordError(.unavailable, "\(url) answered its profile with a redirect (\(response.status.code)); Accord follows no redirects: use the node's real URL")
        }
        guard response.status == .ok else { throw AccordError(.unavailable, "\(url) answered \(response.status.code) for its profile") }
        var buffer = try await response.body.collect(upTo: 1 << 20)
        return try Profile.verify(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }
}
