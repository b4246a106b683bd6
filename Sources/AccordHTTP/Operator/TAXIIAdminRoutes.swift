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
            let title = r.title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...200).contains(title.count) else { throw AccordError(.invalidField, "title is 1–200 characters", field: "title") }
            if let d = r.description, d.count > 2000 { throw AccordError(.invalidField, "description is at most 2000 characters", field: "description") }
            let shareTo = try await pinned(r.shareTo ?? [], field: "share_to", node: node)
            let redTo = try await pinned(r.redTo ?? [], field: "red_to", node: node)
            let c = TAXIICollection(id: UUID().uuidString.lowercased(), title: title, description: r.description, shareTo: shareTo, redTo: redTo, createdAt: node.time.now())
            try await store.saveCollection(c)
            node.logger.info("TAXII collection added", metadata: ["collection": "\(c.id)", "share_to": "\(shareTo.joined(separator: ","))"])
            return JSONResponse.raw(CanonicalJSON.encode(json(c, rights: [])), status: .created)
        }

        api.post("/taxii/collections/:id/sharing") { request, context -> Response in
            guard let id = context.parameters.get("id"), var c = try await store.collection(id) else {
                throw AccordError(.notFound, "no TAXII collection with this id")
            }
            let r = try await OperatorRoutes.decode(Sharing.self, request, node: node)
            guard c.inboundPeer == nil else {
                throw AccordError(.invalidField, "collection \(id) holds what \(c.inboundPeer!) shared: it cannot be published; post objects to a collection of this node's (TLP then decides what goes on)", field: "share_to")
            }
            c.shareTo = try await pinned(r.shareTo, field: "share_to", node: node)
            c.redTo = try await pinned(r.redTo ?? [], field: "red_to", node: node)
            try await store.saveCollection(c)
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
            guard isAccountName(r.name) else {
                throw AccordError(.invalidField, "an account name is 1–64 characters of a–z, A–Z, 0–9, '.', '_', '-' or '@'", field: "name")
            }
            guard try await store.account(named: r.name) == nil else { throw AccordError(.conflict, "a TAXII account named \(r.name) exists", field: "name") }
            var hash: String? = nil
            if let password = r.password {
                guard (12...1024).contains(password.count) else { throw AccordError(.invalidField, "a password is 12–1024 characters", field: "password") }
                hash = try PasswordHash.make(password)
            }
            let (token, tokenHash) = TAXIITokens.make()
            try await store.saveAccount(TAXIIAccount(name: r.name, passwordHash: hash, tokenHash: tokenHash, createdAt: node.time.now()))
            node.logger.info("TAXII account added", metadata: ["account": "\(r.name)", "basic": "\(hash != nil)"])
            // The token is shown this once; the node keeps only its SHA-256.
            return JSONResponse.raw(CanonicalJSON.encode(["name": .string(r.name), "token": .string(token), "basic": .bool(hash != nil)]), status: .created)
        }

        api.delete("/taxii/accounts/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), try await store.deleteAccount(named: name) else {
                throw AccordError(.notFound, "no TAXII account with this name")
            }
            return JSONResponse.raw(CanonicalJSON.encode(["deleted": .string(name)]))
        }

        api.post("/taxii/accounts/:name/rights") { request, context -> Response in
            guard let name = context.parameters.get("name"), try await store.account(named: name) != nil else {
                throw AccordError(.notFound, "no TAXII account with this name")
            }
            let r = try await OperatorRoutes.decode(Rights.self, request, node: node)
            guard let c = try await store.collection(r.collection) else { throw AccordError(.notFound, "no TAXII collection \(r.collection)", field: "collection") }
            if r.write, c.inboundPeer != nil {
                throw AccordError(.invalidField, "collection \(c.id) holds what \(c.inboundPeer!) shared: it takes no writers", field: "write")
            }
            try await store.setRight(TAXIIRight(account: name, collection: c.id, read: r.read, write: r.write))
            return JSONResponse.raw(CanonicalJSON.encode(["account": .string(name), "collection": .string(c.id), "read": .bool(r.read), "write": .bool(r.write)]))
        }
    }

    static func isAccountName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (0x61...0x7A).contains(c) || (0x41...0x5A).contains(c) || (0x30...0x39).contains(c) || c == 0x2E || c == 0x5F || c == 0x2D || c == 0x40
        }
    }

    static func pinned(_ names: [String], field: String, node: Node) async throws -> [String] {
        var out: [String] = []
        for n in names where !out.contains(n) {
            guard try await node.store.peer(named: n) != nil else { throw AccordError(.invalidField, "\(n) is not a pinned peer (accord peer add)", field: field) }
            out.append(n)
        }
        return out.sorted()
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
