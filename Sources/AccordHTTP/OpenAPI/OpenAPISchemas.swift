import AccordCore
import AccordNode
import AccordStore

/// The schemas of the operator API's bodies. Request schemas list every member the node takes
/// (`additionalProperties: false`); response schemas list the members a client may rely on and
/// let later versions add more.
enum OpenAPISchemas {
    typealias D = OpenAPIDocument
    static let time: JSONValue = ["type": "string", "format": "date-time", "description": "RFC 3339, UTC, milliseconds"]
    static let eventID: JSONValue = ["type": "string", "pattern": "^[0-9a-f]{64}$", "description": "An event id: SHA-256, 64 lowercase hex digits"]
    static let nodeName: JSONValue = ["type": "string", "pattern": "^[a-z0-9][a-z0-9.-]{0,62}$"]
    static let text: JSONValue = ["type": "string", "maxLength": 16384]
    static let seconds: JSONValue = ["type": ["number", "null"], "minimum": 0]
    static let share: JSONValue = ["type": ["number", "null"], "minimum": 0, "maximum": 1]

    static func object(_ properties: [String: JSONValue], required: [String] = [], closed: Bool = false, description: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { o["required"] = .strings(required) }
        if closed { o["additionalProperties"] = false }
        if let description { o["description"] = .string(description) }
        return .object(o)
    }

    static func field(_ spec: FieldSpec) -> JSONValue {
        var s: JSONValue
        switch spec.shape {
        case .text(.timestamp): s = time
        case .text(.eventID): s = eventID
        case .text(.free): s = text
        case .bool(let mustBeTrue): s = mustBeTrue ? ["type": "boolean", "const": true] : ["type": "boolean"]
        case .choice(let options): s = ["type": "string", "enum": .strings(options)]
        case .textList(let format): s = ["type": "array", "minItems": 1, "items": format == .timestamp ? time : text]
        }
        if case .object(var o) = s {
            o["description"] = .string(spec.help)
            s = .object(o)
        }
        return s
    }

    /// `fields` of each kind, from the same specification the node checks them against.
    static var caseFields: JSONValue {
        var kinds: [String: JSONValue] = [:]
        for kind in CaseKind.allCases {
            var props: [String: JSONValue] = [:]
            for spec in kind.fields { props[spec.name] = field(spec) }
            kinds[kind.rawValue] = object(props, required: kind.fields.filter(\.required).map(\.name), closed: true, description: kind.title)
        }
        return ["description": "The fields of each kind: the schema under the case's kind applies.", "type": "object", "x-accord-by-kind": .object(kinds)]
    }

    static var stepBodies: JSONValue {
        let grounds: JSONValue = ["type": "array", "items": ["type": "string", "enum": .strings(Ground.refusal.map(\.rawValue) + Ground.postponement.filter { !Ground.refusal.contains($0) }.map(\.rawValue))]]
        let bodies: [String: JSONValue] = [
            "acknowledge": object(["note": text], closed: true),
            "request_information": object(["questions": text], required: ["questions"], closed: true),
            "provide_information": object(["information": text, "in_reply_to": eventID], required: ["information"], closed: true),
            "answer": object([
                "outcome": ["type": "string", "enum": .strings(AnswerOutcome.allCases.map(\.rawValue))],
                "grounds": grounds, "reason": text, "details": text,
            ], required: ["outcome"], closed: true, description: "`reason` is required unless granted; `grounds` for refused (refusal grounds) and postponed (postponement grounds)"),
            "extend": object(["answer_by": time, "preserve_until": time, "reason": text], required: ["reason"], closed: true,
                             description: "At least one of answer_by and preserve_until (preservation only), later than the current one"),
            "withdraw": object(["reason": text], required: ["reason"], closed: true),
            "close": object(["reason": text], closed: true),
            "propose_conditions": object(["conditions": text], required: ["conditions"], closed: true),
            "accept_conditions": object(["proposal": eventID, "reason": text], required: ["proposal"], closed: true),
            "decline_conditions": object(["proposal": eventID, "reason": text], required: ["proposal", "reason"], closed: true),
        ]
        return ["description": "The body of each step: the schema under the step's type applies.", "type": "object", "x-accord-by-step": .object(bodies)]
    }

