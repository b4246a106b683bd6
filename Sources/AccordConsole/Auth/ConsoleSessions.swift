import AccordCore
import AccordStore
import Crypto

/// Who is signed in to the console, for the request being handled.
public struct ConsoleUser: Sendable {
    public var name: String
    public var role: Role
    /// The session's anti-forgery token, put into every form.
    public var csrf: String
    var sessionHash: [UInt8]
}

/// Console sessions: a random 256-bit id in a cookie, stored as its SHA-256 with the account,
/// an anti-forgery token and its times; idle and absolute expiry checked on every request.
struct ConsoleSessions: Sendable {
    static let cookieName = "accord_console"
    /// The anti-forgery cookie of the sign-in form (double submit: cookie and form must match).
    static let loginCookieName = "accord_login"

    let store: any Store
    let time: any TimeSource
    let settings: ConsoleSettings

    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        return Encoding.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) })
    }

    static func hash(_ id: String) -> [UInt8] { Array(SHA256.hash(data: Array(id.utf8))) }

    /// Starts a session for `account`; returns the cookie value (shown to nobody else).
    func start(_ account: ConsoleAccount) async throws -> (cookie: String, user: ConsoleUser) {
        let id = Self.random()
        let now = time.now()
        let session = ConsoleSession(idHash: Self.hash(id), account: account.name, csrf: Self.random(), createdAt: now, lastSeen: now)
        try await store.saveConsoleSession(session)
        // Now and then, sessions that ran out are deleted.
        if Int.random(in: 0..<20) == 0 { _ = try? await prune() }
        return (id, ConsoleUser(name: account.name, role: account.role, csrf: session.csrf, sessionHash: session.idHash))
    }

    func prune() async throws -> Int {
        let now = time.now()
        return try await store.pruneConsoleSessions(
            idleBefore: Timestamp(milliseconds: now.milliseconds - settings.idleTimeoutSeconds * 1000),
            createdBefore: Timestamp(milliseconds: now.milliseconds - settings.absoluteTimeoutSeconds * 1000))
    }

    /// The signed-in user behind a cookie value, or nil if there is no live session; an expired
    /// session is deleted. The role is read from the account each time, so a change takes effect at once.
    func user(cookie: String?) async throws -> ConsoleUser? {
        guard let cookie, cookie.utf8.count == 64 else { return nil }
        let hash = Self.hash(cookie)
        guard let session = try await store.consoleSession(idHash: hash) else { return nil }
        let now = time.now()
        let idle = now.milliseconds - session.lastSeen.milliseconds > settings.idleTimeoutSeconds * 1000
        let old = now.milliseconds - session.createdAt.milliseconds > settings.absoluteTimeoutSeconds * 1000
        guard !idle, !old, let account = try await store.consoleAccount(named: session.account) else {
            try await store.deleteConsoleSession(idHash: hash)
            return nil
        }
        // Written at most once a minute per session, not on every page.
        if now.milliseconds - session.lastSeen.milliseconds > 60_000 {
            try await store.touchConsoleSession(idHash: hash, at: now)
        }
        return ConsoleUser(name: account.name, role: account.role, csrf: session.csrf, sessionHash: hash)
    }

    func end(_ user: ConsoleUser) async throws {
        try await store.deleteConsoleSession(idHash: user.sessionHash)
    }
}
