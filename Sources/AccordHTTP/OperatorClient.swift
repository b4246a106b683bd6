import AccordConsole
import AccordCore
import AccordNode
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of a node's operator API, used by the CLI, the demo and tests.
public struct OperatorClient: Sendable {
    public let baseURL: String
    let token: String
    let http: HTTPClient
    /// How long a request may wait for its answer before the node is reported unreachable.
    public let timeout: Duration

    /// Routes whose answer waits for a round with peers (each peer given the node's own request
    /// timeout, 30 s by default, and a witness one retry): the client waits at least this long.
    static let peerRoundPaths: Set<String> = ["/api/v1/log/checkpoints", "/api/v1/log/exchange", "/api/v1/receipts/fetch"]
    static let peerRoundTimeout = Duration.seconds(120)

    public init(url: String, token: String, http: HTTPClient = .shared, timeout: Duration = .seconds(30)) {
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.http = http
        self.timeout = timeout
    }

    /// The time `path` may take: longer for a route that waits on peers.
    func timeout(for path: String) -> TimeAmount {
        TimeAmount(Self.peerRoundPaths.contains(String(path.prefix { $0 != "?" })) ? max(timeout, Self.peerRoundTimeout) : timeout)
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
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await execute(request, timeout: timeout(for: path))
        var buffer = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// Sends a request and returns its JSON, or throws the node's error message.
    @discardableResult
    public func call(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil) async throws -> JSONValue {
        try Self.answer(try await send(method, path, body: json.map { CanonicalJSON.encode($0) }))
    }

    /// POSTs the file at `file` as the request body, read 1 MiB at a time, and returns the JSON
    /// answer (or throws the node's error).
    public func upload(_ path: String, file: String) async throws -> JSONValue {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int).flatMap({ $0 }),
            let handle = FileHandle(forReadingAtPath: file)
        else { throw AccordError(.notFound, "cannot read \(file)") }
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(FileChunks(handle: handle), length: .known(Int64(size)))
        let response = try await execute(request, timeout: .seconds(3600))
        var buffer = try await response.body.collect(upTo: 1 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        return try Self.answer(Reply(status: Int(response.status.code), body: bytes))
    }

    /// GETs `path` into the file `output`, written as it arrives; the file appears only when
    /// the whole answer arrived with status 200.
    public func download(_ path: String, to output: String) async throws {
        let request = HTTPClientRequest(url: baseURL + path)
        let response = try await execute(request, timeout: .seconds(3600))
        guard response.status == .ok else {
            var buffer = try await response.body.collect(upTo: 1 << 20)
            _ = try Self.answer(Reply(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? []))
            return
        }
        let partial = output + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: partial)
        else { throw AccordError(.storage, "cannot create \(partial)") }
        do {
            defer { try? handle.close() }
            for try await buffer in response.body { try handle.write(contentsOf: buffer.readableBytesView) }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw AccordError(.unavailable, "the download stopped: \(error)")
        }
        guard rename(partial, output) == 0 else { throw AccordError(.storage, "cannot move \(partial) to \(output)") }
    }

    /// Sends `request` with the token; a node that cannot be reached is one clear error.
    func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var request = request
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        do {
            return try await http.execute(request, timeout: timeout)
        } catch {
            throw AccordError(.unavailable, "cannot reach the node at \(baseURL): \(NetworkErrorText.describe(error))")
        }
    }

    /// A reply's JSON, or the node's error as an `AccordError`.
    static func answer(_ reply: Reply) throws -> JSONValue {
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
