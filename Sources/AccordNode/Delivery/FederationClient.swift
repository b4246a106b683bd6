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

    public init(http: HTTPClient = .shared) {
        self.http = http
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
        let base = peer.url.hasSuffix("/") ? String(peer.url.dropLast()) : peer.url
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let signed = MessageSignature.sign(
            method: "POST", path: path, body: body, recipient: peer.name, sender: node.name, keys: keys ?? node.keys, created: node.time.now())
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        } catch {
            throw Failure(status: nil, message: "\(peer.url) unreachable: \(error)")
        }
        var buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard response.status == .ok else {
            let text = String(decoding: bytes.prefix(500), as: UTF8.self)
            throw Failure(status: Int(response.status.code), message: text)
        }
        return bytes
    }

    /// Fetches and verifies a node's signed profile from its public URL.
    public func fetchProfile(url: String) async throws -> Profile.Verified {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let request = HTTPClientRequest(url: base + "/.well-known/accord/profile")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(15))
        } catch {
            throw AccordError(.unavailable, "cannot reach \(url): \(error)")
        }
        guard response.status == .ok else { throw AccordError(.unavailable, "\(url) answered \(response.status.code) for its profile") }
        var buffer = try await response.body.collect(upTo: 1 << 20)
        return try Profile.verify(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }
}
