import AccordCore
import AccordStore
import Dispatch
import Foundation
import HummingbirdBcrypt
import HummingbirdOTP

/// Console passwords (bcrypt) and second factors (TOTP, RFC 6238: 6 digits, 30-second steps,
/// HMAC-SHA1, as authenticator apps expect). bcrypt is slow on purpose, so it runs off the
/// cooperative thread pool.
public enum ConsolePasswords {
    /// Shortest password accepted for a console account.
    public static let minimumLength = 12
    /// bcrypt reads at most 72 bytes of a password; longer ones are refused rather than cut.
    public static let maximumBytes = 72

    public static func check(_ password: String) throws(AccordError) {
        guard password.count >= minimumLength else {
            throw AccordError(.invalidField, "a console password has at least \(minimumLength) characters", field: "password")
        }
        guard password.utf8.count <= maximumBytes else {
            throw AccordError(.invalidField, "a console password has at most \(maximumBytes) bytes (bcrypt reads no more)", field: "password")
        }
    }

    public static func hash(_ password: String, cost: UInt8) async throws -> String {
        try check(password)
        return await offPool { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async -> Bool {
        guard password.utf8.count <= maximumBytes else { return false }
        return await offPool { Bcrypt.verify(password, hash: hash) }
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: body()) } }
    }

    /// Makes a new account record (the password hashed) for `accord account add`.
    public static func account(name: String, role: Role, password: String, cost: UInt8, now: Timestamp) async throws -> ConsoleAccount {
        guard NodeName.isValid(name) else {
            throw AccordError(.invalidField, "an account name is 1–63 lowercase letters, digits, '.' and '-' (like a node name)", field: "name")
        }
        return ConsoleAccount(name: name, role: role, passwordHash: try await hash(password, cost: cost), createdAt: now)
    }
}

/// TOTP second factors.
public enum ConsoleTOTP {
    public static let stepSeconds: Int64 = 30
    static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")

    /// A new shared secret: 32 random characters (about 185 bits), used as the HMAC key's bytes.
    public static func newSecret() -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }

    /// The secret as authenticator apps take it (RFC 4648 base32 of its bytes, no padding).
    public static func base32(_ secret: String) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer = 0, bits = 0
        for byte in secret.utf8 {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(letters[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(letters[(buffer << (5 - bits)) & 31]) }
        return out
    }

    /// The `otpauth://` URL to put in an authenticator app (or a QR code).
    public static func url(secret: String, account: String, issuer: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// The code for `secret` at time step `step`.
    public static func code(secret: String, step: Int64) -> String {
        let value = TOTP(secret: secret).compute(date: Date(timeIntervalSince1970: Double(step * stepSeconds)))
        let text = String(value)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }

    /// The time step a code is good for at `now` (the current step or one either side, for
    /// clocks a little apart), or nil when it is wrong.
    public static func matchingStep(secret: String, code: String, at now: Timestamp) -> Int64? {
        let trimmed = code.filter { !$0.isWhitespace }
        guard trimmed.count == 6, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) else { return nil }
        let current = now.milliseconds / 1000 / stepSeconds
        for step in [current, current - 1, current + 1] where constantTimeEqual(Self.code(secret: secret, step: step), trimmed) {
            return step
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for (p, q) in zip(x, y) { diff |= p ^ q }
        return diff == 0
    }
}
