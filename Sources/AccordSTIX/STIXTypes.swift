import AccordCore

/// What a property's value must be.
enum ValueKind: Sendable {
    case string
    case bool
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case timestamp
    /// A STIX identifier, of one of the given types when they are given.
    case identifier(Set<String>?)
    /// A non-empty list of identifiers.
    case identifiers(Set<String>?)
    /// A non-empty list of strings (open vocabularies are lists of strings and nothing more).
    case strings
    case object
    /// A non-empty list of JSON objects.
    case objects
    /// A non-empty list of anything.
    case list
    /// A closed enumeration: only these strings.
    case oneOf(Set<String>)
    /// A non-empty list whose every element is one of these strings.
    case oneOfEach(Set<String>)

    static func identifier(_ types: String...) -> ValueKind { .identifier(Set(types)) }
    static func identifiers(_ types: String...) -> ValueKind { .identifiers(Set(types)) }
    static let anyIdentifier = ValueKind.identifier(nil)
    static let anyIdentifiers = ValueKind.identifiers(nil)
    /// A count or size: a non-negative integer JSON numbers hold exactly (below 2^53).
    static let count = ValueKind.integer(0...9_007_199_254_740_991)
}

/// One property of a type: its name, what its value must be, and whether it must be present.
struct PropertyRule: Sendable {
    var name: String
    var kind: ValueKind
    var required: Bool

    static func required(_ name: String, _ kind: ValueKind) -> PropertyRule { PropertyRule(name: name, kind: kind, required: true) }
    static func optional(_ name: String, _ kind: ValueKind) -> PropertyRule { PropertyRule(name: name, kind: kind, required: false) }
}

/// The rules of one STIX type: its kind, its own properties, and the constraints that relate
/// properties to each other (orderings, "one of", "not both").
///
/// Properties not listed are not errors: STIX lets objects carry custom properties, which only
/// need well-formed names (checked for every object).
struct TypeRule: Sendable {
    var kind: ObjectKind
    var properties: [PropertyRule]
    var constraints: (@Sendable (inout ObjectChecker) -> Void)? = nil
}

/// The STIX 2.1 types this validator knows, from the OASIS STIX 2.1 Committee Specification:
/// SDOs (section 4), SROs (5), SCOs (6), and the meta objects (7).
enum STIXTypes {
    static let killChainPhases = PropertyRule.optional("kill_chain_phases", .objects)
    static let aliases = PropertyRule.optional("aliases", .strings)
    static let description = PropertyRule.optional("description", .string)
    static let firstSeen = PropertyRule.optional("first_seen", .timestamp)
    static let lastSeen = PropertyRule.optional("last_seen", .timestamp)
    static let name = PropertyRule.required("name", .string)
    static let value = PropertyRule.required("value", .string)
    static let hashes = PropertyRule.optional("hashes", .object)

    /// Section 4.11.
    static let opinions: Set<String> = ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"]
    /// Section 7.3.
    static let extensionTypes: Set<String> = ["new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"]
    /// Section 6.1 (encryption-algorithm-enum).
    static let encryptionAlgorithms: Set<String> = ["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"]
    /// Section 7.2.1.3: the TLP 1.0 levels of a `tlp` definition.
    static let tlp1Levels: Set<String> = ["white", "green", "amber", "red"]
    /// Objects a relationship cannot connect: it relates SDOs and SCOs (section 5.1).
    static let notRelatable: Set<String> = ["relationship", "sighting", "marking-definition", "language-content", "extension-definition", "bundle"]
    /// The properties every SCO may have; an SCO that "MUST contain at least one property"
    /// needs one beyond these.
    static let observableCommon: Set<String> = ["type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged"]

