/// Indented JSON with sorted keys, for people.
public enum PrettyJSON {
    public static func string(_ value: JSONValue, indent: String = "") -> String {
        let next = indent + "  "
        switch value {
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { next + string($0, indent: next) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            let keys = members.keys.sorted()
            return "{\n" + keys.map { "\(next)\(CanonicalJSON.string(.string($0))): \(string(members[$0]!, indent: next))" }.joined(separator: ",\n") + "\n\(indent)}"
        default:
            return CanonicalJSON.string(value)
        }
    }
}
