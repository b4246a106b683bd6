import AccordCore
import Testing

@testable import AccordSTIX

/// A change to a valid example that breaks one rule.
enum Change: Sendable {
    case set(String, JSONValue)
    case remove(String)
}

/// One broken rule: the example it starts from, the changes, and the property the validator
/// must name (nil for the object as a whole) with a part of its message.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var example: String
    var changes: [Change]
    var property: String?
    var says: String

    init(_ example: String, _ changes: [Change], _ property: String?, _ says: String) {
        self.example = example
        self.changes = changes
        self.property = property
        self.says = says
    }

    var testDescription: String { "\(example) \(changes) -> \(property ?? "-"): \(says)" }

    func object() throws -> JSONValue {
        var members = try SpecExamples.object(example).objectValue ?? [:]
        for change in changes {
            switch change {
            case .set(let name, let value): members[name] = value
            case .remove(let name): members[name] = nil
            }
        }
        return .object(members)
    }
}

func remove(_ names: String...) -> [Change] { names.map { .remove($0) } }
func set(_ name: String, _ value: JSONValue) -> [Change] { [.set(name, value)] }

/// Every rule the validator enforces, broken once, with the property it must name.
@Suite struct STIXRuleTests {
    static let indicatorUUID = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"

    static let common: [RuleCase] = [
        RuleCase("indicator", set("type", "Indicator"), "type", "type must be 3–250 characters"),
        RuleCase("indicator", set("type", "my--indicator"), "type", "without --"),
        RuleCase("indicator", set("type", "ab"), "type", "3–250"),
        RuleCase("indicator", set("type", "indicator-"), "type", "trailing -"),
        RuleCase("indicator", set("type", 7), "type", "type must be"),
        RuleCase("indicator", remove("type"), "type", "type is required"),
        RuleCase("indicator", remove("id"), "id", "id is required"),
        RuleCase("indicator", set("id", .string("malware--\(indicatorUUID)")), "id", "must start with the object's type indicator--"),
        RuleCase("indicator", set("id", "indicator--not-a-uuid"), "id", "id must be indicator--<RFC 4122 UUID>"),
        RuleCase("indicator", set("id", "indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f"), "id", "RFC 4122"),  // NCS variant
        RuleCase("indicator", set("id", "indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f"), "id", "RFC 4122"),  // version 0
        RuleCase("indicator", set("id", "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), "id", "RFC 4122"),
        RuleCase("indicator", remove("spec_version"), "spec_version", "spec_version is required"),
        RuleCase("indicator", set("spec_version", "2.0"), "spec_version", "spec_version must be \"2.1\""),
        RuleCase("ipv4-addr", set("spec_version", "2.0"), "spec_version", "spec_version must be \"2.1\""),
        RuleCase("indicator", remove("created"), "created", "created is required"),
        RuleCase("relationship", remove("modified"), "modified", "modified is required"),
        RuleCase("indicator", set("created", "2016-04-06T20:03:48.000+01:00"), "created", "RFC 3339 UTC timestamp"),
        RuleCase("indicator", set("created", "2016-04-06t20:03:48.000Z"), "created", "RFC 3339 UTC timestamp"),
        RuleCase("indicator", set("created", "2016-02-30T20:03:48.000Z"), "created", "RFC 3339 UTC timestamp"),
        RuleCase("indicator", set("created", "2016-04-06T20:03:48.Z"), "created", "RFC 3339 UTC timestamp"),
        RuleCase("indicator", set("created", "2016-04-06T20:03:48Z"), "created", "millisecond"),
        RuleCase("indicator", set("modified", "2016-04-06T20:03:47.999Z"), "modified", "modified must be the same as or later than created"),
        RuleCase("indicator", set("created_by_ref", .string("malware--\(indicatorUUID)")), "created_by_ref", "must refer to identity"),
        RuleCase("indicator", set("created_by_ref", "ACME"), "created_by_ref", "identifier"),
        RuleCase("incident", set("object_marking_refs", ["identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"]), "object_marking_refs",
                 "object_marking_refs[0] must refer to marking-definition"),
        RuleCase("incident", set("object_marking_refs", []), "object_marking_refs", "must not be an empty list"),
        RuleCase("indicator", set("revoked", "yes"), "revoked", "revoked must be true or false"),
        RuleCase("indicator", set("labels", [1]), "labels", "labels[0] must be a string"),
        RuleCase("indicator", set("labels", "apt"), "labels", "labels must be a list"),
        RuleCase("indicator", set("confidence", 101), "confidence", "confidence must be an integer from 0 to 100"),
        RuleCase("indicator", set("confidence", 50.5), "confidence", "integer"),
        RuleCase("indicator", set("lang", 5), "lang", "lang must be a string"),
        RuleCase("indicator", set("external_references", [["url": "https://example.com"]]), "external_references", "source_name is required"),
        RuleCase("indicator", set("external_references", [["source_name": "capec"]]), "external_references", "needs description, url or external_id"),
        RuleCase("indicator", set("external_references", ["capec"]), "external_references", "must be a JSON object"),
        RuleCase("indicator", set("granular_markings", [["selectors": [], "marking_ref": .string(TLP.red)]]), "granular_markings",
                 "selectors must be a non-empty list"),
        RuleCase("indicator", set("granular_markings", [["selectors": ["description"]]]), "granular_markings", "needs marking_ref or lang"),
        RuleCase("indicator", set("granular_markings", [["selectors": ["description"], "marking_ref": .string(TLP.red), "lang": "en"]]),
                 "granular_markings", "must not have both marking_ref and lang"),
        RuleCase("indicator", set("granular_markings", [["selectors": ["description"], "marking_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"]]),
                 "granular_markings", "marking_ref must refer to marking-definition"),
        RuleCase("indicator", set("xCustom", "v"), "xCustom", "property name \"xCustom\""),
        RuleCase("indicator", set("x-custom", "v"), "x-custom", "a–z, 0–9 and _"),
        RuleCase("indicator", set("ab", "v"), "ab", "3–250"),
        RuleCase("indicator", set("extensions", "none"), "extensions", "extensions must be a non-empty JSON object"),
        RuleCase("indicator", set("extensions", ["Bad Name": [:]]), "extensions", "extension-definition id or an extension name"),
        RuleCase("file", set("extensions", ["ntfs-ext": "yes"]), "extensions", "must be a JSON object"),
        RuleCase("ipv4-addr", remove("id"), "id", "id is required"),
        RuleCase("ipv4-addr", set("defanged", "no"), "defanged", "true or false"),
    ]

    /// Types whose name is their one required property of their own.
    static let named = ["attack-pattern", "campaign", "course-of-action", "identity", "incident", "infrastructure", "intrusion-set",
                        "report", "threat-actor", "tool", "vulnerability", "mutex", "software", "extension-definition"]

    static let perType: [RuleCase] = named.map { RuleCase($0, remove("name"), "name", "name is required") } + [
        RuleCase("campaign", set("last_seen", "2015-01-01T00:00:00Z") + set("first_seen", "2016-01-01T00:00:00Z"), "last_seen", "later than first_seen"),
        RuleCase("grouping", remove("context"), "context", "context is required"),
        RuleCase("grouping", remove("object_refs"), "object_refs", "object_refs is required"),
        RuleCase("grouping", set("object_refs", ["not-an-id"]), "object_refs", "object_refs[0] must be an identifier"),
        RuleCase("indicator", remove("pattern"), "pattern", "pattern is required"),
        RuleCase("indicator", remove("pattern_type"), "pattern_type", "pattern_type is required"),
        RuleCase("indicator", remove("valid_from"), "valid_from", "valid_from is required"),
        RuleCase("indicator", set("valid_until", "2016-01-01T00:00:00Z"), "valid_until", "valid_until must be later than valid_from"),
        RuleCase("indicator", set("valid_until", "2015-12-31T23:59:59.999Z"), "valid_until", "later than valid_from"),
        RuleCase("indicator", set("pattern", 1), "pattern", "pattern must be a string"),
        RuleCase("location", remove("region", "country"), "region", "one of region, country or latitude and longitude is required"),
        RuleCase("location", set("latitude", 48.8566), "longitude", "latitude and longitude must be present together"),
        RuleCase("location", set("latitude", 91) + set("longitude", 2), "latitude", "latitude must be a number from -90"),
        RuleCase("location", set("precision", 100), "precision", "precision requires latitude and longitude"),
        RuleCase("malware", remove("is_family"), "is_family", "is_family is required"),
        RuleCase("malware", set("is_family", "no"), "is_family", "true or false"),
        RuleCase("malware", set("is_family", true) + remove("name"), "name", "name is required when is_family is true"),
        RuleCase("malware", set("sample_refs", ["url--c1477287-23ac-5971-a010-5c287877fa60"]), "sample_refs", "must refer to artifact or file"),
        RuleCase("malware-analysis", remove("product"), "product", "product is required"),
        RuleCase("malware-analysis", remove("result"), "result", "one of result or analysis_sco_refs is required"),
        RuleCase("note", remove("content"), "content", "content is required"),
        RuleCase("note", remove("object_refs"), "object_refs", "object_refs is required"),
        RuleCase("observed-data", remove("first_observed"), "first_observed", "first_observed is required"),
        RuleCase("observed-data", remove("last_observed"), "last_observed", "last_observed is required"),
        RuleCase("observed-data", remove("number_observed"), "number_observed", "number_observed is required"),
        RuleCase("observed-data", set("number_observed", 0), "number_observed", "from 1 to 999999999"),
        RuleCase("observed-data", set("number_observed", 1_000_000_000), "number_observed", "from 1 to 999999999"),
        RuleCase("observed-data", set("last_observed", "2015-12-21T18:59:59Z"), "last_observed", "later than first_observed"),
        RuleCase("observed-data", remove("object_refs"), "object_refs", "one of object_refs or objects is required"),
        RuleCase("observed-data", set("objects", ["0": ["type": "ipv4-addr", "value": "198.51.100.3"]]), "objects",
                 "objects must not be present together with object_refs"),
        RuleCase("opinion", set("opinion", "maybe"), "opinion", "opinion must be one of agree, disagree, neutral, strongly-agree, strongly-disagree"),
        RuleCase("opinion", remove("opinion"), "opinion", "opinion is required"),
        RuleCase("opinion", remove("object_refs"), "object_refs", "object_refs is required"),
        RuleCase("report", remove("published"), "published", "published is required"),
        RuleCase("report", remove("object_refs"), "object_refs", "object_refs is required"),
        RuleCase("report", set("published", "yesterday"), "published", "RFC 3339"),
        RuleCase("relationship", remove("relationship_type"), "relationship_type", "relationship_type is required"),
        RuleCase("relationship", remove("source_ref"), "source_ref", "source_ref is required"),
        RuleCase("relationship", remove("target_ref"), "target_ref", "target_ref is required"),
        RuleCase("relationship", set("relationship_type", "Indicates"), "relationship_type", "a–z, 0–9 and -"),
        RuleCase("relationship", set("source_ref", .string(TLP.red)), "source_ref", "must refer to an SDO or SCO, not marking-definition"),
        RuleCase("relationship", set("start_time", "2016-01-01T00:00:00Z") + set("stop_time", "2016-01-01T00:00:00Z"), "stop_time",
                 "stop_time must be later than start_time"),
        RuleCase("sighting", remove("sighting_of_ref"), "sighting_of_ref", "sighting_of_ref is required"),
        RuleCase("sighting", set("count", -1), "count", "count must be an integer from 0 to 999999999"),
        RuleCase("sighting", set("count", 1_000_000_000), "count", "from 0 to 999999999"),
        RuleCase("sighting", set("observed_data_refs", ["identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"]), "observed_data_refs",
                 "must refer to observed-data"),
        RuleCase("sighting", set("where_sighted_refs", ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"]), "where_sighted_refs",
                 "must refer to identity or location"),
        RuleCase("sighting", set("summary", "true"), "summary", "true or false"),
        RuleCase("marking-definition", remove("created"), "created", "created is required"),
        RuleCase("marking-definition", remove("definition"), "definition", "definition is required with definition_type"),
        RuleCase("marking-definition", remove("definition_type"), "definition_type", "definition_type is required with definition"),
        RuleCase("marking-definition", remove("definition_type", "definition"), "definition_type",
                 "definition_type and definition, or extensions, are required"),
        RuleCase("marking-definition", set("definition", ["text": "Copyright"]), "definition", "definition.statement"),
        RuleCase("marking-definition", set("definition_type", "tlp") + set("definition", ["tlp": "purple"]), "definition", "white, green, amber or red"),
        RuleCase("marking-definition", remove("spec_version"), "spec_version", "spec_version is required"),
        RuleCase("language-content", remove("object_ref"), "object_ref", "object_ref is required"),
        RuleCase("language-content", remove("contents"), "contents", "contents is required"),
        RuleCase("language-content", set("contents", ["de": "Bank Angriff 1"]), "contents", "contents[\"de\"] must be a JSON object"),
        RuleCase("extension-definition", remove("schema"), "schema", "schema is required"),
        RuleCase("extension-definition", remove("version"), "version", "version is required"),
        RuleCase("extension-definition", remove("extension_types"), "extension_types", "extension_types is required"),
        RuleCase("extension-definition", remove("created_by_ref"), "created_by_ref", "created_by_ref is required"),
        RuleCase("extension-definition", set("extension_types", ["new-thing"]), "extension_types", "not one of"),
        RuleCase("extension-definition", set("extension_properties", ["x_foo"]), "extension_properties", "toplevel-property-extension"),
        RuleCase("artifact", remove("payload_bin"), "payload_bin", "one of payload_bin or url is required"),
        RuleCase("artifact", set("url", "https://example.com/a.zip"), "payload_bin", "must not be present together with url"),
        RuleCase("artifact", remove("payload_bin") + set("url", "https://example.com/a.zip"), "hashes", "hashes is required when url is present"),
        RuleCase("artifact", set("encryption_algorithm", "rot13"), "encryption_algorithm", "must be one of AES-256-GCM"),
        RuleCase("autonomous-system", remove("number"), "number", "number is required"),
        RuleCase("autonomous-system", set("number", -1), "number", "from 0 to 4294967295"),
        RuleCase("directory", remove("path"), "path", "path is required"),
        RuleCase("domain-name", remove("value"), "value", "value is required"),
        RuleCase("email-addr", remove("value"), "value", "value is required"),
        RuleCase("ipv4-addr", remove("value"), "value", "value is required"),
        RuleCase("ipv6-addr", remove("value"), "value", "value is required"),
        RuleCase("mac-addr", remove("value"), "value", "value is required"),
        RuleCase("url", remove("value"), "value", "value is required"),
        RuleCase("url", set("value", 80), "value", "value must be a string"),
        RuleCase("email-message", remove("is_multipart"), "is_multipart", "is_multipart is required"),
        RuleCase("email-message", set("is_multipart", true), "body", "body must not be present when is_multipart is true"),
        RuleCase("file", remove("name", "hashes"), "name", "one of name or hashes is required"),
        RuleCase("file", set("size", -5), "size", "integer from 0"),
        RuleCase("network-traffic", remove("protocols"), "protocols", "protocols is required"),
        RuleCase("network-traffic", remove("src_ref", "dst_ref"), "src_ref", "one of src_ref or dst_ref is required"),
        RuleCase("network-traffic", set("dst_port", 70000), "dst_port", "from 0 to 65535"),
        RuleCase("network-traffic", set("src_ref", "file--e277603e-1060-5ad4-9937-c26c97f1ca68"), "src_ref", "must refer to"),
        RuleCase("process", remove("pid", "created_time", "command_line", "image_ref"), nil, "at least one property"),
        RuleCase("x509-certificate", remove("issuer", "validity_not_before", "validity_not_after", "subject", "serial_number"), nil,
                 "at least one property"),
    ]

    func check(_ rule: RuleCase) throws {
        let problems = STIXValidator.validate(object: try rule.object())
        let match = problems.first { $0.property == rule.property && $0.message.contains(rule.says) }
        #expect(match != nil, "expected \(rule.property ?? "-"): \(rule.says); got \(problems)")
    }

    @Test(arguments: common) func commonRule(_ rule: RuleCase) throws { try check(rule) }

    @Test(arguments: perType) func typeRule(_ rule: RuleCase) throws { try check(rule) }

    @Test func everyProblemOfAnObjectIsReportedAtOnce() throws {
        let broken = try RuleCase("indicator", remove("pattern") + set("confidence", 200) + set("labels", [3]) + set("Bad", 1), nil, "").object()
        let problems = STIXValidator.validate(object: broken)
        #expect(Set(problems.map(\.property)) == ["pattern", "confidence", "labels", "Bad"])
        #expect(problems.allSatisfy { $0.objectID == "indicator--\(Self.indicatorUUID)" })
    }

    @Test func problemsNameTheObject() throws {
        let problems = STIXValidator.validate(object: try RuleCase("indicator", remove("pattern"), nil, "").object())
        #expect(problems == [STIXProblem(objectID: "indicator--\(Self.indicatorUUID)", property: "pattern", message: "pattern is required")])
    }

    @Test func anObjectMustBeAJSONObject() {
        let problems = STIXValidator.validate(object: ["indicator"])
        #expect(problems.count == 1 && problems.first?.property == nil && problems.first?.objectID == nil)
    }

    @Test func aHostileObjectGetsAtMostTheCap() {
        var members: [String: JSONValue] = ["type": "x-flood", "id": "x-flood--4f2b9a51-0c7e-4d2a-9b1e-6a0d3c5e7f81"]
        for i in 0..<10_000 { members["Bad-\(i)"] = .number(Double(i)) }
        #expect(STIXValidator.validate(object: .object(members)).count == STIXValidator.maxProblems)
    }

    @Test func messagesQuoteInputShort() throws {
        let long = String(repeating: "A", count: 10_000)
        let problems = STIXValidator.validate(object: try RuleCase("indicator", set(long, 1), nil, "").object())
        #expect(problems.count == 1)
        #expect(problems.first?.property == long)
        #expect((problems.first?.message.count ?? .max) < 200)
    }

    @Test func subMillisecondOrderIsExact() throws {
        // AccordCore's Timestamp keeps milliseconds; STIX ordering must not round.
        let later = try RuleCase("indicator", set("created", "2016-04-06T20:03:48.1234561Z") + set("modified", "2016-04-06T20:03:48.12345615Z"), nil, "").object()
        #expect(STIXValidator.validate(object: later) == [])
        let earlier = try RuleCase("indicator", set("created", "2016-04-06T20:03:48.1234561Z") + set("modified", "2016-04-06T20:03:48.12345609Z"), nil, "").object()
        #expect(STIXValidator.validate(object: earlier).map(\.property) == ["modified"])
        let same = try RuleCase("indicator", set("created", "2016-04-06T20:03:48.100Z") + set("modified", "2016-04-06T20:03:48.1000000Z"), nil, "").object()
        #expect(STIXValidator.validate(object: same) == [])
    }
}
