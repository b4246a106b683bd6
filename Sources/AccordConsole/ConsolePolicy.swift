import AccordStore
import HTTPTypes

/// Who may use each console route: one table, read by the console's middleware on every request
/// and walked by its test, with the API's roles (an analyst reads, only an officer or admin signs,
/// an auditor changes nothing). A console route missing from both tables is refused to everyone.
public enum ConsolePolicy {
    public struct Rule: Sendable, Equatable {
        public var method: HTTPRequest.Method
        /// As Hummingbird names the matched route: `/console/cases/{id}`.
        public var path: String
        public var role: Role
    }

    static func rule(_ method: HTTPRequest.Method, _ path: String, _ role: Role) -> Rule {
        Rule(method: method, path: "/console" + path, role: role)
    }

    public static let rules: [Rule] = [
        rule(.get, "", .auditor),
        rule(.get, "/inbox", .auditor),
        rule(.get, "/stream", .auditor),
        rule(.get, "/cases", .auditor),
        rule(.get, "/cases/{id}", .auditor),
        rule(.get, "/stats", .auditor),
        rule(.get, "/cases/{id}/export", .auditor),
        rule(.get, "/evidence/{evidence}", .officer),
        rule(.get, "/cases/new", .officer),
        rule(.post, "/cases", .officer),
        rule(.post, "/cases/{id}/steps", .officer),
        rule(.post, "/cases/{id}/evidence", .officer),
        rule(.post, "/logout", .auditor),
        rule(.get, "/directory", .auditor),
        rule(.get, "/directory/{peer}", .auditor),
        rule(.get, "/profile", .admin),
        rule(.post, "/profile", .admin),
        rule(.get, "/taxii", .admin),
        rule(.post, "/taxii/collections", .admin),
        rule(.get, "/taxii/collections/{collection}", .admin),
        rule(.post, "/taxii/collections/{collection}/sharing", .admin),
        rule(.post, "/taxii/accounts", .admin),
        rule(.post, "/taxii/rights", .admin),
        rule(.post, "/taxii/accounts/{account}/delete", .admin),
    ]

    /// Routes anyone may reach: the sign-in form and the static assets.
    public static let open: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/console/login"), (.post, "/console/login"), (.get, "/console/static/console.css"), (.get, "/console/static/console.js"),
    ]

    /// Routes whose form posts a file (`multipart/form-data`); every other form is refused as one.
    public static let fileRoutes: Set<String> = ["/console/cases/{id}/evidence"]

    static let byRoute: [String: Role] = Dictionary(uniqueKeysWithValues: rules.map { ("\($0.method.rawValue) \($0.path)", $0.role) })
    static let openRoutes: Set<String> = Set(open.map { "\($0.method.rawValue) \($0.path)" })

    public static func role(method: HTTPRequest.Method, path: String) -> Role? { byRoute["\(method.rawValue) \(path)"] }
    public static func takesFiles(path: String) -> Bool { fileRoutes.contains(path) }
    public static func isOpen(method: HTTPRequest.Method, path: String) -> Bool { openRoutes.contains("\(method.rawValue) \(path)") }
}
