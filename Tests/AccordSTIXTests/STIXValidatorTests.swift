import AccordCore
import Testing

@testable import AccordSTIX

/// Valid objects pass, and bundles are checked object by object, with problems that name the
/// object and property.
@Suite struct STIXValidatorTests {
    @Test(arguments: SpecExamples.json.keys.sorted())
    func theSpecificationsExampleIsValid(_ type: String) throws {
        #expect(STIXValidator.validate(object: try SpecExamples.object(type)) == [])
    }

    @Test func everyKnownTypeHasAnExample() {
        #expect(Set(STIXTypes.rules.keys) == Set(SpecExamples.json.keys))
    }

    @Test func openVocabulariesTakeAnyTerm() throws {
        var indicator = try SpecExamples.object("indicator").objectValue ?? [:]
        indicator["indicator_types"] = ["made-up-term"]
        indicator["pattern_type"] = "sigma"
        #expect(STIXValidator.validate(object: .object(indicator)) == [])
        var grouping = try SpecExamples.object("grouping").objectValue ?? [:]
        grouping["context"] = "national-case"
        #expect(STIXValidator.validate(object: .object(grouping)) == [])
    }

    @Test func customPropertiesAndObjectsAreAllowed() throws {
        var indicator = try SpecExamples.object("indicator").objectValue ?? [:]
        indicator["x_accord_case"] = "NL-2026-0042"
        indicator["accord_score"] = 3
        #expect(STIXValidator.validate(object: .object(indicator)) == [])
        #expect(STIXValidator.validate(object: try JSONParser.parse(SpecExamples.custom)) == [])
    }

    @Test func aCustomObjectGetsTheCommonChecks() throws {
        var custom = try JSONParser.parse(SpecExamples.custom).objectValue ?? [:]
        custom["modified"] = "2026-11-19T09:00:00.000Z"
        custom["X_Field"] = 1
        let problems = STIXValidator.validate(object: .object(custom))
        #expect(Set(problems.map(\.property)) == ["modified", "X_Field"])
        custom = ["type": "X-Case", "id": "X-Case--4f2b9a51-0c7e-4d2a-9b1e-6a0d3c5e7f81"]
        #expect(STIXValidator.validate(object: .object(custom)).map(\.property) == ["type"])
    }

    @Test func observablesNeedNoSpecVersionOrTimestamps() throws {
        var address = try SpecExamples.object("ipv4-addr").objectValue ?? [:]
        address["spec_version"] = nil
        #expect(STIXValidator.validate(object: .object(address)) == [])
    }

    @Test func theTLP2MarkingDefinitionsAreAcceptedAsTheyAre() throws {
        #expect(STIXValidator.validate(object: try JSONParser.parse(SpecExamples.tlpAmber)) == [])
        let bare: JSONValue = ["type": "marking-definition", "spec_version": "2.1", "id": .string(TLP.red), "created": "2022-10-01T00:00:00.000Z"]
        #expect(STIXValidator.validate(object: bare) == [])
        // A look-alike with another id is an ordinary marking definition, and needs a definition.
        let lookAlike: JSONValue = [
            "type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--0b6bd2a5-2c9f-4f25-a4b8-1ef9c1b1e8a0",
            "created": "2022-10-01T00:00:00.000Z",
        ]
        #expect(STIXValidator.validate(object: lookAlike).map(\.property) == ["definition_type"])
    }

    // MARK: Bundles

    static let bundleID = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"

    func bundle(_ objects: [JSONValue]) -> JSONValue {
        ["type": "bundle", "id": .string(Self.bundleID), "objects": .array(objects)]
    }

    func allExamples() throws -> [JSONValue] {
        try SpecExamples.json.keys.sorted().map(SpecExamples.object) + [try JSONParser.parse(SpecExamples.tlpAmber)]
    }

    @Test func aBundleOfValidObjectsIsValid() throws {
        #expect(STIXValidator.validate(bundle: bundle(try allExamples())) == [])
        #expect(STIXValidator.validate(bundle: ["type": "bundle", "id": .string(Self.bundleID)]) == [])
    }

