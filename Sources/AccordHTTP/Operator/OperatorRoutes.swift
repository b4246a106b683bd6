import AccordConsole
import AccordCore
import AccordNode
import AccordStore
import Foundation
import Hummingbird

/// The JSON REST API for a node's own people, under `/api/v1`. Every route checks the role.
enum OperatorRoutes {
    struct StepRequest: OperatorBody {
        static let members: Set<String> = ["type", "body", "to"]
        var type: String
        var body: [String: JSONValue]?
        var to: [String]?
    }

    struct AddPeerRequest: OperatorBody {
        static let members: Set<String> = ["url", "fingerprint", "replace"]
        var url: String
        /// The fingerprint the operator verified out of band.
        var fingerprint: String
        /// To replace the key pinned for the same name: the old key's fingerprint.
        var replace: String?
    }

    struct CaseDetail: Encodable {
        var state: CaseState
        var timeline: [HistoryEntry]
        /// Each addressee's replies with claimed, received and attested times.
        var replies: [ReplyTiming]
    }

    struct AuthoredResponse: Encodable {
        var event: String
        var logIndex: Int64
        var summary: String
        var state: CaseState?

        enum CodingKeys: String, CodingKey {
            case event, summary, state
            case logIndex = "log_index"
        }

        init(_ s: AuthoredStep) {
            event = s.event.id.hex
            logIndex = s.logIndex
            summary = s.summary
            state = s.state
        }
    }

    static func decode<T: OperatorBody>(_ type: T.Type, _ request: Request, node: Node) async throws -> T {
        try await OperatorBodyDecoder.decode(type, request, node: node)
    }

    /// The case named in the path: its id, or a unique prefix of at least 6 hex digits.
    static func caseID(_ context: AccordRequestContext, node: Node) async throws -> EventID {
        guard let text = context.parameters.get("id") else { throw AccordError(.malformed, "the path names no case") }
        return try await node.resolveCase(text)
    }

