import AccordCore

/// One way a STIX object or bundle breaks the STIX 2.1 specification.
public struct STIXProblem: Sendable, Equatable, CustomStringConvertible {
    /// The `id` of the object at fault, when it has a string one.
    public var objectID: String?
    /// The top-level property at fault; nil when the problem is the object as a whole.
    public var property: String?
    /// What is wrong, for a person: names the property and what it must be.
    public var message: String

    public init(objectID: String?, property: String?, message: String) {
        self.objectID = objectID
        self.property = property
        self.message = message
    }

    public var description: String { "\(objectID ?? "object"): \(message)" }
}

/// Checks STIX 2.1 objects and bundles against the OASIS specification's MUST rules.
///
/// Pure and synchronous: no I/O, no clock, no shared state, so the TAXII server and the
/// evidence-file code can both call it and every node reaches the same verdict on the same
/// bytes. It checks structure (required properties, value types, identifiers, timestamps,
/// closed enumerations, orderings), not meaning: open vocabularies accept any term, patterns
/// are not parsed, and references are not resolved against other objects.
public enum STIXValidator {
    /// At most this many problems are reported for one object or one bundle: enough to fix a
    /// document, and a bound on the work a hostile one can cause.
    public static let maxProblems = 100

    /// Every problem of one STIX object (up to `maxProblems`); empty when it is valid.
    public static func validate(object: JSONValue) -> [STIXProblem] {
        var log = ProblemLog(limit: maxProblems)
        validate(object, into: &log)
        return log.problems
    }

    /// The problems of a bundle and of every object in it (up to `maxProblems` in all); empty
    /// when all are valid.
    public static func validate(bundle: JSONValue) -> [STIXProblem] {
        var log = ProblemLog(limit: maxProblems)
        guard let members = bundle.objectValue else {
            log.add(nil, "a bundle must be a JSON object")
            return log.problems
        }
        log.objectID = members["id"]?.stringValue
        var checker = ObjectChecker(members: members, log: log)
        if members["type"]?.stringValue != "bundle" { checker.log.add("type", "type must be \"bundle\"") }
        checker.checkID(type: "bundle")
        // Section 8: objects is optional, but never empty when present.
        let objects = members["objects"].flatMap { checker.nonEmptyList("objects", $0) } ?? []
        log = checker.log
        for (i, object) in objects.enumerated() {
            guard !log.isFull else { break }
            log.locationHint = "objects[\(i)]"
            validate(object, into: &log)
        }
        return log.problems
    }

    /// Parses a bundle and checks it, throwing on the first problem.
    ///
    /// The error names the object and property, e.g. `indicator--…: pattern is required`, with
    /// `field` set to the property; `malformed` when the bytes are not JSON, `too_large` past
    /// `maxBytes`, `invalid_field` for a STIX problem. Returns the parsed bundle so that the
    /// caller does not parse it twice.
    @discardableResult
    public static func validateBundle(bytes: [UInt8], maxBytes: Int? = nil) throws(AccordError) -> JSONValue {
        if let maxBytes, bytes.count > maxBytes {
            throw AccordError(.tooLarge, "the bundle is \(bytes.count) bytes; at most \(maxBytes) are accepted")
        }
        let bundle: JSONValue
        do {
            bundle = try JSONParser.parse(bytes)
        } catch {
            throw AccordError(.malformed, "the bundle is not JSON: \(error.description)")
        }
        let problems = validate(bundle: bundle)
        if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more problem\(problems.count > 2 ? "s" : ""))" : ""
            throw AccordError(.invalidField, "\(first.objectID ?? "bundle"): \(first.message)\(more)", field: first.property)
        }
        return bundle
    }

    static func validate(_ object: JSONValue, into log: inout ProblemLog) {
        log.objectID = object["id"]?.stringValue
        guard let members = object.objectValue else {
            log.add(nil, "a STIX object must be a JSON object")
            return
        }
        var checker = ObjectChecker(members: members, log: log)
        defer { log = checker.log }
        guard let typeValue = checker.require("type") else {
            // Without a type nothing else can be judged; still report what every object needs.
            checker.checkPropertyNames()
            return
        }
        guard let type = typeValue.stringValue, STIXSyntax.isTypeName(type) else {
            checker.log.add("type", "type must be 3–250 characters of a–z, 0–9 and -, starting with a letter, without -- or a trailing -")
            checker.checkPropertyNames()
            return
        }
        if type == "bundle" {
            checker.log.add("type", "a bundle is a container, not a STIX object: bundles do not nest")
            return
        }
        let rule = STIXTypes.rules[type]
        checker.checkCommon(type: type, kind: rule?.kind ?? .custom)
        guard let rule else { return }
        for property in rule.properties {
            guard !checker.log.isFull else { return }
            checker.check(property)
        }
        rule.constraints?(&checker)
    }
}