    static var all: [String: JSONValue] {
        [
            "Error": object([
                "error": object([
                    "code": ["type": "string", "description": "Stable: malformed, missing_field, invalid_field, unauthorized, forbidden, not_found, unknown_case, conflict, illegal_step, too_large, rate_limited, busy, unavailable, …"],
                    "message": ["type": "string", "description": "For a person; never a secret"],
                    "field": ["type": "string", "description": "The member at fault, when there is one"],
                ], required: ["code", "message"]),
            ], required: ["error"]),
            "OpenCaseRequest": object([
                "kind": ["type": "string", "enum": .strings(CaseKind.allCases.map(\.rawValue))],
                "title": ["type": "string", "minLength": 1, "maxLength": 300],
                "to": ["type": "array", "minItems": 1, "items": nodeName],
                "fields": D.ref("CaseFields"),
                "norms": ["type": "array", "items": ["type": "string"], "description": "Norms and legal bases cited (GET /api/v1/norms)"],
                "urgent": ["type": "boolean"],
                "preservation_days": ["type": "integer", "minimum": .number(Double(DeadlinePolicy.minimumPreservationDays)), "description": "Preservation only"],
            ], required: ["kind", "title", "to", "fields"], closed: true),
            "CaseFields": caseFields,
            "StepRequest": object([
                "type": ["type": "string", "enum": .strings(EventType.stepNames.keys.sorted())],
                "body": D.ref("StepBodies"),
                "to": ["type": "array", "items": nodeName, "description": "Default: the other side of the case"],
            ], required: ["type"], closed: true),
            "StepBodies": stepBodies,
            "CheckRequest": object([
                "to": ["type": "array", "items": nodeName, "description": "The peers to check; without it (or with all: true) every pinned peer"],
                "all": ["type": "boolean", "description": "Every pinned peer"], "message": text,
                "exercise": ["type": "boolean", "description": "Signed as an exercise"],
                "expire_after_minutes": ["type": "integer", "minimum": 1, "description": "Default: deadlines.rules.check.acknowledge_within_minutes"],
            ], closed: true),
            "CheckAnswer": object(["message": text], closed: true),
            "CheckSendResult": object([
                "sent": ["type": "array", "items": object(["check": eventID, "peer": nodeName, "expires_at": time])],
                "skipped": ["type": "array", "items": object(["peer": nodeName, "open_check": eventID, "expires_at": time]),
                            "description": "Peers with a check from this node still running: checks do not pile up"],
            ]),
            "CheckRecord": object([
                "id": eventID, "direction": ["type": "string", "enum": ["sent", "received"]], "initiator": nodeName, "title": ["type": "string"],
                "message": ["type": "string"], "exercise": ["type": "boolean"], "sent_at": time, "received_at": time, "expires_at": time,
                "status": ["type": "string", "enum": .strings(CheckStatus.allCases.map(\.rawValue))], "closed": ["type": "boolean"],
                "parties": ["type": "array", "items": object([
                    "peer": nodeName, "status": ["type": "string", "enum": .strings(CheckStatus.allCases.map(\.rawValue))],
                    "delivered_at": time, "delivered_seconds": ["type": "number", "description": "Transport acknowledgement: from the check's signed time to the peer's node accepting it"],
                    "answered_at": time, "answer_seconds": ["type": "number", "description": "Human answer time: from the check's signed time to the signed time of the answer"],
                ])],
            ]),
            "AddPeerRequest": object([
                "url": ["type": "string", "format": "uri"],
                "fingerprint": ["type": "string", "description": "The fingerprint verified out of band"],
                "replace": ["type": "string", "description": "The old fingerprint, to replace the key pinned for the same name"],
            ], required: ["url", "fingerprint"], closed: true),
            "NewCollection": object(["title": ["type": "string"], "description": ["type": "string"], "share_to": ["type": "array", "items": nodeName], "red_to": ["type": "array", "items": nodeName]],
                                    required: ["title"], closed: true),
            "Sharing": object(["share_to": ["type": "array", "items": nodeName], "red_to": ["type": "array", "items": nodeName]], required: ["share_to"], closed: true),
            "NewAccount": object(["name": ["type": "string"], "password": ["type": "string"]], required: ["name"], closed: true),
            "Rights": object(["collection": ["type": "string"], "read": ["type": "boolean"], "write": ["type": "boolean"]], required: ["collection", "read", "write"], closed: true),

            "NodeInfo": object(["name": nodeName, "fingerprint": ["type": "string"], "public_url": ["type": "string"], "log_size": ["type": "integer"], "events": ["type": "integer"],
                                "profile": D.ref("Event")], required: ["name", "fingerprint", "public_url"]),
            "Peer": object(["name": nodeName, "url": ["type": "string"], "fingerprint": ["type": "string"], "signing_key": ["type": "string"], "encryption_key": ["type": "string"],
                            "added_at": time, "organisation": ["type": "string"], "country": ["type": "string"],
                            "outcome": ["type": "string", "enum": ["added", "updated", "replaced"]], "replaced_fingerprint": ["type": "string"]],
                           required: ["name", "url", "fingerprint"]),
            "PeerReplacement": object(["name": nodeName, "old_fingerprint": ["type": "string"], "new_fingerprint": ["type": "string"], "replaced_by": ["type": "string"], "replaced_at": ["type": "string"]]),
            "Event": object(["id": eventID, "type": ["type": "string"], "origin": nodeName, "to": ["type": "array", "items": nodeName], "case": eventID, "time": time,
                             "body": D.anyObject, "sig": ["type": "string"]], description: "A signed event (docs/protocol.md)"),
            "CaseState": object([
                "id": eventID, "kind": ["type": "string", "enum": .strings(CaseKind.allCases.map(\.rawValue))], "title": ["type": "string"], "initiator": nodeName,
                "addressees": ["type": "array", "items": nodeName], "opened_at": time, "updated_at": time,
                "status": ["type": "string", "enum": ["open", "withdrawn", "closed"]], "fields": D.anyObject, "norms": ["type": "array", "items": ["type": "string"]],
                "urgent": ["type": "boolean"], "deadlines": D.anyObject, "parties": D.anyObject,
                "information_requests": ["type": "array", "items": D.anyObject], "conditions": ["type": "array", "items": D.anyObject],
            ], required: ["id", "kind", "title", "initiator", "addressees", "status"]),
            "CaseView": object([
                "id": eventID, "shortID": ["type": "string"], "kind": ["type": "string"], "kindTitle": ["type": "string"], "title": ["type": "string"],
                "status": ["type": "string"], "initiator": nodeName, "addressees": ["type": "array", "items": nodeName], "openedAt": time,
                "urgent": ["type": "boolean"], "exercise": ["type": "boolean"],
                "norms": ["type": "array", "items": D.anyObject], "bases": ["type": "array", "items": D.anyObject], "fields": ["type": "array", "items": D.anyObject],
                "deadlines": ["type": "array", "items": D.anyObject], "parties": ["type": "array", "items": D.anyObject],
                "informationRequests": ["type": "array", "items": D.anyObject], "conditions": ["type": "array", "items": D.anyObject],
                "steps": ["type": "array", "items": D.anyObject],
            ], required: ["id", "kind", "title", "status", "initiator", "steps"], description: "A case as a person reads it (the console's case page)"),
            "CaseDetail": object(["state": D.ref("CaseState"), "timeline": ["type": "array", "items": D.anyObject], "replies": ["type": "array", "items": D.anyObject]],
                                 required: ["state", "timeline"]),
            "AuthoredStep": object(["event": eventID, "log_index": ["type": "integer"], "summary": ["type": "string"], "state": D.ref("CaseState")],
                                   required: ["event", "log_index", "summary"]),
            "Draft": object(["id": ["type": "string"], "author": ["type": "string"], "created_at": time, "request": ["type": "object", "description": "The case as the analyst wrote it (the members of OpenCaseRequest); checked in full only when an officer sends it"]], required: ["id", "author", "created_at", "request"]),
            "OverdueItem": object(["case": eventID, "kind": ["type": "string"], "title": ["type": "string"], "what": ["type": "string", "enum": ["acknowledgement", "answer", "preservation_ended"]],
                                   "owed_by": nodeName, "due": time, "overdue_seconds": ["type": "integer"]]),
            "DeliveryStatus": object(["peer": nodeName, "delivered": ["type": "integer"], "pending": ["type": "integer"], "rejected": ["type": "integer"],
                                      "failures": ["type": "integer"], "last_error": ["type": "string"], "next_attempt": time]),
            "ParkedDelivery": object(["event": eventID, "position": ["type": "integer"], "type": ["type": "string"], "code": ["type": "string"], "message": ["type": "string"], "at": time]),
            "Evidence": object(["event": eventID, "case": eventID], description: "An evidence file's metadata and its state on this node"),
            "Notification": object([
                "id": ["type": "string", "pattern": "^ntf-[0-9a-f]{32}$"], "channel": ["type": "string", "enum": ["webhook", "email"]],
                "target": ["type": "string", "description": "The webhook's URL without query or user information, or `email`"],
                "event": ["type": "string", "enum": .strings(NotificationSettings.Event.allCases.map(\.rawValue))],
                "state": ["type": "string", "enum": .strings(QueuedNotification.State.allCases.map(\.rawValue))],
                "attempts": ["type": "integer"], "created_at": time, "next_attempt": time, "delivered_at": time, "failed_at": time, "last_error": ["type": "string"],
            ], required: ["id", "channel", "target", "event", "state", "attempts", "created_at"]),
            "Stats": object([
                "node": nodeName, "from": time, "to": time, "generated_at": time, "peer": ["type": ["string", "null"]],
                "kind": ["type": ["string", "null"], "enum": .array(CaseKind.allCases.map { .string($0.rawValue) } + [.null])],
                "exercise": ["type": "string", "enum": ["exclude", "only"]], "percentile_method": ["type": "string", "const": "nearest-rank"],
                "sent": D.ref("StatsDirection"), "received": D.ref("StatsDirection"),
            ], required: ["node", "from", "to", "generated_at", "exercise", "percentile_method", "sent", "received"],
               description: "Responsiveness over cases opened from `from` (inclusive) to `to` (exclusive): `sent` is requests this node sent (how fast its peers answered), `received` those it received (how fast it answered). See docs/statistics.md."),
            "StatsDirection": object([
                "total": D.ref("StatsFigures"),
                "by_peer": ["type": "array", "items": object(["name": nodeName, "figures": D.ref("StatsFigures")], required: ["name", "figures"])],
                "by_kind": ["type": "array", "items": object(["name": ["type": "string"], "figures": D.ref("StatsFigures")], required: ["name", "figures"])],
            ], required: ["total", "by_peer", "by_kind"]),
            "StatsFigures": object([
                "requests": D.integer, "acknowledged": D.integer,
                "acknowledge_median_seconds": seconds, "acknowledge_p90_seconds": seconds, "acknowledged_within_deadline": share,
                "answer_owed": D.integer, "answered": D.integer,
                "answer_median_seconds": seconds, "answer_p90_seconds": seconds, "answered_within_deadline": share,
                "overdue_acknowledgements": D.integer, "overdue_answers": D.integer,
                "outcomes": ["type": "object", "additionalProperties": D.integer], "refusal_grounds": ["type": "object", "additionalProperties": D.integer],
                "checks": object(["sent": D.integer, "answered": D.integer, "answer_median_seconds": seconds, "answer_p90_seconds": seconds,
                                  "answered_within_deadline": share, "overdue": D.integer]),
            ], required: ["requests", "acknowledged", "answered", "outcomes", "refusal_grounds", "checks"],
               description: "Times in seconds (nearest-rank percentiles: the value at rank ⌈p·n/100⌉); shares from 0 to 1; null when there is nothing to measure"),
        ]
    }
}
