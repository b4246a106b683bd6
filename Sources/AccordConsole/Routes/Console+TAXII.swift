import AccordCore
import AccordNode
import AccordStore
import HTTPTypes
import Hummingbird

/// The TAXII server's configuration (admins): collections and whom they are published to,
/// accounts (a new token shown once) and their rights; the same checks as the operator API's.
extension Console {
    func addTAXII<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/taxii") { request, context -> Response in
            let user = try Self.user(context)
            let done = request.uri.queryParameters.get("done").map { String($0) }
            return try await self.taxiiPage(user: user, flash: Self.taxiiFlash(done))
        }

        group.post("/taxii/collections") { _, context -> Response in
            let user = try Self.user(context)
            let values = context.consoleForm ?? FormValues()
            do {
                let c = try await self.node.addTAXIICollection(
                    title: values["title"] ?? "", description: values.text("description"), shareTo: values.all("share_to"), redTo: values.all("red_to"))
                context.logger.notice("console: TAXII collection added", metadata: ["account": "\(user.name)", "collection": "\(c.id)"])
                return Console.redirect("/console/taxii/collections/\(c.id)?done=added")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let peers = try await self.pinnedNames()
                let errors = e.field.map { [$0: e.message] } ?? [:]
                let form = TAXIIForms.collection(peers: peers, values: values, errors: errors, general: [e.message])
                return try await self.taxiiPage(user: user, status: Console.status(for: e.code), collectionForm: form)
            }
        }

        group.get("/taxii/collections/:collection") { request, context -> Response in
            let user = try Self.user(context)
            let c = try await self.taxiiCollection(context)
            let flash: String? =
                switch request.uri.queryParameters.get("done") {
                case "added": "The collection was added."
                case "sharing": "Saved: what is posted from now on goes to these peers, as far as TLP allows."
                default: nil
                }
            let form = c.inboundPeer == nil ? TAXIIForms.sharing(c, peers: try await self.pinnedNames()) : nil
            return try await self.collectionPage(c, form: form, user: user, flash: flash)
        }

        group.post("/taxii/collections/:collection/sharing") { _, context -> Response in
            let user = try Self.user(context)
            let c = try await self.taxiiCollection(context)
            let values = context.consoleForm ?? FormValues()
            do {
                _ = try await self.node.setTAXIISharing(c.id, shareTo: values.all("share_to"), redTo: values.all("red_to"))
                context.logger.notice("console: TAXII collection sharing changed", metadata: ["account": "\(user.name)", "collection": "\(c.id)"])
                return Console.redirect("/console/taxii/collections/\(c.id)?done=sharing")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let form = TAXIIForms.sharing(c, peers: try await self.pinnedNames(), values: values, errors: e.field.map { [$0: e.message] } ?? [:], general: [e.message])
                return try await self.collectionPage(c, form: form, user: user, status: Console.status(for: e.code))
            }
        }

        group.post("/taxii/accounts") { _, context -> Response in
            let user = try Self.user(context)
            let values = context.consoleForm ?? FormValues()
            let name = values.text("name") ?? ""
            do {
                let token = try await self.node.addTAXIIAccount(name: name, password: values.text("password"))
                context.logger.notice("console: TAXII account added", metadata: ["account": "\(user.name)", "taxii_account": "\(name)"])
                // Shown in this answer only (never in a URL or a log): the node keeps its hash.
                return try await self.taxiiPage(user: user, flash: "Account \(name) added.", token: (name, token))
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let form = TAXIIForms.account(values: values, errors: e.field.map { [$0: e.message] } ?? [:], general: [e.message])
                return try await self.taxiiPage(user: user, status: Console.status(for: e.code), accountForm: form)
            }
        }

        group.post("/taxii/accounts/:account/delete") { _, context -> Response in
            let user = try Self.user(context)
            guard let name = context.parameters.get("account") else { throw AccordError(.notFound, "no TAXII account with this name") }
            try await self.node.deleteTAXIIAccount(name)
            context.logger.notice("console: TAXII account deleted", metadata: ["account": "\(user.name)", "taxii_account": "\(name)"])
            return Console.redirect("/console/taxii?done=deleted")
        }

        group.post("/taxii/rights") { _, context -> Response in
            let user = try Self.user(context)
            let values = context.consoleForm ?? FormValues()
            do {
                let right = try await self.node.setTAXIIRight(
                    account: values["account"] ?? "", collection: values["collection"] ?? "", read: values["read"] == "true", write: values["write"] == "true")
                context.logger.notice("console: TAXII rights set", metadata: [
                    "account": "\(user.name)", "taxii_account": "\(right.account)", "collection": "\(right.collection)", "read": "\(right.read)", "write": "\(right.write)",
                ])
                return Console.redirect("/console/taxii?done=rights")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let form = TAXIIForms.rights(
                    accounts: try await self.node.store.accounts().map(\.name), collections: try await self.node.store.collections(), values: values,
                    errors: e.field.map { [$0: e.message] } ?? [:], general: [e.message])
                return try await self.taxiiPage(user: user, status: Console.status(for: e.code), rightsForm: form)
            }
        }
    }

    static func taxiiFlash(_ done: String?) -> String? {
        switch done {
        case "rights": "Rights saved."
        case "deleted": "The account was deleted: its token and password no longer work."
        default: nil
        }
    }

    func pinnedNames() async throws -> [String] {
        try await node.store.peers().map(\.name).sorted()
    }

    func taxiiCollection<Context: ConsoleRequestContext>(_ context: Context) async throws -> TAXIICollection {
        guard let id = context.parameters.get("collection"), let c = try await node.store.collection(id) else {
            throw AccordError(.notFound, "no TAXII collection with this id")
        }
        return c
    }

    var taxiiRoot: String {
        let base = node.configuration.publicURL
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/taxii2/api/"
    }

    /// The TAXII page; a form given replaces the blank one (it carries a refused form's values and errors).
    func taxiiPage(
        user: ConsoleUser, status: HTTPResponse.Status = .ok, flash: String? = nil, token: (account: String, value: String)? = nil,
        collectionForm: FormModel? = nil, accountForm: FormModel? = nil, rightsForm: FormModel? = nil
    ) async throws -> Response {
        let store = node.store
        let collections = try await store.collections()
        let accounts = try await store.accounts()
        let titles = Dictionary(uniqueKeysWithValues: collections.map { ($0.id, $0.title) })
        var collectionRows: [[String: Any]] = []
        for c in collections {
            collectionRows.append(Self.collectionContext(c, rights: try await store.rights(collection: c.id)))
        }
        var accountRows: [[String: Any]] = []
        for a in accounts {
            let rights = try await store.rights(account: a.name)
            accountRows.append([
                "name": a.name, "signIn": a.passwordHash == nil ? "bearer token" : "bearer token or password",
                "rights": rights.map { ["title": titles[$0.collection] ?? $0.collection, "mode": TAXIIForms.mode($0)] },
            ])
        }
        let peers = try await pinnedNames()
        var ctx: [String: Any] = [
            "root": taxiiRoot, "collections": collectionRows, "accounts": accountRows,
            "collectionForm": (collectionForm ?? TAXIIForms.collection(peers: peers)).context,
            "accountForm": (accountForm ?? TAXIIForms.account()).context,
        ]
        if !accounts.isEmpty, !collections.isEmpty {
            ctx["rightsForm"] = (rightsForm ?? TAXIIForms.rights(accounts: accounts.map(\.name), collections: collections)).context
        }
        if let token { ctx["token"] = ["account": token.account, "value": token.value] }
        return page("taxii", title: "TAXII", user: user, section: "taxii", flash: flash, status: status, ctx)
    }

    func collectionPage(_ c: TAXIICollection, form: FormModel?, user: ConsoleUser, flash: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        var ctx = Self.collectionContext(c, rights: try await node.store.rights(collection: c.id))
        ctx["objects"] = taxiiRoot + "collections/\(c.id)/objects/"
        ctx["created"] = c.createdAt.rfc3339
        if let d = c.description { ctx["description"] = d }
        var page: [String: Any] = ["collection": ctx]
        if let form { page["sharingForm"] = form.context }
        return self.page("taxiiCollection", title: c.title, user: user, section: "taxii", flash: flash, status: status, page)
    }

    static func collectionContext(_ c: TAXIICollection, rights: [TAXIIRight]) -> [String: Any] {
        var row: [String: Any] = [
            "id": c.id, "title": c.title, "restricted": c.restricted,
            "shareTo": c.shareTo.isEmpty ? "not published" : c.shareTo.joined(separator: ", "),
            "redTo": c.redTo.isEmpty ? "none" : c.redTo.joined(separator: ", "),
            "rights": rights.map { ["account": $0.account, "mode": TAXIIForms.mode($0)] },
        ]
        if let p = c.inboundPeer { row["inbound"] = p }
        return row
    }
}
