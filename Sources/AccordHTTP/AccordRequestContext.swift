import AccordConsole
import AccordCore
import AccordStore
import Hummingbird

/// The request context of every route: the operator behind an `/api/v1` request, once the
/// auth middleware has authenticated it, and the client's address for per-client limits.
public struct AccordRequestContext: RequestContext, ConsoleRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `OperatorAuthMiddleware` on operator routes; nil elsewhere.
    public var identity: TokenRecord?
    /// Set by `TAXIIAuthMiddleware` on `/taxii2/` routes; nil elsewhere.
    public var taxiiAccount: TAXIIAccount?
    /// On `/taxii2/` routes that name a collection: the collection (nil if none has that id)
    /// and the account's rights on it, read with the account.
    public var taxiiCollection: TAXIICollection?
    public var taxiiRight: TAXIIRight?
    /// Set by the console's middleware on `/console` routes for a signed-in person; nil elsewhere.
    public var consoleUser: ConsoleUser?
    /// A form POSTed to a `/console` route, read by the console's middleware.
    public var consoleForm: FormValues?
    public var consoleUpload: ConsoleUpload?
    /// The client's IP address (for per-client limits such as console sign-in attempts).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The authenticated operator; routes behind the auth middleware always have one.
    func requireIdentity() throws(AccordError) -> TokenRecord {
        guard let identity else { throw AccordError(.unauthorized, "this route needs an operator token") }
        return identity
    }
}
