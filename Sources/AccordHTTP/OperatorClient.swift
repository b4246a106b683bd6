import AccordCore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of a node's operator API, used by the CLI, the demo and tests.
public struct OperatorClient: Sendable {
    public let baseURL: String
    let token: String
    let http: HTTPClient

    public init(url: String, token: String, http: HTTPClient = .shared) {
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.http = http
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var json: JSONValue? { try? JSONParser.parse(body) }
    }

    /// Sends a request and returns the raw reply, whatever its status.
    public func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(30))
        } catch {
            throw AccordError(.unavailable, "cannot reach the node at \(baseURL); is it running (accord serve)? (\(error))")
        }
        var buffer = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// Sends a request and returns its JSON, or throws the node's error message.
    @discardableResult
    public func call(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil) async throws -> JSONValue {
        let reply = try await send(method, path, body: json.map { CanonicalJSON.encode($0) })
        guard (200..<300).contains(reply.status) else {
            let error = reply.json?["error"]
            let code = AccordError.Code(rawValue: error?["code"]?.stringValue ?? "http_\(reply.status)")
            throw AccordError(code, error?["message"]?.stringValue ?? "the node answered HTTP \(reply.status)", field: error?["field"]?.stringValue)
        }
        if reply.body.isEmpty { return .null }
        do { return try JSONParser.parse(reply.body) } catch { throw AccordError(.malformed, "the node answered with invalid JSON") }
    }

    public func get(_ path: String) async throws -> JSONValue { try await call(.GET, path) }
    public func post(_ path: String, _ json: JSONValue) async throws -> JSONValue { try await call(.POST, path, json: json) }
}