    @Test func theBundleItselfIsChecked() {
        #expect(STIXValidator.validate(bundle: ["bundle"]).map(\.message) == ["a bundle must be a JSON object"])
        #expect(STIXValidator.validate(bundle: ["type": "report", "id": .string(Self.bundleID)]).map(\.property) == ["type"])
        #expect(STIXValidator.validate(bundle: ["type": "bundle", "id": "report--5d0092c5-5f74-4287-9642-33f4c354e56d"]).map(\.property) == ["id"])
        #expect(STIXValidator.validate(bundle: ["type": "bundle"]).map(\.property) == ["id"])
        #expect(STIXValidator.validate(bundle: ["type": "bundle", "id": .string(Self.bundleID), "objects": [:]]).map(\.property) == ["objects"])
        #expect(STIXValidator.validate(bundle: bundle([])).map(\.message) == ["objects must not be an empty list"])
    }

    @Test func problemsInABundleNameTheirObjectAndProperty() throws {
        var indicator = try SpecExamples.object("indicator").objectValue ?? [:]
        indicator["pattern"] = nil
        var sighting = try SpecExamples.object("sighting").objectValue ?? [:]
        sighting["count"] = -1
        let problems = STIXValidator.validate(bundle: bundle([try SpecExamples.object("malware"), .object(indicator), .object(sighting), "stray"]))
        #expect(problems == [
            STIXProblem(objectID: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", property: "pattern", message: "pattern is required"),
            STIXProblem(objectID: "sighting--ee20065d-2555-424f-ad9e-0f8428623c75", property: "count",
                        message: "count must be an integer from 0 to 999999999"),
            STIXProblem(objectID: nil, property: nil, message: "a STIX object must be a JSON object (objects[3])"),
        ])
    }

    @Test func bundlesDoNotNest() {
        let problems = STIXValidator.validate(bundle: bundle([["type": "bundle", "id": "bundle--0b6bd2a5-2c9f-4f25-a4b8-1ef9c1b1e8a0"]]))
        #expect(problems.map(\.property) == ["type"])
        #expect(problems.first?.objectID == "bundle--0b6bd2a5-2c9f-4f25-a4b8-1ef9c1b1e8a0")
    }

    @Test func aBundleReportsAtMostTheCap() {
        let broken: [JSONValue] = (0..<150).map { _ in ["type": "indicator"] }
        #expect(STIXValidator.validate(bundle: bundle(broken)).count == STIXValidator.maxProblems)
    }

    @Test func validateBundleReturnsTheParsedBundle() throws {
        let value = bundle(try allExamples())
        let parsed = try STIXValidator.validateBundle(bytes: CanonicalJSON.encode(value))
        #expect(parsed == value)
    }

    @Test func validateBundleNamesTheFirstObjectAndProperty() throws {
        var indicator = try SpecExamples.object("indicator").objectValue ?? [:]
        indicator["pattern"] = nil
        indicator["confidence"] = 101
        let bytes = CanonicalJSON.encode(bundle([try SpecExamples.object("malware"), .object(indicator)]))
        let error = #expect(throws: AccordError.self) { try STIXValidator.validateBundle(bytes: bytes) }
        #expect(error?.code == .invalidField)
        #expect(error?.field == "confidence")
        #expect(error?.message == "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: confidence must be an integer from 0 to 100 (and 1 more problem)")
    }

    @Test func validateBundleRefusesWhatIsNotJSONOrTooLarge() throws {
        let notJSON = #expect(throws: AccordError.self) { try STIXValidator.validateBundle(bytes: Array(#"{"type": "bundle",}"#.utf8)) }
        #expect(notJSON?.code == .malformed)
        let duplicate = #expect(throws: AccordError.self) {
            try STIXValidator.validateBundle(bytes: Array(#"{"type": "bundle", "type": "bundle"}"#.utf8))
        }
        #expect(duplicate?.code == .malformed)
        let bytes = CanonicalJSON.encode(bundle(try allExamples()))
        let tooLarge = #expect(throws: AccordError.self) { try STIXValidator.validateBundle(bytes: bytes, maxBytes: bytes.count - 1) }
        #expect(tooLarge?.code == .tooLarge)
        #expect(throws: Never.self) { try STIXValidator.validateBundle(bytes: bytes, maxBytes: bytes.count) }
    }
}
