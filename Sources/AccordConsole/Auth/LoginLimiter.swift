import AccordCore
import Synchronization

/// Counts failed sign-ins per account and per client address within a window, so that guessing
/// passwords (or TOTP codes) is slow whichever of the two an attacker varies. Checked before the
/// password is, so a limited attempt learns nothing. Kept in memory: a restart forgets it.
final class LoginLimiter: Sendable {
    struct Refusal: Error {
        var retryAfterSeconds: Int64
    }

    let settings: ConsoleSettings
    let failures = Mutex<[String: [Timestamp]]>([:])

    init(settings: ConsoleSettings) {
        self.settings = settings
    }

    static func accountKey(_ name: String) -> String { "account:" + name }
    static func addressKey(_ address: String) -> String { "address:" + address }

    /// Throws `Refusal` if either the account or the address has used up its failures.
    func check(account: String, address: String, now: Timestamp) throws(Refusal) {
        let windowStart = Timestamp(milliseconds: now.milliseconds - settings.failureWindowSeconds * 1000)
        let waits = failures.withLock { table -> [Int64] in
            var out: [Int64] = []
            for (key, limit) in [(Self.accountKey(account), settings.failuresPerAccount), (Self.addressKey(address), settings.failuresPerAddress)] {
                let recent = (table[key] ?? []).filter { $0 > windowStart }
                table[key] = recent
                if recent.count >= limit, let oldest = recent.first {
                    out.append(max(1, (oldest.milliseconds + settings.failureWindowSeconds * 1000 - now.milliseconds + 999) / 1000))
                }
            }
            return out
        }
        if let wait = waits.max() { throw Refusal(retryAfterSeconds: wait) }
    }

    func recordFailure(account: String, address: String, now: Timestamp) {
        failures.withLock { table in
            // Bounded: an attacker varying names cannot grow the table without limit.
            if table.count > 100_000 { table.removeAll() }
            table[Self.accountKey(account), default: []].append(now)
            table[Self.addressKey(address), default: []].append(now)
        }
    }

    func recordSuccess(account: String) {
        _ = failures.withLock { $0.removeValue(forKey: Self.accountKey(account)) }
    }
}
