import AccordCore
import AccordNode
import AccordStore

extension OpenAPIDocument {
    /// The directory of points of contact and the node's own profile.
    static let directoryOperations: [Operation] = {
        let roles = JSONValue.strings(ProfileInfo.ContactRole.allCases.map(\.rawValue))
        return [
            Operation(method: "get", path: "/api/v1/directory", role: .auditor, summary: "The directory: this node (first, `self: true`) and every pinned peer, as their signed profiles say",
                      description: "Filters combine; each is optional. Texts come from other nodes' profiles: escape them wherever they are shown.",
                      query: [("q", string, "Words that must all appear in the name, organisation, country, languages, hours, time zone or roles", false),
                              ("role", ["type": "string", "enum": roles], "Only contacts with this role (who handles what)", false),
                              ("country", string, "Only this country or organisation code", false),
                              ("language", string, "Only contacts working in this language (BCP 47; `fr` also finds `fr-CA`)", false)],
                      success: ok(array(ref("DirectoryEntry"))), errors: ["400", "401", "403"]),
            Operation(method: "get", path: "/api/v1/directory/{peer}", role: .auditor, summary: "One node's profile, key fingerprints, key history and delivery to it",
                      success: ok(ref("DirectoryDetail")), errors: ["401", "403", "404"]),
            Operation(method: "get", path: "/api/v1/profile", role: .auditor, summary: "This node's own profile, fingerprints and key history",
                      success: ok(ref("DirectoryDetail")), errors: ["401", "403", "404"]),
            Operation(method: "put", path: "/api/v1/profile", role: .admin, summary: "Replace this node's contact details (a new signed profile, sent to every pinned peer)",
                      description: "Every member but `time_zone` is required (an absent `time_zone` removes it). The change is written to accord.json, signed as a new `node.profile` with the next version, logged, and delivered to every pinned peer.",
                      body: ref("ProfileRequest"),
                      bodyExamples: ["whole profile": ["organisation": "Borealis 24/7 Cybercrime Unit", "country": "BO", "roles": ["law_enforcement_24_7", "technical"],
                                                       "languages": ["en", "fr"], "hours": "24/7", "time_zone": "Europe/Vienna"]],
                      success: ok(ref("ProfileChanged"), "Signed and queued for every pinned peer"), errors: ["400", "401", "403", "413"]),
            Operation(method: "patch", path: "/api/v1/profile", role: .admin, summary: "Change some of this node's contact details (a new signed profile, sent to every pinned peer)",
                      description: "Only the members given change; `\"time_zone\": \"\"` removes the time zone.",
                      body: ref("ProfileRequest"), bodyExamples: ["hours": ["hours": "Mon-Fri 08:00-18:00", "time_zone": "Europe/Paris"]],
                      success: ok(ref("ProfileChanged"), "Signed and queued for every pinned peer"), errors: ["400", "401", "403", "413"]),
        ]
    }()
}

extension OpenAPISchemas {
    static var directory: [String: JSONValue] {
        let roles = JSONValue.strings(ProfileInfo.ContactRole.allCases.map(\.rawValue))
        let fingerprint: JSONValue = ["type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the raw public key, lowercase hex"]
        let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
        return [
            "DirectoryEntry": object([
                "name": nodeName, "self": ["type": "boolean"], "endpoint": ["type": "string"], "organisation": ["type": "string"], "country": ["type": "string"],
                "roles": strings, "languages": strings, "hours": ["type": "string"], "time_zone": ["type": "string", "description": "IANA time zone name"],
                "signing_key_fingerprint": fingerprint, "encryption_key_fingerprint": fingerprint,
                "profile_version": ["type": "integer"], "profile_updated_at": time, "protocol": ["type": "integer"], "pinned_at": time, "has_profile": ["type": "boolean"],
            ], required: ["name", "self", "signing_key_fingerprint", "has_profile"]),
            "KeyPeriod": object([
                "use": ["type": "string", "enum": ["signing", "encryption"]], "fingerprint": fingerprint, "key": ["type": "string", "description": "base64"],
                "from": time, "until": time, "ended_by": ["type": "string", "enum": ["key_rotation", "profile", "replaced_by_operator"]],
            ], required: ["use", "fingerprint", "key"]),
            "DirectoryDetail": object([
                "profile": D.ref("DirectoryEntry"), "key_history": ["type": "array", "items": D.ref("KeyPeriod")], "delivery": D.ref("DeliveryStatus"),
            ], required: ["profile", "key_history"]),
            "ProfileRequest": object([
                "organisation": ["type": "string", "maxLength": 200], "country": ["type": "string", "pattern": "^[A-Z]{2,12}$"],
                "roles": ["type": "array", "minItems": 1, "items": ["type": "string", "enum": roles]],
                "languages": ["type": "array", "minItems": 1, "maxItems": 20, "items": ["type": "string"]],
                "hours": ["type": "string", "maxLength": 200], "time_zone": ["type": "string", "description": "IANA time zone name; \"\" removes it"],
            ], closed: true),
            "ProfileChanged": object([
                "event": eventID, "log_index": ["type": "integer"], "version": ["type": "integer"], "summary": ["type": "string"], "profile": D.ref("DirectoryEntry"),
            ], required: ["event", "version"]),
        ]
    }
}
