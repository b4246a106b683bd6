import AccordCore
import Crypto
import CryptoExtras

/// TAXII account passwords, kept as PBKDF2-HMAC-SHA256 (swift-crypto's CryptoExtras):
/// `pbkdf2-sha256$<rounds>$<salt>$<hash>`, salt and hash in base64.
public enum PasswordHash {
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
    public static let rounds = 600_000

    public static func make(_ password: String, rounds: Int = rounds) throws -> String {
        var g = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &g) }
        let hash = try derive(password, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Encoding.base64(salt))$\(Encoding.base64(hash))"
    }

    /// Whether `password` matches `stored`, compared in constant time.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= 1,
            let salt = Encoding.unbase64(parts[2]), let expected = Encoding.unbase64(parts[3]),
            let hash = try? derive(password, salt: salt, rounds: rounds), hash.count == expected.count
        else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(hash, expected) { diff |= a ^ b }
        return diff == 0
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}