    static func add(to router: Router<AccordRequestContext>, node: Node, client: FederationClient) {
        let store = node.store
        let api = router.group("/api/v1").add(middleware: OperatorAuthMiddleware(store: store))
        TAXIIAdminRoutes.add(to: api, node: node)
        NotificationRoutes.add(to: api, node: node)
        DirectoryRoutes.add(to: api, node: node)
        StatsRoutes.add(to: api, node: node)
        CheckRoutes.add(to: api, node: node)

        api.get("/node") { request, _ -> Response in
            let profile = try await node.profile()
            return try JSONResponse.make([
                "name": JSONValue.string(node.name),
                "fingerprint": .string(node.keys.publicSigningKey.fingerprint),
                "public_url": .string(node.configuration.publicURL),
                "log_size": .number(Double(try await store.logSize())),
                "events": .number(Double(try await store.eventCount())),
                "profile": profile.json,
            ])
        }

        api.post("/key/rotate") { request, _ -> Response in
            let step = try await node.rotateSigningKey()
            return try JSONResponse.make([
                "event": JSONValue.string(step.event.id.hex), "summary": .string(step.summary),
                "fingerprint": .string(node.keys.publicSigningKey.fingerprint),
            ], status: .created)
        }

        api.post("/key/rotate-encryption") { _, _ -> Response in
            let step = try await node.rotateEncryptionKey()
            return try JSONResponse.make([
                "event": JSONValue.string(step.event.id.hex), "summary": .string(step.summary),
                "encryption_key": .string(node.keys.publicEncryptionKey.base64),
            ], status: .created)
        }

        api.get("/norms") { request, _ -> Response in
            return try JSONResponse.make(Norms.all)
        }

        // The treaty articles a request may cite in `bases`, for forms and clients.
        api.get("/bases") { _, _ -> Response in
            return try JSONResponse.make(LegalBases.all)
        }

        api.get("/peers") { request, _ -> Response in
            let peers = try await store.peers()
            return try JSONResponse.make(peers.map { PeerView($0) })
        }

        api.post("/peers") { request, context -> Response in
            let token = try context.requireIdentity()
            let r = try await decode(AddPeerRequest.self, request, node: node)
            let profile = try await client.fetchProfile(url: r.url)
            guard profile.signingKey.matches(fingerprint: r.fingerprint) else {
                throw AccordError(.badKey, "the key at \(r.url) has fingerprint \(profile.signingKey.displayFingerprint), not the one given; do not pin it", field: "fingerprint")
            }
            let peer = Peer(name: profile.name, url: r.url, signingKey: profile.signingKey, encryptionKey: profile.encryptionKey, addedAt: node.time.now(), profile: profile.event.canonical)
            let outcome = try await PeerPinning.pin(peer, replacing: r.replace, by: "token:\(token.name)", selfName: node.name, store: store, now: node.time.now())
            node.peersChanged()
            var view = PeerView(peer)
            view.organisation = profile.organisation
            view.country = profile.country
            switch outcome {
            case .added: view.outcome = "added"
            case .updated: view.outcome = "updated"
            case .replaced(let old):
                view.outcome = "replaced"
                view.replacedFingerprint = old.fingerprint
            }
            return try JSONResponse.make(view, status: outcome == .updated ? .ok : .created)
        }

        api.get("/peers/replacements") { _, _ -> Response in
            let list = try await store.peerReplacements().map { r -> [String: JSONValue] in
                ["name": .string(r.name), "old_fingerprint": .string(r.oldKey.fingerprint), "new_fingerprint": .string(r.newKey.fingerprint),
                 "replaced_by": .string(r.by), "replaced_at": .string(r.at.description)]
            }
            return JSONResponse.raw(CanonicalJSON.encode(.array(list.map { .object($0) })))
        }

        api.delete("/peers/:name") { request, context -> Response in
            guard let name = context.parameters.get("name"), try await store.removePeer(named: name) else {
                throw AccordError(.notFound, "no such peer")
            }
            node.peersChanged()
            return Response(status: .noContent)
        }

        api.get("/cases") { request, _ -> Response in
            return try JSONResponse.make(try await store.cases(try CaseListQuery.parse(request.uri.queryParameters)))
        }

        api.post("/cases") { request, _ -> Response in
            let r = try await decode(OpenCaseRequest.self, request, node: node)
            return try JSONResponse.make(AuthoredResponse(try await node.open(r)), status: .created)
        }

        api.get("/cases/:id") { request, context -> Response in
            let detail = try await node.caseDetail(try await caseID(context, node: node))
            return try JSONResponse.make(CaseDetail(state: detail.state, timeline: detail.timeline, replies: detail.timing))
        }

        api.get("/cases/:id/events") { request, context -> Response in
            let id = try await caseID(context, node: node)
            guard try await store.caseState(id) != nil else { throw AccordError(.unknownCase, "this node holds no case \(id.hex)") }
            let events = try await store.events(inCase: id).map(\.event.json)
            return JSONResponse.raw(CanonicalJSON.encode(.array(events)))
        }

        // Everything a person reads about a case, as the console shows it (`accord case show`).
        api.get("/cases/:id/view") { _, context -> Response in
            try JSONResponse.make(try await CaseView.build(try await caseID(context, node: node), node: node))
        }

        api.post("/cases/:id/steps") { request, context -> Response in
            let id = try await caseID(context, node: node)
            let r = try await decode(StepRequest.self, request, node: node)
            guard let type = EventType(stepName: r.type) else {
                throw AccordError(.invalidField, "unknown step \"\(r.type)\"; use one of \(EventType.stepNames.keys.sorted().joined(separator: ", "))", field: "type")
            }
            let body = try await node.resolvingReferences(r.body ?? [:], of: type, inCase: id)
            return try JSONResponse.make(AuthoredResponse(try await node.step(type, in: id, body: body, to: r.to)), status: .created)
        }

        EvidenceRoutes.add(to: api, node: node)

        api.get("/overdue") { request, _ -> Response in
            return try JSONResponse.make(try await node.overdue())
        }

        api.get("/deliveries") { request, _ -> Response in
            return try JSONResponse.make(try await store.deliveryStatus())
        }

        api.get("/deliveries/:peer/parked") { _, context -> Response in
            guard let peer = context.parameters.get("peer"), NodeName.isValid(peer) else { throw AccordError(.malformed, "a peer is named by its node name") }
            return try JSONResponse.make(try await store.parkedDeliveries(peer: peer))
        }

        api.post("/deliveries/:peer/resend") { _, context -> Response in
            guard let peer = context.parameters.get("peer"), NodeName.isValid(peer) else { throw AccordError(.malformed, "a peer is named by its node name") }
            let parked = try await store.parkedDeliveries(peer: peer)
            try await node.requestResend(to: peer)
            return try JSONResponse.make(["peer": JSONValue.string(peer), "parked": .number(Double(parked.count))], status: .accepted)
        }

        api.get("/drafts") { request, _ -> Response in
            return try JSONResponse.make(try await store.drafts())
        }

        api.post("/drafts") { request, context -> Response in
            let token = try context.requireIdentity()
            let r = try await decode(OpenCaseRequest.self, request, node: node)
            let draft = Draft(id: UUID().uuidString.lowercased(), author: token.name, createdAt: node.time.now(), request: try JSONDecoder().decode(JSONValue.self, from: JSONResponse.encoder.encode(r)))
            try await store.saveDraft(draft)
            return try JSONResponse.make(draft, status: .created)
        }

        api.post("/drafts/:id/send") { request, context -> Response in
            guard let id = context.parameters.get("id"), let draft = try await store.draft(id) else { throw AccordError(.notFound, "no such draft") }
            let r = try JSONDecoder().decode(OpenCaseRequest.self, from: JSONResponse.encoder.encode(draft.request))
            let step = try await node.open(r)
            _ = try await store.deleteDraft(id)
            return try JSONResponse.make(AuthoredResponse(step), status: .created)
        }

        api.delete("/drafts/:id") { _, context -> Response in
            let who = try context.requireIdentity()
            guard let id = context.parameters.get("id"), let draft = try await store.draft(id) else { throw AccordError(.notFound, "no such draft") }
            // A draft belongs to its author; officers and admins, who send drafts, may discard any.
            guard draft.author == who.name || who.role >= .officer else {
                throw AccordError(.forbidden, "the draft belongs to \(draft.author); only its author or an officer may delete it")
            }
            guard try await store.deleteDraft(id) else { throw AccordError(.notFound, "no such draft") }
            return Response(status: .noContent)
        }
    }
}

/// A pinned peer as the API shows it.
struct PeerView: Encodable {
    var name: String
    var url: String
    var fingerprint: String
    var signingKey: String
    var encryptionKey: String
    var addedAt: Timestamp
    /// From the peer's signed profile, when the answer to pinning shows it.
    var organisation: String?
    var country: String?
    /// For a pin request: added, updated or replaced.
    var outcome: String?
    var replacedFingerprint: String?

    init(_ p: Peer) {
        name = p.name
        url = p.url
        fingerprint = p.signingKey.fingerprint
        signingKey = p.signingKey.base64
        encryptionKey = p.encryptionKey.base64
        addedAt = p.addedAt
    }

    enum CodingKeys: String, CodingKey {
        case name, url, fingerprint, organisation, country, outcome
        case signingKey = "signing_key"
        case encryptionKey = "encryption_key"
        case addedAt = "added_at"
        case replacedFingerprint = "replaced_fingerprint"
    }
}
