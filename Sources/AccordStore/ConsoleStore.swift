import AccordCore

/// The web console's accounts and sessions.
///
/// A console account is a person who signs in with a password (kept as a bcrypt hash) and,
/// optionally, a TOTP second factor; it has one of the operator roles. A session is kept by the
/// SHA-256 of its cookie value, so the database never holds a value that would sign anyone in.
public protocol ConsoleStore: Sendable {
    /// Adds an account; `conflict` if the name is taken.
    func addConsoleAccount(_ account: ConsoleAccount) async throws
    func consoleAccount(named name: String) async throws -> ConsoleAccount?
    func consoleAccounts() async throws -> [ConsoleAccount]
    /// Removes an account and ends its sessions, in one transaction.
    func removeConsoleAccount(named name: String) async throws -> Bool
    /// Sets (or, with nil, removes) an account's TOTP secret and ends its sessions.
    func setConsoleTOTP(named name: String, secret: String?) async throws -> Bool
    /// Records the TOTP time step just used, if it is later than the last one used: false when
    /// the code was used already (a replayed code is refused).
    func useConsoleTOTPStep(named name: String, step: Int64) async throws -> Bool
    func saveConsoleSession(_ session: ConsoleSession) async throws
    func consoleSession(idHash: [UInt8]) async throws -> ConsoleSession?
    func touchConsoleSession(idHash: [UInt8], at time: Timestamp) async throws
    func deleteConsoleSession(idHash: [UInt8]) async throws
    /// Deletes sessions last seen before `idleBefore` or created before `createdBefore`.
    func pruneConsoleSessions(idleBefore: Timestamp, createdBefore: Timestamp) async throws -> Int
}

public struct ConsoleAccount: Sendable, Equatable {
    public var name: String
    public var role: Role
    /// bcrypt (`$2b$…`).
    public var passwordHash: String
    /// The shared TOTP secret, if the account has a second factor.
    public var totpSecret: String?
    /// The last TOTP time step used to sign in (a code is good once).
    public var totpLastStep: Int64?
    public var createdAt: Timestamp

    public init(name: String, role: Role, passwordHash: String, totpSecret: String? = nil, totpLastStep: Int64? = nil, createdAt: Timestamp) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        self.totpLastStep = totpLastStep
        self.createdAt = createdAt
    }
}

public struct ConsoleSession: Sendable, Equatable {
    /// SHA-256 of the session cookie's value.
    public var idHash: [UInt8]
    public var account: String
    /// The session's anti-forgery token, sent back with every form.
    public var csrf: String
    public var createdAt: Timestamp
    public var lastSeen: Timestamp

    public init(idHash: [UInt8], account: String, csrf: String, createdAt: Timestamp, lastSeen: Timestamp) {
        self.idHash = idHash
        self.account = account
        self.csrf = csrf
        self.createdAt = createdAt
        self.lastSeen = lastSeen
    }
}