    static let rules: [String: TypeRule] = [
        // MARK: STIX Domain Objects (section 4)
        "attack-pattern": TypeRule(kind: .domain, properties: [name, description, aliases, killChainPhases]),
        "campaign": TypeRule(
            kind: .domain, properties: [name, description, aliases, firstSeen, lastSeen, .optional("objective", .string)],
            constraints: { $0.order("first_seen", "last_seen") }),
        "course-of-action": TypeRule(kind: .domain, properties: [name, description]),
        "grouping": TypeRule(
            kind: .domain, properties: [.optional("name", .string), description, .required("context", .string), .required("object_refs", .anyIdentifiers)]),
        "identity": TypeRule(
            kind: .domain,
            properties: [
                name, description, .optional("roles", .strings), .optional("identity_class", .string), .optional("sectors", .strings),
                .optional("contact_information", .string),
            ]),
        "incident": TypeRule(kind: .domain, properties: [name, description, killChainPhases]),
        "indicator": TypeRule(
            kind: .domain,
            properties: [
                .optional("name", .string), description, .optional("indicator_types", .strings), .required("pattern", .string),
                .required("pattern_type", .string), .optional("pattern_version", .string), .required("valid_from", .timestamp),
                .optional("valid_until", .timestamp), killChainPhases,
            ],
            constraints: { $0.order("valid_from", "valid_until", strictly: true) }),
        "infrastructure": TypeRule(
            kind: .domain, properties: [name, description, .optional("infrastructure_types", .strings), aliases, killChainPhases, firstSeen, lastSeen],
            constraints: { $0.order("first_seen", "last_seen") }),
        "intrusion-set": TypeRule(
            kind: .domain,
            properties: [
                name, description, aliases, firstSeen, lastSeen, .optional("goals", .strings), .optional("resource_level", .string),
                .optional("primary_motivation", .string), .optional("secondary_motivations", .strings),
            ],
            constraints: { $0.order("first_seen", "last_seen") }),
        "location": TypeRule(
            kind: .domain,
            properties: [
                .optional("name", .string), description, .optional("latitude", .number(-90...90)), .optional("longitude", .number(-180...180)),
                .optional("precision", .number(0...Double.greatestFiniteMagnitude)), .optional("region", .string), .optional("country", .string),
                .optional("administrative_area", .string), .optional("city", .string), .optional("street_address", .string),
                .optional("postal_code", .string),
            ],
            constraints: { c in
                // Section 4.9: a location says where, by region, country or coordinates.
                if !c.has("region"), !c.has("country"), !(c.has("latitude") && c.has("longitude")) {
                    c.log.add("region", "one of region, country or latitude and longitude is required")
                }
                if c.has("latitude") != c.has("longitude") {
                    c.log.add(c.has("latitude") ? "longitude" : "latitude", "latitude and longitude must be present together")
                }
                if c.has("precision"), !c.has("latitude") || !c.has("longitude") {
                    c.log.add("precision", "precision requires latitude and longitude")
                }
            }),
        "malware": TypeRule(
            kind: .domain,
            properties: [
                .optional("name", .string), description, .optional("malware_types", .strings), .required("is_family", .bool), aliases,
                killChainPhases, firstSeen, lastSeen, .optional("operating_system_refs", .identifiers("software")),
                .optional("architecture_execution_envs", .strings), .optional("implementation_languages", .strings),
                .optional("capabilities", .strings), .optional("sample_refs", .identifiers("file", "artifact")),
            ],
            constraints: { c in
                // Section 4.10: a malware family is known by its name.
                if c["is_family"]?.boolValue == true, !c.has("name") { c.log.add("name", "name is required when is_family is true") }
                c.order("first_seen", "last_seen")
            }),
        "malware-analysis": TypeRule(
            kind: .domain,
            properties: [
                .required("product", .string), .optional("version", .string), .optional("host_vm_ref", .identifier("software")),
                .optional("operating_system_ref", .identifier("software")), .optional("installed_software_refs", .identifiers("software")),
                .optional("configuration_version", .string), .optional("modules", .strings), .optional("analysis_engine_version", .string),
                .optional("analysis_definition_version", .string), .optional("submitted", .timestamp), .optional("analysis_started", .timestamp),
                .optional("analysis_ended", .timestamp), .optional("result_name", .string), .optional("result", .string),
                .optional("analysis_sco_refs", .anyIdentifiers), .optional("sample_ref", .identifier("file", "network-traffic", "artifact")),
            ],
            constraints: { c in
                c.requireAny(["result", "analysis_sco_refs"])
                c.order("analysis_started", "analysis_ended")
            }),
        "note": TypeRule(
            kind: .domain,
            properties: [.optional("abstract", .string), .required("content", .string), .optional("authors", .strings), .required("object_refs", .anyIdentifiers)]),
        "observed-data": TypeRule(
            kind: .domain,
            properties: [
                .required("first_observed", .timestamp), .required("last_observed", .timestamp),
                .required("number_observed", .integer(1...999_999_999)), .optional("object_refs", .anyIdentifiers), .optional("objects", .object),
            ],
            constraints: { c in
                // `objects` is deprecated in 2.1 but still allowed instead of object_refs.
                c.requireAny(["object_refs", "objects"])
                c.exclusive("objects", "object_refs")
                c.order("first_observed", "last_observed")
            }),
        "opinion": TypeRule(
            kind: .domain,
            properties: [
                .optional("explanation", .string), .optional("authors", .strings), .required("opinion", .oneOf(opinions)),
                .required("object_refs", .anyIdentifiers),
            ]),
        "report": TypeRule(
            kind: .domain,
            properties: [
                name, description, .optional("report_types", .strings), .required("published", .timestamp), .required("object_refs", .anyIdentifiers),
            ]),
        "threat-actor": TypeRule(
            kind: .domain,
            properties: [
                name, description, .optional("threat_actor_types", .strings), aliases, firstSeen, lastSeen, .optional("roles", .strings),
                .optional("goals", .strings), .optional("sophistication", .string), .optional("resource_level", .string),
                .optional("primary_motivation", .string), .optional("secondary_motivations", .strings), .optional("personal_motivations", .strings),
            ],
            constraints: { $0.order("first_seen", "last_seen") }),
        "tool": TypeRule(
            kind: .domain, properties: [name, description, .optional("tool_types", .strings), aliases, killChainPhases, .optional("tool_version", .string)]),
        "vulnerability": TypeRule(kind: .domain, properties: [name, description]),

        // MARK: STIX Relationship Objects (section 5)
        "relationship": TypeRule(
            kind: .relationship,
            properties: [
                .required("relationship_type", .string), description, .required("source_ref", .anyIdentifier), .required("target_ref", .anyIdentifier),
                .optional("start_time", .timestamp), .optional("stop_time", .timestamp),
            ],
            constraints: { c in
                if let type = c["relationship_type"]?.stringValue, !isRelationshipType(type) {
                    c.log.add("relationship_type", "relationship_type must be 3–250 characters of a–z, 0–9 and -")
                }
                for end in ["source_ref", "target_ref"] {
                    if let ref = c[end]?.stringValue, let type = STIXSyntax.identifierType(ref), notRelatable.contains(type) {
                        c.log.add(end, "\(end) must refer to an SDO or SCO, not \(type)")
                    }
                }
                c.order("start_time", "stop_time", strictly: true)
            }),
        "sighting": TypeRule(
            kind: .relationship,
            properties: [
                description, firstSeen, lastSeen, .optional("count", .integer(0...999_999_999)), .required("sighting_of_ref", .anyIdentifier),
                .optional("observed_data_refs", .identifiers("observed-data")), .optional("where_sighted_refs", .identifiers("identity", "location")),
                .optional("summary", .bool),
            ],
            constraints: { $0.order("first_seen", "last_seen") }),

        // MARK: Meta objects (section 7)
        "marking-definition": TypeRule(
            kind: .markingDefinition,
            properties: [.optional("name", .string), .optional("definition_type", .string), .optional("definition", .object)],
            constraints: checkMarkingDefinition),
        "language-content": TypeRule(
            kind: .languageContent,
            properties: [.required("object_ref", .anyIdentifier), .optional("object_modified", .timestamp), .required("contents", .object)],
            constraints: { c in
                // Section 7.1: contents maps a language tag to the translated properties.
                guard let contents = c["contents"]?.objectValue else { return }
                if contents.isEmpty { c.log.add("contents", "contents must not be empty") }
                if let tag = contents.keys.sorted().first(where: { contents[$0]?.objectValue == nil }) {
                    c.log.add("contents", "contents[\(STIXSyntax.quoted(tag))] must be a JSON object")
                }
            }),
        "extension-definition": TypeRule(
            kind: .extensionDefinition,
            properties: [
                .required("created_by_ref", .identifier("identity")), name, description, .required("schema", .string), .required("version", .string),
                .required("extension_types", .oneOfEach(extensionTypes)), .optional("extension_properties", .strings),
            ],
            constraints: { c in
                let types = c["extension_types"]?.arrayValue ?? []
                if c.has("extension_properties"), !types.contains("toplevel-property-extension") {
                    c.log.add("extension_properties", "extension_properties is only for a toplevel-property-extension")
                }
            }),

        // MARK: STIX Cyber-observable Objects (section 6)
        "artifact": TypeRule(
            kind: .observable,
            properties: [
                .optional("mime_type", .string), .optional("payload_bin", .string), .optional("url", .string), hashes,
                .optional("encryption_algorithm", .oneOf(encryptionAlgorithms)), .optional("decryption_key", .string),
            ],
            constraints: { c in
                c.requireAny(["payload_bin", "url"])
                c.exclusive("payload_bin", "url")
                // Section 6.1: content fetched from elsewhere must be checkable.
                if c.has("url"), !c.has("hashes") { c.log.add("hashes", "hashes is required when url is present") }
            }),
        "autonomous-system": TypeRule(
            kind: .observable, properties: [.required("number", .integer(0...4_294_967_295)), .optional("name", .string), .optional("rir", .string)]),
        "directory": TypeRule(
            kind: .observable,
            properties: [
                .required("path", .string), .optional("path_enc", .string), .optional("ctime", .timestamp), .optional("mtime", .timestamp),
                .optional("atime", .timestamp), .optional("contains_refs", .identifiers("file", "directory")),
            ]),
        "domain-name": TypeRule(
            kind: .observable, properties: [value, .optional("resolves_to_refs", .identifiers("ipv4-addr", "ipv6-addr", "domain-name"))]),
        "email-addr": TypeRule(
            kind: .observable, properties: [value, .optional("display_name", .string), .optional("belongs_to_ref", .identifier("user-account"))]),
        "email-message": TypeRule(
            kind: .observable,
            properties: [
                .required("is_multipart", .bool), .optional("date", .timestamp), .optional("content_type", .string),
                .optional("from_ref", .identifier("email-addr")), .optional("sender_ref", .identifier("email-addr")),
                .optional("to_refs", .identifiers("email-addr")), .optional("cc_refs", .identifiers("email-addr")),
                .optional("bcc_refs", .identifiers("email-addr")), .optional("message_id", .string), .optional("subject", .string),
                .optional("received_lines", .strings), .optional("additional_header_fields", .object), .optional("body", .string),
                .optional("body_multipart", .objects), .optional("raw_email_ref", .identifier("artifact")),
            ],
            constraints: { c in
                // Section 6.5: the body is one string or a list of MIME parts, as is_multipart says.
                guard let multipart = c["is_multipart"]?.boolValue else { return }
                if multipart, c.has("body") { c.log.add("body", "body must not be present when is_multipart is true") }
                if !multipart, c.has("body_multipart") { c.log.add("body_multipart", "body_multipart must not be present when is_multipart is false") }
            }),
        "file": TypeRule(
            kind: .observable,
            properties: [
                hashes, .optional("size", .count), .optional("name", .string), .optional("name_enc", .string),
                .optional("magic_number_hex", .string), .optional("mime_type", .string), .optional("ctime", .timestamp),
                .optional("mtime", .timestamp), .optional("atime", .timestamp), .optional("parent_directory_ref", .identifier("directory")),
                .optional("contains_refs", .anyIdentifiers), .optional("content_ref", .identifier("artifact")),
            ],
            constraints: { $0.requireAny(["name", "hashes"]) }),
        "ipv4-addr": TypeRule(
            kind: .observable,
            properties: [value, .optional("resolves_to_refs", .identifiers("mac-addr")), .optional("belongs_to_refs", .identifiers("autonomous-system"))]),
        "ipv6-addr": TypeRule(
            kind: .observable,
            properties: [value, .optional("resolves_to_refs", .identifiers("mac-addr")), .optional("belongs_to_refs", .identifiers("autonomous-system"))]),
        "mac-addr": TypeRule(kind: .observable, properties: [value]),
        "mutex": TypeRule(kind: .observable, properties: [name]),
        "network-traffic": TypeRule(
            kind: .observable,
            properties: [
                .optional("start", .timestamp), .optional("end", .timestamp), .optional("is_active", .bool),
                .optional("src_ref", .identifier("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name")),
                .optional("dst_ref", .identifier("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name")),
                .optional("src_port", .integer(0...65535)), .optional("dst_port", .integer(0...65535)), .required("protocols", .strings),
                .optional("src_byte_count", .count), .optional("dst_byte_count", .count), .optional("src_packets", .count),
                .optional("dst_packets", .count), .optional("ipfix", .object), .optional("src_payload_ref", .identifier("artifact")),
                .optional("dst_payload_ref", .identifier("artifact")), .optional("encapsulates_refs", .identifiers("network-traffic")),
                .optional("encapsulated_by_ref", .identifier("network-traffic")),
            ],
            constraints: { c in
                c.requireAny(["src_ref", "dst_ref"])
                c.order("start", "end")
                if c["is_active"]?.boolValue == true, c.has("end") { c.log.add("end", "end must not be present when is_active is true") }
            }),
        "process": TypeRule(
            kind: .observable,
            properties: [
                .optional("is_hidden", .bool), .optional("pid", .count), .optional("created_time", .timestamp), .optional("cwd", .string),
                .optional("command_line", .string), .optional("environment_variables", .object),
                .optional("opened_connection_refs", .identifiers("network-traffic")), .optional("creator_user_ref", .identifier("user-account")),
                .optional("image_ref", .identifier("file")), .optional("parent_ref", .identifier("process")),
                .optional("child_refs", .identifiers("process")),
            ],
            constraints: { $0.requireOwnProperty() }),
        "software": TypeRule(
            kind: .observable,
            properties: [name, .optional("cpe", .string), .optional("swid", .string), .optional("languages", .strings), .optional("vendor", .string),
                         .optional("version", .string)]),
        "url": TypeRule(kind: .observable, properties: [value]),
        "user-account": TypeRule(
            kind: .observable,
            properties: [
                .optional("user_id", .string), .optional("credential", .string), .optional("account_login", .string),
                .optional("account_type", .string), .optional("display_name", .string), .optional("is_service_account", .bool),
                .optional("is_privileged", .bool), .optional("can_escalate_privs", .bool), .optional("is_disabled", .bool),
                .optional("account_created", .timestamp), .optional("account_expires", .timestamp),
                .optional("credential_last_changed", .timestamp), .optional("account_first_login", .timestamp),
                .optional("account_last_login", .timestamp),
            ]),
        "windows-registry-key": TypeRule(
            kind: .observable,
            properties: [
                .optional("key", .string), .optional("values", .objects), .optional("modified_time", .timestamp),
                .optional("creator_user_ref", .identifier("user-account")), .optional("number_of_subkeys", .count),
            ]),
        "x509-certificate": TypeRule(
            kind: .observable,
            properties: [
                .optional("is_self_signed", .bool), hashes, .optional("version", .string), .optional("serial_number", .string),
                .optional("signature_algorithm", .string), .optional("issuer", .string), .optional("validity_not_before", .timestamp),
                .optional("validity_not_after", .timestamp), .optional("subject", .string), .optional("subject_public_key_algorithm", .string),
                .optional("subject_public_key_modulus", .string), .optional("subject_public_key_exponent", .count),
                .optional("x509_v3_extensions", .object),
            ],
            constraints: { c in
                c.requireOwnProperty()
                c.order("validity_not_before", "validity_not_after")
            }),
    ]

