import AccordCore

/// A Traffic Light Protocol level, ordered from the least to the most restrictive.
///
/// The order is what a sharing decision needs: content marked with several levels is handled
/// at the most restrictive of them, so `max` of the levels found is the one that applies.
public enum TLPLevel: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case clear
    case green
    case amber
    case amberStrict
    case red

    public static func < (a: TLPLevel, b: TLPLevel) -> Bool { a.rawValue < b.rawValue }

    /// The label FIRST's TLP 2.0 uses, e.g. `TLP:AMBER+STRICT`.
    public var description: String {
        switch self {
        case .clear: "TLP:CLEAR"
        case .green: "TLP:GREEN"
        case .amber: "TLP:AMBER"
        case .amberStrict: "TLP:AMBER+STRICT"
        case .red: "TLP:RED"
        }
    }

    /// The id of the TLP 2.0 marking-definition for this level.
    public var markingDefinitionID: String {
        switch self {
        case .clear: TLP.clear
        case .green: TLP.green
        case .amber: TLP.amber
        case .amberStrict: TLP.amberStrict
        case .red: TLP.red
        }
    }
}

/// The TLP 2.0 marking definitions of the STIX 2.1 ecosystem, and the TLP level of an object.
///
/// TLP 2.0 is published as fixed marking-definition objects (defined by the extension
/// `extensionDefinitionID`), so a level is recognised by id alone: nobody has to ship the
/// definitions in every bundle, and a look-alike definition with another id is not TLP.
public enum TLP {
    /// The extension-definition that defines the TLP 2.0 marking definitions.
    public static let extensionDefinitionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

    public static let clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    public static let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    public static let amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    public static let amberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    public static let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

    /// The TLP 2.0 marking-definition ids and their levels.
    public static let version2: [String: TLPLevel] = [
        clear: .clear, green: .green, amber: .amber, amberStrict: .amberStrict, red: .red,
    ]

    /// The TLP 1.0 marking definitions that STIX 2.1 itself defines (section 7.2.1.4).
    ///
    /// Feeds still use them; mapping them keeps a TLP:RED 1.0 object from counting as unmarked.
    /// WHITE became CLEAR in TLP 2.0; 1.0 has no AMBER+STRICT.
    public static let version1: [String: TLPLevel] = [
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": .clear,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": .green,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": .amber,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": .red,
    ]

    /// The level a marking-definition id stands for, TLP 2.0 or 1.0; nil for any other marking.
    public static func level(ofMarkingDefinition id: String) -> TLPLevel? {
        // UUIDs compare case-insensitively (RFC 4122 §3); the type prefix is lowercase anyway.
        let id = id.lowercased()
        return version2[id] ?? version1[id]
    }

    /// The most restrictive TLP level marked on `object`, or nil when it carries no TLP marking.
    ///
    /// Reads `object_marking_refs` and also the `marking_ref` of every granular marking: whoever
    /// receives the object receives all of its properties, so a RED granular marking on one of
    /// them makes the whole object RED for a sharing decision.
    public static func level(of object: JSONValue) -> TLPLevel? {
        var found: TLPLevel? = nil
        func note(_ ref: JSONValue?) {
            guard let id = ref?.stringValue, let level = level(ofMarkingDefinition: id) else { return }
            found = max(found ?? level, level)
        }
        for ref in object["object_marking_refs"]?.arrayValue ?? [] { note(ref) }
        for marking in object["granular_markings"]?.arrayValue ?? [] { note(marking["marking_ref"]) }
        return found
    }
}
