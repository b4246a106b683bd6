import AccordCore
import AccordStore
import Hummingbird

/// The request context of every route: the operator behind an `/api/v1` request, once the
/// auth middleware has authenticated it, and the client's address for per-client limits.
public struct AccordRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `OperatorAuthMiddleware` on operator routes; nil elsewhere.
    public var identity: TokenRecord?
    /// Set by `TAXIIAuthMiddleware` on `/taxii2/` routes; nil elsewhere.
    public var taxiiAccount: TAXIIAccount?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The authenticated operator; routes behind the auth middleware always have one.
    func requireIdentity() throws(AccordError) -> TokenRecord {
        guard let identity else { throw AccordError(.unauthorized, "this route needs an operator token") }
        return identity
    }
}
