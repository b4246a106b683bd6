import AccordConsole
import AccordCore
import AccordStore
import AccordTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A minimal browser for console tests: keeps cookies, never follows redirects, posts forms.
final class ConsoleBrowser: @unchecked Sendable {
    struct Page {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var location: String? { headers.first(name: "Location") }
        /// The anti-forgery token of the first form on the page.
        var csrf: String? {
            guard let r = body.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression) else { return nil }
            return String(body[r]).components(separatedBy: "value=\"")[1].replacingOccurrences(of: "\"", with: "")
        }
    }

    static let http: HTTPClient = {
        var c = HTTPClient.Configuration()
        c.redirectConfiguration = .disallow
        c.timeout = .init(connect: .seconds(5), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }()

    let base: String
    var cookies: [String: String] = [:]

    init(_ base: String) { self.base = base }

    func request(_ method: HTTPMethod, _ path: String, form: [(String, String)]? = nil) async throws -> Page {
        try await request(method, path, body: form.map { ("application/x-www-form-urlencoded", Array(Self.encode($0).utf8)) })
    }

    /// A file attached as a browser attaches it: `multipart/form-data`, the text fields first,
    /// the file last, then the closing boundary and a line end.
    struct File {
        var field = "file"
        var filename: String
        var type = "application/octet-stream"
        var bytes: [UInt8]
    }

    func upload(_ path: String, _ fields: [(String, String)], file: File, boundary: String = "----AccordTestBoundary7MA4YWxkTrZu0gW") async throws -> Page {
        try await request(.POST, path, body: ("multipart/form-data; boundary=\(boundary)", Self.multipart(fields, file: file, boundary: boundary)))
    }

    static func multipart(_ fields: [(String, String)], file: File, boundary: String) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n".utf8)
        body += file.bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    func request(_ method: HTTPMethod, _ path: String, body: (type: String, bytes: [UInt8])?) async throws -> Page {
        var r = HTTPClientRequest(url: base + path)
        r.method = method
        if !cookies.isEmpty { r.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let body {
            r.headers.add(name: "Content-Type", value: body.type)
            r.body = .bytes(ByteBuffer(bytes: body.bytes))
        }
        let response = try await Self.http.execute(r, timeout: .seconds(60))
        for header in response.headers[canonicalForm: "Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
        var body = try await response.body.collect(upTo: 1 << 22)
        return Page(status: Int(response.status.code), headers: response.headers, body: body.readString(length: body.readableBytes) ?? "")
    }

    func get(_ path: String) async throws -> Page { try await request(.GET, path) }
    func post(_ path: String, _ form: [(String, String)]) async throws -> Page { try await request(.POST, path, form: form) }

    /// Signs in through the form; returns the answer to the POST.
    @discardableResult
    func login(_ name: String, _ password: String, code: String? = nil) async throws -> Page {
        let form = try await get("/console/login")
        var fields = [("csrf", form.csrf ?? ""), ("name", name), ("password", password)]
        if let code { fields.append(("code", code)) }
        return try await post("/console/login", fields)
    }

    static func encode(_ form: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }
}

enum ConsoleFixtures {
    static let password = "correct horse battery"

    /// Adds a console account (bcrypt at a low cost, to keep tests quick; the same algorithm).
    static func account(_ member: TestCluster.Member, _ name: String, _ role: Role, totp: Bool = false) async throws -> String? {
        try await member.node.store.addConsoleAccount(
            try await ConsolePasswords.account(name: name, role: role, password: password, cost: 6, now: member.node.time.now()))
        guard totp else { return nil }
        let secret = ConsoleTOTP.newSecret()
        _ = try await member.node.store.setConsoleTOTP(named: name, secret: secret)
        return secret
    }
}
