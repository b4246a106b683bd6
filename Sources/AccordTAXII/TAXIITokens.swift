import AccordCore
import Crypto

/// TAXII accounts: bearer tokens (`taxii_…`, kept as SHA-256) and HTTP Basic passwords (kept as
/// PBKDF2). Neither the token nor the password is ever logged or shown again.
public enum TAXIITokens {
    public static let prefix = "taxii_"

    public static func make() -> (token: String, hash: [UInt8]) {
        var g = SystemRandomNumberGenerator()
        let token = prefix + Encoding.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) })
        return (token, hash(token))
    }

    public static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }
}
