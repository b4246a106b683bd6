import AccordCore
import AccordTAXII
import AccordTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A plain HTTP client for TAXII routes in tests: every header as given, nothing added.
struct TAXIITestClient {
    let base: String
    let authorization: String?

    struct Reply {
        var status: Int
        var body: [UInt8]
        var headers: [(String, String)]
        var json: JSONValue? { try? JSONParser.parse(body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    init(_ member: TestCluster.Member, token: String?) {
        base = member.url
        authorization = token.map { "Bearer \($0)" }
    }

    init(url: String, basic user: String, _ password: String) {
        base = url
        authorization = "Basic " + Encoding.base64(Array("\(user):\(password)".utf8))
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = TAXIIMediaType.taxii,
              accept: String? = TAXIIMediaType.taxii, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path.replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D"))
        request.method = method
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let body {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        for (n, v) in headers { request.headers.replaceOrAdd(name: n, value: v) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var buffer = try await response.body.collect(upTo: 256 << 20)
        return Reply(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [], headers: response.headers.map { ($0.name, $0.value) })
    }

    func get(_ path: String) async throws -> Reply { try await send(.GET, path) }

    func post(_ path: String, objects: [JSONValue]) async throws -> Reply {
        try await send(.POST, path, body: CanonicalJSON.encode(["objects": .array(objects)]))
    }
}

enum TAXIIFixtures {
    static let identity = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"

    /// A valid indicator; `n` makes its id and pattern unique, `modified` its version.
    static func indicator(_ n: Int, modified: String = "2026-01-01T00:00:00.000Z", marking: String? = nil, type: String = "indicator") -> JSONValue {
        let id = "indicator--" + uuid(n)
        var o: [String: JSONValue] = [
            "type": "indicator", "spec_version": "2.1", "id": .string(id), "created": "2026-01-01T00:00:00.000Z", "modified": .string(modified),
            "name": .string("Bad address \(n)"), "pattern": .string("[ipv4-addr:value = '198.51.\(n / 256 % 256).\(n % 256)']"),
            "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "indicator_types": ["malicious-activity"],
        ]
        if let marking { o["object_marking_refs"] = .strings([marking]) }
        return .object(o)
    }

    static func malware(_ n: Int) -> JSONValue {
        .object([
            "type": "malware", "spec_version": "2.1", "id": .string("malware--" + uuid(n)), "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z", "name": .string("Family \(n)"), "is_family": true,
        ])
    }

    static func uuid(_ n: Int) -> String {
        let hex = String(format: "%012x", n)
        return "6b0f8a2c-1d2e-4f3a-8b4c-\(hex)"
    }

    /// A collection and an account with the given rights, through the operator API.
    static func setUp(_ member: TestCluster.Member, title: String = "Indicators", shareTo: [String] = [], redTo: [String] = [],
                      read: Bool = true, write: Bool = true, account: String = "misp", password: String? = nil) async throws -> (collection: String, token: String) {
        let c = try await member.client.post("/api/v1/taxii/collections", ["title": .string(title), "share_to": .strings(shareTo), "red_to": .strings(redTo)])
        let id = try requireValue(c["id"]?.stringValue)
        let token = try await TAXIIFixtures.account(member, account, password: password)
        try await grant(member, account, id, read: read, write: write)
        return (id, token)
    }

    static func account(_ member: TestCluster.Member, _ name: String, password: String? = nil) async throws -> String {
        var body: [String: JSONValue] = ["name": .string(name)]
        if let password { body["password"] = .string(password) }
        let a = try await member.client.post("/api/v1/taxii/accounts", .object(body))
        return try requireValue(a["token"]?.stringValue)
    }

    static func grant(_ member: TestCluster.Member, _ account: String, _ collection: String, read: Bool, write: Bool) async throws {
        _ = try await member.client.post("/api/v1/taxii/accounts/\(account)/rights", ["collection": .string(collection), "read": .bool(read), "write": .bool(write)])
    }
}

struct MissingValue: Error {}

func requireValue<T>(_ v: T?) throws -> T {
    guard let v else { throw MissingValue() }
    return v
}
