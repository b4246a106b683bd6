import AccordCore
import AccordNode
import AccordStore
import AccordTAXII
import Foundation
import Hummingbird

/// Configuration of the TAXII server through the operator API (`/api/v1/taxii/…`, admin):
/// collections and whom they are published to, accounts and their rights.
enum TAXIIAdminRoutes {
    struct NewCollection: OperatorBody {
        static let members: Set<String> = ["title", "description", "share_to", "red_to"]
        var title: String
        var description: String?
        var shareTo: [String]?
        var redTo: [String]?
        enum CodingKeys: String, CodingKey {
            case title, description
            case shareTo = "share_to"
            case redTo = "red_to"
        }
    }

    struct Sharing: OperatorBody {
        static let members: Set<String> = ["share_to", "red_to"]
        var shareTo: [String]
        var redTo: [String]?
        enum CodingKeys: String, CodingKey {
            case shareTo = "share_to"
            case redTo = "red_to"
        }
    }

    struct NewAccount: OperatorBody {
        static let members: Set<String> = ["name", "password"]
        var name: String
        /// For HTTP Basic; without it the account uses its bearer token only.
        var password: String?
    }

    struct Rights: OperatorBody {
        static let members: Set<String> = ["collection", "read", "write"]
        var collection: String
        var read: Bool
        var write: Bool
    }

    static func add(to api: RouterGroup<AccordRequestContext>, node: Node) {
        let store = node.store

        api.get("/taxii/collections") { _, _ -> Response in
            var out: [JSONValue] = []
            for c in try await store.collections() {
                let rights = try await store.rights(collection: c.id)
                out.append(json(c, rights: rights))
            }
            return JSONResponse.raw(CanonicalJSON.encode(.array(out)))
        }

        api.post("/taxii/collections") { request, _ -> Response in
            let r = try await OperatorRoutes.decode(NewCollection.self, request, node: node)
            let c = try await node.addTAXIICollection(title: r.title, description: r.description, shareTo: r.shareTo ?? [], redTo: r.redTo ?? [])
            return JSONResponse.raw(CanonicalJSON.encode(json(c, rights: [])), status: .created)
        }

        api.post("/taxii/collections/:id/sharing") { request, context -> Response in
            guard let id = context.parameters.get("id"), try await store.collection(id) != nil else {
                throw AccordError(.notFound, "no TAXII collection with this id")
            }
            let r = try await OperatorRoutes.decode(Sharing.self, request, node: node)
            let c = try await node.setTAXIISharing(id, shareTo: r.shareTo, redTo: r.redTo ?? [])
            return JSONResponse.raw(CanonicalJSON.encode(json(c, rights: try await store.rights(collection: c.id))))
        }

        api.get("/taxii/accounts") { _, _ -> Response in
            var out: [JSONValue] = []
            for a in try await store.accounts() {
                let rights = try await store.rights(account: a.name)
                out.append(.object([
                    "name": .string(a.name), "basic": .bool(a.passwordHash != nil), "token": .bool(a.tokenHash != nil),
                    "created_at": .string(a.createdAt.rfc3339),
                    "rights": .array(rights.map { .object(["collection": .string($0.collection), "read": .bool($0.read), "write": .bool($0.write)]) }),
                ]))
            }
            return JSONResponse.raw(CanonicalJSON.encode(.array(out)))
        }

        api.post("/taxii/accounts") { request, _ -> Response in
            let r = try await OperatorRoutes.decode(NewAccount.self, request, node: node)
            // The token is shown this once; the node keeps only its SHA-256.
            let token = try await node.addTAXIIAccount(name: r.name, password: r.password)
            return JSONResponse.raw(CanonicalJSON.encode(["name": .string(r.name), "token": .string(token), "basic": .bool(r.password != nil)]), status: .created)
        }

        api.delete("/taxii/accounts/:name") { _, context -> Response in
            guard let name = context.parameters.get("name") else { throw AccordError(.notFound, "no TAXII account with this name") }
            try await node.deleteTAXIIAccount(name)
            return JSONResponse.raw(CanonicalJSON.encode(["deleted": .string(name)]))
        }

        api.post("/taxii/accounts/:name/rights") { request, context -> Response in
            guard let name = context.parameters.get("name"), try await store.account(named: name) != nil else {
                throw AccordError(.notFound, "no TAXII account with this name")
            }
            let r = try await OperatorRoutes.decode(Rights.self, request, node: node)
            let right = try await node.setTAXIIRight(account: name, collection: r.collection, read: r.read, write: r.write)
            return JSONResponse.raw(CanonicalJSON.encode(["account": .string(name), "collection": .string(right.collection), "read": .bool(right.read), "write": .bool(right.write)]))
        }
    }

    static func json(_ c: TAXIICollection, rights: [TAXIIRight]) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(c.id), "title": .string(c.title), "share_to": .strings(c.shareTo), "red_to": .strings(c.redTo),
            "restricted": .bool(c.restricted), "created_at": .string(c.createdAt.rfc3339),
            "rights": .array(rights.map { .object(["account": .string($0.account), "read": .bool($0.read), "write": .bool($0.write)]) }),
        ]
        if let d = c.description { o["description"] = .string(d) }
        if let p = c.inboundPeer { o["inbound_peer"] = .string(p) }
        return .object(o)
    }
}
