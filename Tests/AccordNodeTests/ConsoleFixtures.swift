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
        var r = HTTPClientRequest(url: base + path)
        r.method = method
        if !cookies.isEmpty { r.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let form {
            r.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            r.body = .bytes(ByteBuffer(string: Self.encode(form)))
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
