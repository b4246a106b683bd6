import AccordCore
import AccordNode
import AccordStore
import AccordTAXII
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The TAXII 2.1 server at `/taxii2/`: discovery, one API root (`/taxii2/api/`), its
/// collections, and status resources. Objects, manifests and versions: `TAXIIObjectRoutes`.
/// Every route authenticates a TAXII account (`TAXIIAuthMiddleware`) and checks its rights on
/// the collection.
enum TAXIIRoutes {
    static let apiRoot = "/taxii2/api/"

    static func add(to router: Router<AccordRequestContext>, node: Node, cursor: PageCursor) {
        let taxii = router.group("/taxii2").add(middleware: TAXIIErrorMiddleware()).add(middleware: TAXIIAuthMiddleware(store: node.store))
        let store = node.store

        taxii.get("/") { request, _ -> Response in
            try requireAccept(request)
            // Absolute, as clients expect: the scheme of the node's public URL, the host the client used.
            let scheme = node.configuration.publicURL.hasPrefix("https:") ? "https" : "http"
            let root = (request.head.authority ?? request.headers[HTTPField.Name("Host")!]).map { "\(scheme)://\($0)\(apiRoot)" } ?? apiRoot
            return answer([
                "title": .string("Accord node \(node.name)"),
                "description": .string("TAXII 2.1 server of the Accord node \(node.name) (\(node.configuration.profile.organisation))"),
                "default": .string(root), "api_roots": .strings([root]),
            ])
        }

        taxii.get("/api/") { request, _ -> Response in
            try requireAccept(request)
            return answer([
                "title": .string("Accord \(node.name)"), "versions": .strings([TAXIIMediaType.taxii]),
                "max_content_length": .number(Double(node.configuration.taxii.maxContentLength)),
            ])
        }

        taxii.get("/api/collections/") { request, context -> Response in
            try requireAccept(request)
            let account = try context.requireTAXIIAccount()
            let rights = Dictionary(try await store.rights(account: account.name).map { ($0.collection, $0) }, uniquingKeysWith: { a, _ in a })
            let visible = try await store.collections().filter { rights[$0.id]?.read == true || rights[$0.id]?.write == true }
            var body: [String: JSONValue] = [:]
            if !visible.isEmpty { body["collections"] = .array(visible.map { json($0, rights[$0.id]) }) }
            return answer(body)
        }

        taxii.get("/api/collections/:collection/") { request, context -> Response in
            try requireAccept(request)
            let (collection, right) = try access(context, need: nil)
            return answer(json(collection, right))
        }

        taxii.get("/api/status/:status/") { request, context -> Response in
            try requireAccept(request)
            let account = try context.requireTAXIIAccount()
            guard let id = context.parameters.get("status"), let record = try await store.status(id), record.account == account.name else {
                throw AccordError(.notFound, "no status resource with this id for account \(account.name)")
            }
            return JSONResponse.raw(record.body, contentType: TAXIIMediaType.taxii)
        }

        TAXIIObjectRoutes.add(to: taxii, node: node, cursor: cursor)
    }

    static func json(_ c: TAXIICollection, _ right: TAXIIRight?) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(c.id), "title": .string(c.title), "can_read": .bool(right?.read ?? false),
            "can_write": .bool((right?.write ?? false) && !c.restricted && c.inboundPeer == nil), "media_types": .strings([TAXIIMediaType.stix]),
        ]
        if let d = c.description { o["description"] = .string(d) }
        return .object(o)
    }

    static func answer(_ body: [String: JSONValue], status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.raw(CanonicalJSON.encode(.object(body)), status: status, contentType: TAXIIMediaType.taxii)
    }

    static func answer(_ body: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.raw(CanonicalJSON.encode(body), status: status, contentType: TAXIIMediaType.taxii)
    }

    static func requireAccept(_ request: Request) throws(AccordError) {
        guard TAXIIMediaType.accepts(request.headers[.accept]) else {
            throw AccordError(.notAcceptable, "this server answers with \(TAXIIMediaType.taxii); the Accept header allows none of it", field: "Accept")
        }
    }

    /// The collection named in the path and the account's rights on it; `need` is `read` or
    /// `write` (403 without it), nil for either. Unknown collections are 404.
    static func access(_ context: AccordRequestContext, need: KeyPath<TAXIIRight, Bool>?) throws(AccordError) -> (TAXIICollection, TAXIIRight?) {
        let account = try context.requireTAXIIAccount()
        // Read with the account by TAXIIAuthMiddleware.
        guard context.parameters.get("collection") != nil, let collection = context.taxiiCollection else {
            throw AccordError(.notFound, "no collection with this id on this server")
        }
        let right = context.taxiiRight
        if let need {
            guard right?[keyPath: need] == true else {
                let what = need == \TAXIIRight.write ? "write to" : "read"
                throw AccordError(.forbidden, "account \(account.name) may not \(what) collection \(collection.id)")
            }
            if need == \TAXIIRight.write, collection.inboundPeer != nil || collection.restricted {
                throw AccordError(.forbidden, "collection \(collection.id) holds what \(collection.inboundPeer ?? "a peer") shared; it takes no posts")
            }
        } else {
            guard right?.read == true || right?.write == true else {
                throw AccordError(.forbidden, "account \(account.name) has no rights on collection \(collection.id)")
            }
        }
        return (collection, right)
    }
}

extension AccordRequestContext {
    func requireTAXIIAccount() throws(AccordError) -> TAXIIAccount {
        guard let taxiiAccount else { throw AccordError(.unauthorized, "this route needs a TAXII account") }
        return taxiiAccount
    }
}
