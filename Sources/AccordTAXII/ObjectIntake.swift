import AccordCore
import AccordSTIX
import AccordStore

/// Turns one posted (or shared) STIX object into what the store keeps, or the reason it is
/// refused: the AccordSTIX validator's first problem, naming the property.
public enum ObjectIntake {
    public struct Refusal: Error, Sendable {
        public var id: String?
        public var version: String?
        public var message: String
    }

    public static func prepare(_ object: JSONValue, unmarked: TLPLevel, origin: String?) -> Result<TAXIINewObject, Refusal> {
        let id = object["id"]?.stringValue
        let versionText = object["modified"]?.stringValue ?? object["created"]?.stringValue
        let problems = STIXValidator.validate(object: object)
        if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
            let what = first.property.map { "\($0): " } ?? ""
            return .failure(Refusal(id: id, version: versionText, message: "\(what)\(first.message)\(more)"))
        }
        guard let id, let type = object["type"]?.stringValue else {
            return .failure(Refusal(id: id, version: versionText, message: "id: a STIX object needs an id and a type"))
        }
        let spec = object["spec_version"]?.stringValue ?? "2.1"
        guard spec == "2.1" else {
            return .failure(Refusal(id: id, version: versionText, message: "spec_version: this server takes STIX 2.1 objects, not \(spec)"))
        }
        let level = TLP.level(of: object) ?? unmarked
        return .success(TAXIINewObject(
            id: id, type: type, specVersion: spec, version: STIXTime.version(of: object), body: CanonicalJSON.encode(object),
            tlp: level.rawValue, origin: origin))
    }
}

/// TLP 2.0 as Accord applies it when sharing (docs/operations.md, "TAXII"):
/// CLEAR and GREEN go to the collection's peers and may be passed on by them (GREEN only
/// within the federation, which is every node a share can reach); AMBER and AMBER+STRICT go
/// only to the collection's peers and are never passed on; RED goes only to the peers named
/// for it and lands there in a collection one account reads. An unmarked object takes the
/// node's `taxii.unmarked_tlp`.
public enum SharingPolicy {
    public struct Audience: Sendable, Equatable {
        public var peers: [String]
        /// Why nothing (or less) is sent, for the operator.
        public var withheld: String?
    }

    /// Where an object of `level` posted to a collection published to `shareTo` (and `redTo`
    /// for RED) may go. `receivedFrom` is the peer this node got the same object version from, if any.
    public static func audience(level: TLPLevel, receivedFrom: String?, shareTo: [String], redTo: [String]) -> Audience {
        if let peer = receivedFrom, level >= .amber {
            return Audience(peers: [], withheld: "\(level) from \(peer): not shared further")
        }
        switch level {
        case .red:
            return redTo.isEmpty ? Audience(peers: [], withheld: "TLP:RED: no peer is named for this collection's RED objects") : Audience(peers: redTo)
        default:
            return Audience(peers: shareTo)
        }
    }

    /// The unmarked default's name in accord.json (`clear`, `green`, `amber`, `amber+strict`, `red`).
    public static func level(named name: String) -> TLPLevel? {
        switch name.lowercased() {
        case "clear": .clear
        case "green": .green
        case "amber": .amber
        case "amber+strict", "amber_strict": .amberStrict
        case "red": .red
        default: nil
        }
    }

    public static func name(_ level: TLPLevel) -> String {
        switch level {
        case .clear: "clear"
        case .green: "green"
        case .amber: "amber"
        case .amberStrict: "amber+strict"
        case .red: "red"
        }
    }
}
