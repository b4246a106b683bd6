import AccordCore
import AccordStore

extension OpenAPIDocument {
    static let limitQuery: (name: String, schema: JSONValue, description: String, required: Bool) =
        ("limit", ["type": "integer", "minimum": 1], "At most this many", false)

    /// Every operation of the operator API. A route added to the router must be added here (a test checks it).
    static let operations: [Operation] = {
        var caseExamples: [String: JSONValue] = [:]
        for kind in CaseKind.allCases { caseExamples[kind.rawValue] = OpenAPIExamples.open(kind) }
        var stepExamples: [String: JSONValue] = [:]
        for kind in CaseKind.allCases {
            for step in OpenAPIExamples.steps(kind) + [OpenAPIExamples.withdraw(kind)] { stepExamples[step.label] = step.request }
        }
        let notTaken = OpenAPIExamples.notTaken.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): no \($0.value)" }.joined(separator: "; ")
        let authored = ref("AuthoredStep")

        return [
            Operation(method: "get", path: "/api/v1/openapi.json", role: nil, summary: "This document",
                      description: "The OpenAPI 3.1 description of the operator API. Needs no token.",
                      success: ok(anyObject, "The document"), errors: []),
            Operation(method: "get", path: "/api/v1/node", role: .auditor, summary: "The node: name, fingerprint, public URL, log size, event count and signed profile",
                      success: ok(ref("NodeInfo"))),
            Operation(method: "get", path: "/api/v1/norms", role: .auditor, summary: "The UN norms a case may cite", success: ok(array(anyObject))),
            Operation(method: "get", path: "/api/v1/bases", role: .auditor, summary: "The treaty articles (Budapest Convention, UN Convention against Cybercrime) a case may cite as its legal basis", success: ok(array(anyObject))),
            Operation(method: "get", path: "/api/v1/peers", role: .auditor, summary: "Pinned peers", success: ok(array(ref("Peer")))),
            Operation(method: "post", path: "/api/v1/peers", role: .admin, summary: "Pin a peer",
                      description: "Fetches the peer's signed profile from `url` (no redirects) and pins its key if its fingerprint is the one given. To replace the key pinned for the same name, give the old key's fingerprint as `replace`.",
                      body: ref("AddPeerRequest"),
                      bodyExamples: ["pin": ["url": "https://accord.borealis.example", "fingerprint": "SHA256:7f3a9c0e4b1d2f6a8c5e3b7d9f1a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a"]],
                      success: ok(ref("Peer"), "Pinned (200: updated, same key)", status: "201"), errors: ["400", "401", "403", "409", "502"]),
            Operation(method: "delete", path: "/api/v1/peers/{name}", role: .admin, summary: "Unpin a peer",
                      success: ("204", "Unpinned", nil, "application/json"), errors: ["401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/peers/replacements", role: .admin, summary: "Every replacement of a pinned key: who, when, old and new fingerprints",
                      success: ok(array(ref("PeerReplacement")))),
            Operation(method: "post", path: "/api/v1/key/rotate", role: .admin, summary: "Rotate the node's signing key (announced to peers under the old key)",
                      success: ok(anyObject, "Rotated", status: "201"), errors: ["401", "403", "409"]),
            Operation(method: "post", path: "/api/v1/key/rotate-encryption", role: .admin, summary: "Rotate the node's evidence encryption key (a new signed profile)",
                      success: ok(anyObject, "Rotated", status: "201"), errors: ["401", "403", "409"]),

            Operation(method: "get", path: "/api/v1/cases", role: .auditor, summary: "Cases, newest first",
                      query: [("status", ["type": "string", "enum": ["open", "withdrawn", "closed"]], "Only cases with this status", false),
                              ("kind", ["type": "string", "enum": .strings(CaseKind.allCases.map(\.rawValue))], "Only cases of this kind", false),
                              ("limit", ["type": "integer", "minimum": 1, "maximum": 10000], "At most this many (default 200)", false)],
                      success: ok(array(ref("CaseState")))),
            Operation(method: "post", path: "/api/v1/cases", role: .officer, summary: "Open a case (signed and sent to the addressees)",
                      description: "`fields` depends on `kind` (see `CaseFields`); the node writes the deadlines of its policy into the signed opening event. One example per kind.",
                      body: ref("OpenCaseRequest"), bodyExamples: caseExamples,
                      success: ok(authored, "Opened", status: "201"), errors: ["400", "401", "403", "413", "422"]),
            Operation(method: "get", path: "/api/v1/cases/{id}", role: .auditor, summary: "A case: its state, timeline and reply times",
                      success: ok(ref("CaseDetail")), errors: ["400", "401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/cases/{id}/events", role: .auditor, summary: "The signed events of a case, in order",
                      success: ok(array(ref("Event"))), errors: ["400", "401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/cases/{id}/view", role: .auditor, summary: "Everything a person reads about a case",
                      description: "The content the web console's case page shows and `accord case show` prints: every field of the request and of every step, deadlines, parties, the timeline with signer, claimed and received times and delivery per addressee.",
                      success: ok(ref("CaseView")), errors: ["400", "401", "403", "404"]),
            Operation(method: "post", path: "/api/v1/cases/{id}/steps", role: .officer, summary: "Take a step in a case",
                      description: """
                          `type` names the step; `body` holds its members (see `StepBodies`); `to` defaults to the other side of the case. \
                          Examples: every step of every kind, named `kind.step`, in an order the case machine accepts (ids in \
                          `in_reply_to` and `proposal` stand for the event ids the earlier steps returned). Not taken: \(notTaken).
                          """,
                      body: ref("StepRequest"), bodyExamples: stepExamples,
                      success: ok(authored, "Signed and queued for the other parties", status: "201"), errors: ["400", "401", "403", "404", "413", "422"]),
            Operation(method: "get", path: "/api/v1/cases/{id}/evidence", role: .auditor, summary: "Evidence files of a case: held, transferring, failed, purged",
                      success: ok(array(ref("Evidence"))), errors: ["400", "401", "403", "404"]),
            Operation(method: "post", path: "/api/v1/cases/{id}/evidence", role: .officer, summary: "Add an evidence file to a case (encrypted for the case's parties)",
                      description: "The request body is the file itself, streamed to disk; metadata goes in the query.",
                      query: [("name", string, "The file's name", true), ("media_type", string, "Its media type", true),
                              ("description", string, "What it is", false), ("collected_at", string, "When it was collected (RFC 3339)", false),
                              ("collected_by", string, "Who collected it", false), ("method", string, "How it was collected", false)],
                      body: ["type": "string", "format": "binary"], bodyContentType: "application/octet-stream",
                      success: ok(authored, "Added", status: "201"), errors: ["400", "401", "403", "404", "413", "422"]),
            Operation(method: "get", path: "/api/v1/cases/{id}/custody", role: .auditor, summary: "The chain of custody of a case's evidence",
                      query: [("evidence", string, "Only this evidence file", false)],
                      success: ok(array(anyObject)), errors: ["400", "401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/evidence/{id}", role: .auditor, summary: "One evidence file's state", success: ok(ref("Evidence")), errors: ["400", "401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/evidence/{id}/content", role: .officer, summary: "The decrypted evidence file (recorded in the custody chain)",
                      query: [("disposition", ["type": "string", "enum": ["inline"]], "inline: opened in the browser instead of downloaded", false)],
                      success: ("200", "The file", ["type": "string", "format": "binary"], "application/octet-stream"), errors: ["400", "401", "403", "404", "409"]),
            Operation(method: "post", path: "/api/v1/evidence/{id}/retry", role: .officer, summary: "Fetch a failed evidence transfer again",
                      success: ok(ref("Evidence"), "Queued", status: "202"), errors: ["400", "401", "403", "404", "409"]),

            Operation(method: "get", path: "/api/v1/overdue", role: .auditor, summary: "What is overdue, on both sides", success: ok(array(ref("OverdueItem")))),
            Operation(method: "post", path: "/api/v1/checks", role: .officer, summary: "A communication check to some or every peer",
                      body: ref("CheckRequest"), bodyExamples: ["all peers": ["message": "Weekly check: please acknowledge."], "one peer": ["to": ["borealis-247"]]],
                      success: ok(authored, "Sent", status: "201"), errors: ["400", "401", "403", "409", "422"]),
            Operation(method: "get", path: "/api/v1/deliveries", role: .auditor, summary: "Delivery to each peer: cursor, pending, rejected, failures", success: ok(array(ref("DeliveryStatus")))),
            Operation(method: "get", path: "/api/v1/deliveries/{peer}/parked", role: .auditor, summary: "Events a peer rejected or that were held back from it",
                      success: ok(array(ref("ParkedDelivery"))), errors: ["400", "401", "403"]),
            Operation(method: "post", path: "/api/v1/deliveries/{peer}/resend", role: .officer, summary: "Send a peer its parked events again",
                      success: ok(["type": "object", "properties": ["peer": string, "parked": integer]], "Queued", status: "202"), errors: ["400", "401", "403", "404"]),

            Operation(method: "get", path: "/api/v1/drafts", role: .analyst, summary: "Drafts of cases, not yet signed", success: ok(array(ref("Draft")))),
            Operation(method: "post", path: "/api/v1/drafts", role: .analyst, summary: "Save a draft of a case for an officer to send",
                      body: ref("OpenCaseRequest"), bodyExamples: ["preservation": OpenAPIExamples.open(.preservation)],
                      success: ok(ref("Draft"), "Saved", status: "201"), errors: ["400", "401", "403", "413"]),
            Operation(method: "post", path: "/api/v1/drafts/{id}/send", role: .officer, summary: "Sign and send a draft",
                      success: ok(authored, "Opened", status: "201"), errors: ["400", "401", "403", "404", "422"]),
            Operation(method: "delete", path: "/api/v1/drafts/{id}", role: .analyst, summary: "Delete a draft (its author, or an officer)",
                      success: ("204", "Deleted", nil, "application/json"), errors: ["401", "403", "404"]),

            Operation(method: "get", path: "/api/v1/log", role: .auditor, summary: "The node's Merkle log: size, latest and latest witnessed checkpoint", success: ok(anyObject)),
            Operation(method: "post", path: "/api/v1/log/checkpoints", role: .officer, summary: "Sign a checkpoint now and gather cosignatures",
                      success: ok(anyObject, "Signed", status: "201"), errors: ["401", "403", "409"]),
            Operation(method: "get", path: "/api/v1/log/inclusion", role: .auditor, summary: "An inclusion proof",
                      query: [("event", string, "The event's id", false), ("index", integer, "Or its leaf index", false), ("size", integer, "Tree size (default: the latest witnessed)", false)],
                      success: ok(anyObject), errors: ["400", "401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/log/consistency", role: .auditor, summary: "A consistency proof between two tree sizes",
                      query: [("old", integer, "The older size", true), ("new", integer, "The newer size (default: the log's size)", false)],
                      success: ok(anyObject), errors: ["400", "401", "403"]),
            Operation(method: "get", path: "/api/v1/log/witnessed", role: .auditor, summary: "The checkpoints of other logs this node has cosigned", success: ok(array(anyObject))),
            Operation(method: "post", path: "/api/v1/log/exchange", role: .officer, summary: "Exchange checkpoints with every peer now", success: ok(anyObject), errors: ["401", "403"]),
            Operation(method: "get", path: "/api/v1/log/metrics", role: .auditor, summary: "Log metrics in the Prometheus text format",
                      success: ("200", "Metrics", string, "text/plain"), errors: ["401", "403"]),
            Operation(method: "post", path: "/api/v1/receipts/fetch", role: .officer, summary: "Ask origins for missing receipts now", success: ok(anyObject), errors: ["401", "403"]),
            Operation(method: "get", path: "/api/v1/proofs/{id}", role: .auditor, summary: "A proof bundle for an event (verifiable offline)",
                      success: ok(anyObject), errors: ["400", "401", "403", "404", "409"]),
            Operation(method: "get", path: "/api/v1/alerts", role: .auditor, summary: "Equivocation alerts", success: ok(array(anyObject))),

            Operation(method: "get", path: "/api/v1/taxii/collections", role: .auditor, summary: "TAXII collections and whom they are shared with", success: ok(array(anyObject))),
            Operation(method: "post", path: "/api/v1/taxii/collections", role: .admin, summary: "Create a TAXII collection",
                      body: ref("NewCollection"), bodyExamples: ["shared": ["title": "Indicators", "description": "Shared with Borealis", "share_to": ["borealis-247"]]],
                      success: ok(anyObject, "Created", status: "201"), errors: ["400", "401", "403", "409"]),
            Operation(method: "post", path: "/api/v1/taxii/collections/{id}/sharing", role: .admin, summary: "Change whom a collection is shared with",
                      body: ref("Sharing"), bodyExamples: ["one peer": ["share_to": ["borealis-247"], "red_to": []]],
                      success: ok(anyObject), errors: ["400", "401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/taxii/accounts", role: .admin, summary: "TAXII client accounts and their rights", success: ok(array(anyObject))),
            Operation(method: "post", path: "/api/v1/taxii/accounts", role: .admin, summary: "Create a TAXII client account (its bearer token is shown once)",
                      body: ref("NewAccount"), bodyExamples: ["with password": ["name": "misp", "password": "correct horse battery staple"], "token only": ["name": "opencti"]],
                      success: ok(anyObject, "Created", status: "201"), errors: ["400", "401", "403", "409"]),
            Operation(method: "delete", path: "/api/v1/taxii/accounts/{name}", role: .admin, summary: "Delete a TAXII client account",
                      success: ok(["type": "object", "required": ["deleted"], "properties": ["deleted": string]], "Deleted"), errors: ["401", "403", "404"]),
            Operation(method: "post", path: "/api/v1/taxii/accounts/{name}/rights", role: .admin, summary: "Grant or withdraw an account's rights on a collection",
                      body: ref("Rights"), bodyExamples: ["read and write": ["collection": "2f1c0d4e-8a1b-4c6e-9f3a-7b5d2e1c0a9f", "read": true, "write": true]],
                      success: ok(anyObject), errors: ["400", "401", "403", "404"]),

            Operation(method: "get", path: "/api/v1/notifications", role: .admin, summary: "The notification outbox: webhooks and e-mail, newest first",
                      description: "Each notification once per destination, with its state (pending, delivered, failed: given up), attempts and last error. Payloads and secrets are never shown.",
                      query: [("state", ["type": "string", "enum": .strings(QueuedNotification.State.allCases.map(\.rawValue))], "Only in this state", false),
                              ("limit", ["type": "integer", "minimum": 1, "maximum": 1000], "At most this many (default 100)", false)],
                      success: ok(array(ref("Notification")))),
            Operation(method: "post", path: "/api/v1/notifications/test", role: .admin, summary: "Queue a test notification to every configured destination",
                      success: ok(["type": "object", "required": ["id", "destinations"], "properties": ["id": string, "destinations": array(string)]], "Queued", status: "202"),
                      errors: ["401", "403", "409"]),
            Operation(method: "post", path: "/api/v1/notifications/{id}/retry", role: .admin, summary: "Send a given-up notification again",
                      success: ok(["type": "object", "properties": ["id": string, "requeued": integer]]), errors: ["400", "401", "403", "404"]),
        ]
    }()
}
