import AccordCore
import AccordStore
import Crypto
import Hummingbird

/// Bearer tokens for a node's own people. A token is shown once when created; the node keeps
/// only its SHA-256. Every operator route names the least role it needs.
public enum OperatorTokens {
    public static let prefix = "accord_"

    /// Makes a new token and its record. The caller stores the record and shows the token once.
    public static func make(name: String, role: Role, now: Timestamp) -> (token: String, record: TokenRecord) {
        var g = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
        let token = prefix + Encoding.hex(secret)
        return (token, TokenRecord(hash: hash(token), name: name, role: role, createdAt: now))
    }

    static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    /// The token record behind a request: a known, unrevoked operator token.
    static func authenticate(_ request: Request, store: any Store) async throws -> TokenRecord {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw AccordError(.unauthorized, "send an operator token as 'Authorization: Bearer <token>' (make one with accord token create)")
        }
        let token = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard token.hasPrefix(prefix), let record = try await store.token(hash: hash(token)), !record.revoked else {
            throw AccordError(.unauthorized, "the operator token is not valid on this node (unknown or revoked)")
        }
        return record
    }
}