    /// Section 5.1: a relationship type is a vocabulary term, 3–250 of a–z, 0–9 and hyphen.
    static func isRelationshipType(_ s: String) -> Bool {
        (3...250).contains(s.utf8.count) && s.utf8.allSatisfy { STIXSyntax.isLower($0) || STIXSyntax.isDigit($0) || $0 == STIXSyntax.hyphen }
    }

    /// Section 7.2.1: a marking definition is defined by `definition_type` with `definition`, or
    /// (since 2.1) by an extension. The TLP 2.0 definitions are fixed objects known by id, so
    /// they are accepted as they are.
    @Sendable static func checkMarkingDefinition(_ c: inout ObjectChecker) {
        if let id = c["id"]?.stringValue, TLP.version2[id.lowercased()] != nil { return }
        let hasType = c.has("definition_type"), hasDefinition = c.has("definition")
        if !hasType, !hasDefinition {
            if !c.has("extensions") { c.log.add("definition_type", "definition_type and definition, or extensions, are required") }
            return
        }
        guard hasType, hasDefinition else {
            let missing = hasType ? "definition" : "definition_type"
            c.log.add(missing, "\(missing) is required with \(hasType ? "definition_type" : "definition")")
            return
        }
        guard let definition = c["definition"]?.objectValue else { return }
        switch c["definition_type"]?.stringValue {
        case "statement":
            if definition["statement"]?.stringValue == nil { c.log.add("definition", "a statement definition needs definition.statement, a string") }
        case "tlp":
            if !tlp1Levels.contains(definition["tlp"]?.stringValue ?? "") {
                c.log.add("definition", "a tlp definition needs definition.tlp: white, green, amber or red")
            }
        default:
            break  // Other definition types are open: their definition is only an object.
        }
    }
}

extension ObjectChecker {
    /// For SCOs that "MUST contain at least one property (other than type)" of their own or an extension.
    mutating func requireOwnProperty() {
        guard !members.keys.contains(where: { !STIXTypes.observableCommon.contains($0) }) else { return }
        log.add(nil, "at least one property of the object's own, or an extension, is required")
    }
}
