import AccordCore
import Foundation
import GRDB

extension SQLiteStore {
    static func consoleAccount(_ row: Row) -> ConsoleAccount {
        ConsoleAccount(
            name: row["name"], role: Role(rawValue: row["role"]) ?? .auditor, passwordHash: row["password_hash"],
            totpSecret: row["totp_secret"], totpLastStep: row["totp_last_step"], createdAt: Timestamp(milliseconds: row["created_at"]))
    }

    public func addConsoleAccount(_ account: ConsoleAccount) async throws {
        try await write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM console_accounts WHERE name = ?", arguments: [account.name]) != nil {
                throw AccordError(.conflict, "a console account named \(account.name) exists already; remove it first or choose another name")
            }
            try db.execute(
                sql: "INSERT INTO console_accounts(name, role, password_hash, totp_secret, totp_last_step, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [account.name, account.role.rawValue, account.passwordHash, account.totpSecret, account.totpLastStep, account.createdAt.milliseconds])
        }
    }

    public func consoleAccount(named name: String) async throws -> ConsoleAccount? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM console_accounts WHERE name = ?", arguments: [name]).map(Self.consoleAccount) }
    }

    public func consoleAccounts() async throws -> [ConsoleAccount] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM console_accounts ORDER BY name").map(Self.consoleAccount) }
    }

    public func removeConsoleAccount(named name: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE account = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM console_accounts WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func setConsoleTOTP(named name: String, secret: String?) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE console_accounts SET totp_secret = ?, totp_last_step = NULL WHERE name = ?", arguments: [secret, name])
            let changed = db.changesCount > 0
            if changed { try db.execute(sql: "DELETE FROM console_sessions WHERE account = ?", arguments: [name]) }
            return changed
        }
    }

    public func useConsoleTOTPStep(named name: String, step: Int64) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: "UPDATE console_accounts SET totp_last_step = ? WHERE name = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                arguments: [step, name, step])
            return db.changesCount > 0
        }
    }

    public func saveConsoleSession(_ session: ConsoleSession) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO console_sessions(id_hash, account, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(session.idHash), session.account, session.csrf, session.createdAt.milliseconds, session.lastSeen.milliseconds])
        }
    }

    public func consoleSession(idHash: [UInt8]) async throws -> ConsoleSession? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM console_sessions WHERE id_hash = ?", arguments: [Data(idHash)]).map { row in
                ConsoleSession(
                    idHash: [UInt8](row["id_hash"] as Data), account: row["account"], csrf: row["csrf"],
                    createdAt: Timestamp(milliseconds: row["created_at"]), lastSeen: Timestamp(milliseconds: row["last_seen"]))
            }
        }
    }

    public func touchConsoleSession(idHash: [UInt8], at time: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE console_sessions SET last_seen = ? WHERE id_hash = ? AND last_seen < ?", arguments: [time.milliseconds, Data(idHash), time.milliseconds])
        }
    }

    public func deleteConsoleSession(idHash: [UInt8]) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM console_sessions WHERE id_hash = ?", arguments: [Data(idHash)]) }
    }

    public func pruneConsoleSessions(idleBefore: Timestamp, createdBefore: Timestamp) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM console_sessions WHERE last_seen < ? OR created_at < ?", arguments: [idleBefore.milliseconds, createdBefore.milliseconds])
            return db.changesCount
        }
    }
}
