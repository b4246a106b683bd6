import AccordCore
import Testing

@testable import AccordSTIX

/// TLP levels read from an object's markings, most restrictive first.
@Suite struct TLPTests {
    func marked(_ refs: [String], granular: [String] = []) -> JSONValue {
        var object: [String: JSONValue] = ["type": "indicator", "object_marking_refs": .strings(refs)]
        if !granular.isEmpty {
            object["granular_markings"] = .array(granular.map { ["selectors": ["description"], "marking_ref": .string($0)] })
        }
        return .object(object)
    }

    @Test func theIDsAreFIRSTs() {
        // docs: /work/shared/DOMAIN.md, TLP 2.0 marking-definition ids.
        #expect(TLP.clear == "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487")
        #expect(TLP.green == "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb")
        #expect(TLP.amber == "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421")
        #expect(TLP.amberStrict == "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003")
        #expect(TLP.red == "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1")
        for level in TLPLevel.allCases {
            #expect(TLP.level(ofMarkingDefinition: level.markingDefinitionID) == level)
            #expect(STIXSyntax.identifierType(level.markingDefinitionID) == "marking-definition")
        }
        for id in TLP.version1.keys { #expect(STIXSyntax.identifierType(id) == "marking-definition") }
    }

    @Test func levelsAreOrderedByRestriction() {
        #expect(TLPLevel.allCases.sorted() == [.clear, .green, .amber, .amberStrict, .red])
        #expect(TLPLevel.clear < .green && .green < .amber && .amber < .amberStrict && .amberStrict < .red)
        #expect(TLPLevel.amberStrict.description == "TLP:AMBER+STRICT")
    }

    @Test func theMostRestrictiveMarkingApplies() {
        #expect(TLP.level(of: marked([TLP.green])) == .green)
        #expect(TLP.level(of: marked([TLP.red, TLP.green])) == .red)
        #expect(TLP.level(of: marked([TLP.amber, TLP.amberStrict, TLP.clear])) == .amberStrict)
        #expect(TLP.level(of: marked([TLP.green], granular: [TLP.red])) == .red)
    }

    @Test func objectsWithoutATLPMarkingHaveNoLevel() {
        #expect(TLP.level(of: ["type": "indicator"]) == nil)
        #expect(TLP.level(of: marked(["marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f"])) == nil)
        #expect(TLP.level(of: ["object_marking_refs": .string(TLP.red)]) == nil)  // not a list: no marking
    }

    @Test func tlp1MarkingsMapToTheirTLP2Levels() {
        #expect(TLP.level(of: marked(["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"])) == .clear)
        #expect(TLP.level(of: marked(["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TLP.amber])) == .red)
    }

    @Test func idsCompareWithoutRegardToCase() {
        #expect(TLP.level(of: marked([TLP.red.uppercased()])) == .red)
    }
}
