import AccordCore
import AccordStore
import HTTPTypes
import Hummingbird

/// Who may call each operator route: one table, read by the auth middleware on every request
/// and walked by the role-matrix test. A route missing from the table is refused to everyone.
public enum OperatorPolicy {
    public struct Rule: Sendable, Equatable {
        public var method: HTTPRequest.Method
        /// As Hummingbird names the matched route: `/api/v1/cases/{id}`.
        public var path: String
        public var role: Role
    }

    static func rule(_ method: HTTPRequest.Method, _ path: String, _ role: Role) -> Rule {
        Rule(method: method, path: "/api/v1" + path, role: role)
    }

    public static let rules: [Rule] = [
        rule(.get, "/node", .auditor),
        rule(.get, "/norms", .auditor),
        rule(.get, "/bases", .auditor),
        rule(.get, "/peers", .auditor),
        rule(.get, "/cases", .auditor),
        rule(.get, "/cases/{id}", .auditor),
        rule(.get, "/cases/{id}/events", .auditor),
        rule(.get, "/cases/{id}/view", .auditor),
        rule(.get, "/cases/{id}/export", .auditor),
        rule(.get, "/overdue", .auditor),
        rule(.get, "/stats", .auditor),
        rule(.get, "/deliveries", .auditor),
        rule(.get, "/deliveries/{peer}/parked", .auditor),
        rule(.post, "/deliveries/{peer}/resend", .officer),
        rule(.get, "/log", .auditor),
        rule(.get, "/log/inclusion", .auditor),
        rule(.get, "/log/consistency", .auditor),
        rule(.get, "/log/witnessed", .auditor),
        rule(.get, "/log/metrics", .auditor),
        rule(.get, "/proofs/{id}", .auditor),
        rule(.get, "/alerts", .auditor),
        rule(.get, "/drafts", .analyst),
        rule(.post, "/drafts", .analyst),
        rule(.delete, "/drafts/{id}", .analyst),
        rule(.post, "/cases", .officer),
        rule(.post, "/cases/{id}/steps", .officer),
        rule(.get, "/cases/{id}/evidence", .auditor),
        rule(.post, "/cases/{id}/evidence", .officer),
        rule(.get, "/cases/{id}/custody", .auditor),
        rule(.get, "/evidence/{id}", .auditor),
        rule(.get, "/evidence/{id}/content", .officer),
        rule(.post, "/evidence/{id}/retry", .officer),
        rule(.post, "/checks", .officer),
        rule(.get, "/checks", .auditor),
        rule(.post, "/checks/{id}/answer", .officer),
        rule(.post, "/drafts/{id}/send", .officer),
        rule(.post, "/log/checkpoints", .officer),
        rule(.post, "/log/exchange", .officer),
        rule(.post, "/receipts/fetch", .officer),
        rule(.post, "/peers", .admin),
        rule(.delete, "/peers/{name}", .admin),
        rule(.get, "/peers/replacements", .admin),
        rule(.post, "/key/rotate", .admin),
        rule(.post, "/key/rotate-encryption", .admin),
        rule(.get, "/taxii/collections", .auditor),
        rule(.post, "/taxii/collections", .admin),
        rule(.post, "/taxii/collections/{id}/sharing", .admin),
        rule(.get, "/taxii/accounts", .admin),
        rule(.post, "/taxii/accounts", .admin),
        rule(.delete, "/taxii/accounts/{name}", .admin),
        rule(.post, "/taxii/accounts/{name}/rights", .admin),
        rule(.get, "/notifications", .admin),
        rule(.post, "/notifications/test", .admin),
        rule(.post, "/notifications/{id}/retry", .admin),
        rule(.get, "/directory", .auditor),
        rule(.get, "/directory/{peer}", .auditor),
        rule(.get, "/profile", .auditor),
        rule(.put, "/profile", .admin),
        rule(.patch, "/profile", .admin),
    ]

    static let byRoute: [String: Role] = Dictionary(uniqueKeysWithValues: rules.map { ("\($0.method.rawValue) \($0.path)", $0.role) })

    /// The least role for a matched route, nil if the table does not list it.
    public static func role(method: HTTPRequest.Method, path: String) -> Role? {
        byRoute["\(method.rawValue) \(path)"]
    }
}

/// Authenticates the bearer token of every operator request and checks the role the policy
/// table gives the matched route, before the route runs.
struct OperatorAuthMiddleware: RouterMiddleware {
    let store: any Store

    func handle(_ request: Request, context: AccordRequestContext, next: (Request, AccordRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let record = try await OperatorTokens.authenticate(request, store: store)
        guard let path = context.endpointPath, let needed = OperatorPolicy.role(method: request.method, path: path) else {
            context.logger.error("operator route without an access rule", metadata: ["path": "\(context.endpointPath ?? request.uri.path)"])
            throw AccordError(.forbidden, "this route has no access rule; nobody may call it")
        }
        // An auditor reads only; analysts, officers and admins form a ladder above it.
        guard record.role >= needed else {
            throw AccordError(.forbidden, "this needs the \(needed.rawValue) role; the token \"\(record.name)\" has \(record.role.rawValue)")
        }
        context.identity = record
        return try await next(request, context)
    }
}
