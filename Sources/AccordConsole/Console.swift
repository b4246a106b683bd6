import AccordCore
import AccordNode
import AccordStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import ServiceLifecycle
import Synchronization

/// What the console needs from the request context of the server it is mounted in.
public protocol ConsoleRequestContext: RequestContext {
    /// Set by the console's middleware for a signed-in person.
    var consoleUser: ConsoleUser? { get set }
    /// A POSTed form, read (and its anti-forgery token checked) by the middleware.
    var consoleForm: FormValues? { get set }
    /// Set by the console's middleware for a form that posts a file: the file, still to be read.
    var consoleUpload: ConsoleUpload? { get set }
    /// The client's IP address, for limiting sign-in attempts.
    var clientAddress: String { get }
}

/// The duty officer's web console, served by the node under `/console`: server-rendered pages
/// (Mustache templates compiled in), plain forms that work without JavaScript, a live stream of
/// new work, sessions in the node's database.
public final class Console: Sendable {
    let node: Node
    let settings: ConsoleSettings
    let sessions: ConsoleSessions
    let limiter: LoginLimiter
    let library: MustacheLibrary
    let stopped = Atomic<Bool>(false)
    /// Directory rows already rendered, by node name, with the entry each was rendered from.
    let renderedRows = Mutex<[String: (Directory.Entry, String)]>([:])
    /// The node's Merkle log, for court exports (none: the export button answers 503).
    let log: LogCoordinator?

    public init(node: Node, settings: ConsoleSettings = ConsoleSettings(), log: LogCoordinator? = nil) {
        self.node = node
        self.log = log
        self.settings = settings
        sessions = ConsoleSessions(store: node.store, time: node.time, settings: settings)
        limiter = LoginLimiter(settings: settings)
        var library = MustacheLibrary()
        for (name, text) in Templates.all {
            // The templates are constants of this file's module; one that does not parse is a bug caught by every test.
            try! library.register(text, named: name)
        }
        self.library = library
    }

    /// Cookies are sent only over TLS when the node's public URL is https.
    var secureCookies: Bool { node.configuration.publicURL.lowercased().hasPrefix("https://") }

    /// Mounts the console's routes on `router`.
    public func add<Context: ConsoleRequestContext>(to router: Router<Context>) {
        let group = router.group("/console").add(middleware: ConsoleMiddleware<Context>(console: self))
        addLogin(to: group)
        addPages(to: group)
        addDirectory(to: group)
        addStats(to: group)
        addTAXII(to: group)
        addEvidence(to: group)
        addEvidenceUpload(to: group)
        addExport(to: group)
        addStream(to: group)
    }

    /// Ends the live streams when the node shuts down, so that open browsers do not hold it up.
    public var service: some Service { StreamStopper(console: self) }

    struct StreamStopper: Service {
        let console: Console
        func run() async throws {
            try? await gracefulShutdown()
            console.stopped.store(true, ordering: .relaxed)
        }
    }

    // MARK: Rendering

    func render(_ template: String, _ context: Any) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    static let securityHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// A whole page: `body` rendered from `template` inside the layout.
    func page(_ template: String, title: String, user: ConsoleUser?, section: String = "", flash: String? = nil, status: HTTPResponse.Status = .ok,
              _ context: [String: Any]) -> Response {
        var ctx = context
        if let user { ctx["csrf"] = user.csrf }
        let body = render(template, ctx)
        var layout: [String: Any] = ["title": title, "node": node.name, "body": body]
        if let flash { layout["flash"] = flash }
        if let user {
            layout["user"] = [
                "name": user.name, "role": user.role.rawValue, "csrf": user.csrf, "canSign": user.role >= .officer,
                "inInbox": section == "inbox", "inCases": section == "cases", "inOpen": section == "open", "inDirectory": section == "directory", "inStats": section == "stats",
                "isAdmin": user.role >= .admin, "inTAXII": section == "taxii",
            ] as [String: Any]
        }
        return Response(status: status, headers: Self.securityHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: render("layout", layout))))
    }

    func errorPage(_ status: HTTPResponse.Status, heading: String, message: String, user: ConsoleUser?, back: String = "/console/inbox", backLabel: String = "Back to the inbox") -> Response {
        page("error", title: heading, user: user, status: status, ["heading": heading, "message": message, "back": back, "backLabel": backLabel])
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The HTTP status for an error a person caused (unknown errors are the node's fault: 500).
    static func status(for code: AccordError.Code) -> HTTPResponse.Status {
        switch code {
        case .malformed, .invalidField, .missingField, .badKey: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden, .unknownPeer, .notAddressed: .forbidden
        case .notFound, .unknownCase: .notFound
        case .conflict: .conflict
        case .illegalStep: .unprocessableContent
        case .tooLarge: .contentTooLarge
        case .unsupportedType: .unsupportedMediaType
        case .rateLimited: .tooManyRequests
        case .busy: .serviceUnavailable
        default: .internalServerError
        }
    }
}
