import AccordCore
import AccordStore
import AccordTAXII
import Crypto
import Foundation
import Hummingbird
import Synchronization

/// Authenticates every `/taxii2/` request and puts its account in the context, with the
/// collection its path names and the account's rights there, all from one read; 401 (with both
/// challenges) without valid credentials. A PBKDF2 check costs tens of milliseconds, so a
/// verified Basic credential is remembered for a minute by its SHA-256 only.
struct TAXIIAuthMiddleware: RouterMiddleware {
    let store: any Store
    let verified = VerifiedCredentials()

    init(store: any Store) {
        self.store = store
    }

    func handle(_ request: Request, context: AccordRequestContext, next: (Request, AccordRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let access = try await authenticate(request, collection: context.parameters.get("collection"))
        context.taxiiAccount = access.account
        context.taxiiCollection = access.collection
        context.taxiiRight = access.right
        return try await next(request, context)
    }

    func authenticate(_ request: Request, collection: String?) async throws -> TAXIIAccess {
        guard let header = request.headers[.authorization] else {
            throw AccordError(.unauthorized, "this TAXII server needs credentials: HTTP Basic or 'Authorization: Bearer taxii_…' (accord taxii account add)")
        }
        if header.hasPrefix("Bearer ") {
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard token.hasPrefix(TAXIITokens.prefix), let access = try await store.taxiiAccess(.tokenHash(TAXIITokens.hash(token)), collection: collection) else {
                throw AccordError(.unauthorized, "the bearer token is not a TAXII token of this node")
            }
            return access
        }
        guard header.hasPrefix("Basic "), let decoded = Encoding.unbase64(String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(bytes: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { throw AccordError(.unauthorized, "send HTTP Basic credentials (name:password) or a bearer token") }
        let name = String(text[..<colon]), password = String(text[text.index(after: colon)...])
        // The account is read again on every request, so a deleted account or a changed
        // password ends access at once, whatever was verified before.
        guard let access = try await store.taxiiAccess(.name(name), collection: collection), let stored = access.account.passwordHash else {
            throw AccordError(.unauthorized, "the TAXII name or password is wrong")
        }
        let key = Array(SHA256.hash(data: decoded))
        let now = ContinuousClock.now
        if let hit = verified.entries.withLock({ $0[key] }), hit.until > now, hit.name == name, hit.stored == stored {
            return access
        }
        guard PasswordHash.verify(password, against: stored) else {
            throw AccordError(.unauthorized, "the TAXII name or password is wrong")
        }
        verified.entries.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = (name, stored, now.advanced(by: .seconds(60)))
        }
        return access
    }
}

/// Basic credentials verified recently, by the SHA-256 of `name:password`.
final class VerifiedCredentials: Sendable {
    /// By SHA-256 of `name:password`: the name, the password hash it was verified against
    /// (a changed password invalidates it), and until when.
    let entries = Mutex<[[UInt8]: (name: String, stored: String, until: ContinuousClock.Instant)]>([:])
}
