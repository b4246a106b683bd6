import AccordCore

/// The lexical rules of STIX 2.1 (OASIS Committee Specification 01, sections 2–3): type names,
/// identifiers, timestamps and property names.
enum STIXSyntax {
    /// A type name: 3–250 of a–z, 0–9 and hyphen, starting with a letter, not ending with a
    /// hyphen, and without two hyphens in a row (which would make `<type>--<uuid>` ambiguous).
    static func isTypeName(_ s: String) -> Bool {
        var s = s
        return s.withUTF8(isTypeName)
    }

    static func isTypeName(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (3...250).contains(b.count), isLower(b[0]), b[b.count - 1] != hyphen else { return false }
        for (i, c) in b.enumerated() {
            guard isLower(c) || isDigit(c) || c == hyphen else { return false }
            if c == hyphen, i > 0, b[i - 1] == hyphen { return false }
        }
        return true
    }

    /// A property name (section 3.1, custom properties 11.1): 3–250 of a–z, 0–9 and underscore.
    ///
    /// `id` is the one specified name shorter than that; `x_` custom names fit the rule as they are.
    static func isPropertyName(_ s: String) -> Bool {
        if s == "id" { return true }
        let b = s.utf8
        return (3...250).contains(b.count) && b.allSatisfy { isLower($0) || isDigit($0) || $0 == underscore }
    }

    /// An RFC 4122 UUID in its 8-4-4-4-12 hex form, with the RFC 4122 variant and a version 1–5,
    /// as the OASIS STIX 2.1 JSON schema's identifier pattern requires.
    static func isUUID(_ s: Substring) -> Bool {
        var s = s
        return s.withUTF8(isUUID)
    }

    static func isUUID(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == hyphen else { return false }
            } else {
                guard hexValue(c) != nil else { return false }
            }
        }
        guard let version = hexValue(b[14]), (1...5).contains(version), let variant = hexValue(b[19]), variant & 0b1100 == 0b1000
        else { return false }
        return true
    }

    /// The type part of a STIX identifier `<type>--<uuid>`, or nil when `s` is not one.
    static func identifierType(_ s: String) -> String? {
        // The UUID is fixed-length, so the separator is found from the end: type names may hold
        // single hyphens.
        var s = s
        return s.withUTF8 { b -> String? in
            guard b.count > 38 else { return nil }
            let uuidStart = b.count - 36, separatorStart = uuidStart - 2
            guard b[separatorStart] == hyphen, b[separatorStart + 1] == hyphen, isUUID(UnsafeBufferPointer(rebasing: b[uuidStart...])) else { return nil }
            let type = UnsafeBufferPointer(rebasing: b[..<separatorStart])
            guard isTypeName(type) else { return nil }
            return String(decoding: type, as: UTF8.self)
        }
    }

    /// Input echoed in a message, quoted and cut short: a problem report must stay small
    /// whatever the input holds.
    static func quoted(_ s: String, max: Int = 64) -> String {
        s.count <= max ? "\"\(s)\"" : "\"\(s.prefix(max))…\""
    }

    static let hyphen = UInt8(ascii: "-")
    static let underscore = UInt8(ascii: "_")
    static func isLower(_ c: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) }
    static func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A STIX timestamp (section 3.2): `YYYY-MM-DDTHH:mm:ss[.s+]Z`, always UTC.
///
/// Kept at full precision: STIX allows any number of fractional digits, and ordering rules such
/// as `modified >= created` must hold exactly, not after rounding to AccordCore's milliseconds.
struct STIXTimestamp: Comparable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    var seconds: Int64
    /// The fractional digits without trailing zeros, so that digit strings compare as numbers.
    var fraction: String
    /// How many fractional digits were written.
    var precision: Int

    init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ c -> (Int64, Substring, Int)? in
            // The letters must be upper case: STIX narrows RFC 3339 to one spelling.
            guard c.count >= 20, c[c.count - 1] == UInt8(ascii: "Z"), let whole = Timestamp.wholeSeconds(c, lowercaseT: false) else { return nil }
            var end = c.count - 1
            if c.count > 20 {
                guard c[19] == UInt8(ascii: "."), c.count > 21 else { return nil }
                for i in 20..<end where !STIXSyntax.isDigit(c[i]) { return nil }
            }
            let precision = max(0, end - 20)
            while end > 20, c[end - 1] == UInt8(ascii: "0") { end -= 1 }
            return (whole, end > 20 ? Substring(decoding: UnsafeBufferPointer(rebasing: c[20..<end]), as: UTF8.self) : "", precision)
        }) else { return nil }
        (seconds, precision) = (parsed.0, parsed.2)
        fraction = String(parsed.1)
    }

    static func < (a: STIXTimestamp, b: STIXTimestamp) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.fraction.utf8.lexicographicallyPrecedes(b.fraction.utf8)
    }

    static func == (a: STIXTimestamp, b: STIXTimestamp) -> Bool { a.seconds == b.seconds && a.fraction == b.fraction }
}

/// Collects problems, up to a limit, so that a hostile input cannot make validation do
/// unbounded work or return an unbounded list.
struct ProblemLog {
    let limit: Int
    var problems: [STIXProblem] = []
    /// The object being checked; every problem added names it.
    var objectID: String? = nil
    /// Appended to messages when the object has no usable id (e.g. `objects[3]` in a bundle).
    var locationHint: String? = nil

    init(limit: Int) { self.limit = limit }

    var isFull: Bool { problems.count >= limit }

    mutating func add(_ property: String?, _ message: String) {
        guard !isFull else { return }
        let text = objectID == nil ? locationHint.map { "\(message) (\($0))" } ?? message : message
        problems.append(STIXProblem(objectID: objectID, property: property, message: text))
    }
}

/// What kind of STIX object a type is; it decides which common properties are required.
enum ObjectKind: Sendable {
    /// STIX Domain Object (section 4).
    case domain
    /// STIX Relationship Object (section 5).
    case relationship
    /// STIX Cyber-observable Object (section 6): no created/modified, spec_version optional.
    case observable
    case markingDefinition
    case languageContent
    case extensionDefinition
    /// A type this validator does not know: a custom object, checked only for what every
    /// object shares.
    case custom
}

/// The checks of one object's properties; each adds problems to the log and reads on, so that
/// one pass reports everything that is wrong.
struct ObjectChecker {
    let members: [String: JSONValue]
    var log: ProblemLog

    subscript(name: String) -> JSONValue? { members[name] }

    func has(_ name: String) -> Bool { members[name] != nil }

    /// Adds "`name` is required" when the property is absent; returns its value otherwise.
    mutating func require(_ name: String) -> JSONValue? {
        guard let value = members[name] else {
            log.add(name, "\(name) is required")
            return nil
        }
        return value
    }

    /// Checks one property against its rule, when present, and its presence when required.
    mutating func check(_ rule: PropertyRule) {
        guard let value = rule.required ? require(rule.name) : members[rule.name] else { return }
        check(rule.name, value, as: rule.kind)
    }

    mutating func check(_ name: String, _ value: JSONValue, as kind: ValueKind) {
        switch kind {
        case .string:
            if value.stringValue == nil { log.add(name, "\(name) must be a string") }
        case .bool:
            if value.boolValue == nil { log.add(name, "\(name) must be true or false") }
        case .integer(let range):
            guard let n = value.intValue, range.contains(n) else {
                log.add(name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
                return
            }
        case .number(let range):
            guard let n = value.doubleValue, range.contains(n) else {
                let bounds = range.upperBound == .greatestFiniteMagnitude
                    ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
                log.add(name, "\(name) must be a number \(bounds)")
                return
            }
        case .timestamp:
            _ = timestamp(name, value, millisecondPrecision: false)
        case .identifier(let types):
            identifier(name, value, types: types)
        case .identifiers(let types):
            guard let items = nonEmptyList(name, value) else { return }
            for (i, item) in items.enumerated() {
                guard !log.isFull else { return }
                identifier("\(name)[\(i)]", item, types: types, property: name)
            }
        case .strings:
            guard let items = nonEmptyList(name, value) else { return }
            if let i = items.firstIndex(where: { $0.stringValue == nil }) { log.add(name, "\(name)[\(i)] must be a string") }
        case .object:
            if value.objectValue == nil { log.add(name, "\(name) must be a JSON object") }
        case .objects:
            guard let items = nonEmptyList(name, value) else { return }
            if let i = items.firstIndex(where: { $0.objectValue == nil }) { log.add(name, "\(name)[\(i)] must be a JSON object") }
        case .list:
            _ = nonEmptyList(name, value)
        case .oneOf(let allowed):
            guard let s = value.stringValue, allowed.contains(s) else {
                log.add(name, "\(name) must be one of \(allowed.sorted().joined(separator: ", "))")
                return
            }
        case .oneOfEach(let allowed):
            guard let items = nonEmptyList(name, value) else { return }
            if let bad = items.first(where: { !allowed.contains($0.stringValue ?? "") }) {
                let shown = bad.stringValue.map { STIXSyntax.quoted($0) } ?? "a value that is not a string"
                log.add(name, "\(name) holds \(shown), not one of \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    /// A list with at least one element: STIX forbids empty lists (section 3.1).
    mutating func nonEmptyList(_ name: String, _ value: JSONValue) -> [JSONValue]? {
        guard let items = value.arrayValue else {
            log.add(name, "\(name) must be a list")
            return nil
        }
        guard !items.isEmpty else {
            log.add(name, "\(name) must not be an empty list")
            return nil
        }
        return items
    }

    /// Checks a STIX identifier, optionally of given types; `label` names the element in a list.
    mutating func identifier(_ label: String, _ value: JSONValue, types: Set<String>?, property: String? = nil) {
        let property = property ?? label
        guard let s = value.stringValue, let type = STIXSyntax.identifierType(s) else {
            log.add(property, "\(label) must be an identifier <type>--<RFC 4122 UUID>")
            return
        }
        if let types, !types.contains(type) {
            log.add(property, "\(label) must refer to \(types.sorted().joined(separator: " or ")), not \(type)")
        }
    }

    /// Reads a timestamp property (present or not), adding a problem when it is malformed.
    mutating func timestamp(_ name: String, millisecondPrecision: Bool = false) -> STIXTimestamp? {
        guard let value = members[name] else { return nil }
        return timestamp(name, value, millisecondPrecision: millisecondPrecision)
    }

    mutating func timestamp(_ name: String, _ value: JSONValue, millisecondPrecision: Bool) -> STIXTimestamp? {
        guard let s = value.stringValue, let t = STIXTimestamp(s) else {
            log.add(name, "\(name) must be an RFC 3339 UTC timestamp YYYY-MM-DDTHH:mm:ss[.s+]Z")
            return nil
        }
        if millisecondPrecision, t.precision < 3 {
            log.add(name, "\(name) must be precise to at least the millisecond (three fractional digits)")
        }
        return t
    }

    /// `later` must not come before `earlier` (or must come strictly after it, when `strictly`).
    mutating func order(_ earlier: String, _ later: String, strictly: Bool = false) {
        // Malformed values were reported by their own checks; compare only what parses.
        guard let aText = members[earlier]?.stringValue, let bText = members[later]?.stringValue else { return }
        order(STIXTimestamp(aText), STIXTimestamp(bText), earlier, later, strictly: strictly)
    }

    /// The same, for timestamps already read.
    mutating func order(_ a: STIXTimestamp?, _ b: STIXTimestamp?, _ earlier: String, _ later: String, strictly: Bool = false) {
        guard let a, let b else { return }
        if strictly ? !(b > a) : b < a {
            log.add(later, "\(later) must be \(strictly ? "later than" : "the same as or later than") \(earlier)")
        }
    }

    /// At least one of `names` must be present.
    mutating func requireAny(_ names: [String]) {
        guard !names.contains(where: has) else { return }
        let list = names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        log.add(names.first, "one of \(list) is required")
    }

    /// `name` must not be present together with `other`.
    mutating func exclusive(_ name: String, _ other: String) {
        if has(name), has(other) { log.add(name, "\(name) must not be present together with \(other)") }
    }
}

/// The properties every STIX object shares (sections 3.2, 3.3, 7.1, 7.2).
extension ObjectChecker {
    mutating func checkCommon(type: String, kind: ObjectKind) {
        checkPropertyNames()
        checkID(type: type)

        let specVersionRequired = kind != .observable && kind != .custom
        if let value = specVersionRequired ? require("spec_version") : members["spec_version"], value.stringValue != "2.1" {
            log.add("spec_version", "spec_version must be \"2.1\"")
        }

        switch kind {
        case .domain, .relationship, .languageContent, .extensionDefinition:
            let created = require("created").flatMap { timestamp("created", $0, millisecondPrecision: true) }
            let modified = require("modified").flatMap { timestamp("modified", $0, millisecondPrecision: true) }
            order(created, modified, "created", "modified")
        case .markingDefinition:
            // Marking definitions cannot be versioned, so they have no modified (section 7.2.1).
            if let value = require("created") { _ = timestamp("created", value, millisecondPrecision: true) }
        case .custom:
            order(timestamp("created"), timestamp("modified"), "created", "modified")
        case .observable:
            // SCOs have no created/modified of their own; some types define other timestamps.
            break
        }

        for rule in Self.commonRules { check(rule) }
        checkExternalReferences()
        checkGranularMarkings()
        checkExtensions()
    }

    static let commonRules: [PropertyRule] = [
        .optional("created_by_ref", .identifier(["identity"])),
        .optional("revoked", .bool),
        .optional("labels", .strings),
        .optional("confidence", .integer(0...100)),
        .optional("lang", .string),
        .optional("object_marking_refs", .identifiers(["marking-definition"])),
        .optional("defanged", .bool),
    ]

    mutating func checkPropertyNames() {
        // Sorted only to report in a stable order, which valid objects never need.
        guard !members.keys.allSatisfy(STIXSyntax.isPropertyName) else { return }
        for name in members.keys.sorted() where !STIXSyntax.isPropertyName(name) {
            guard !log.isFull else { return }
            log.add(name, "property name \(STIXSyntax.quoted(name)) must be 3–250 characters of a–z, 0–9 and _")
        }
    }

    mutating func checkID(type: String) {
        guard let value = require("id") else { return }
        guard let id = value.stringValue, let idType = STIXSyntax.identifierType(id) else {
            log.add("id", "id must be \(type)--<RFC 4122 UUID>")
            return
        }
        if idType != type { log.add("id", "id must start with the object's type \(type)--, not \(idType)--") }
    }

    mutating func checkExternalReferences() {
        guard let value = members["external_references"], let items = nonEmptyList("external_references", value) else { return }
        for (i, item) in items.enumerated() {
            guard !log.isFull else { return }
            let label = "external_references[\(i)]"
            guard let reference = item.objectValue else {
                log.add("external_references", "\(label) must be a JSON object")
                continue
            }
            if reference["source_name"]?.stringValue == nil {
                log.add("external_references", "\(label).source_name is required and must be a string")
            }
            // Section 2.5: a bare source name points nowhere.
            if reference["description"] == nil, reference["url"] == nil, reference["external_id"] == nil {
                log.add("external_references", "\(label) needs description, url or external_id besides source_name")
            }
            for key in ["description", "url", "external_id"] where reference[key] != nil && reference[key]?.stringValue == nil {
                log.add("external_references", "\(label).\(key) must be a string")
            }
            if let hashes = reference["hashes"], hashes.objectValue?.isEmpty != false {
                log.add("external_references", "\(label).hashes must be a non-empty JSON object")
            }
        }
    }

    mutating func checkGranularMarkings() {
        guard let value = members["granular_markings"], let items = nonEmptyList("granular_markings", value) else { return }
        for (i, item) in items.enumerated() {
            guard !log.isFull else { return }
            let label = "granular_markings[\(i)]"
            guard let marking = item.objectValue else {
                log.add("granular_markings", "\(label) must be a JSON object")
                continue
            }
            let selectors = marking["selectors"]?.arrayValue ?? []
            if selectors.isEmpty || !selectors.allSatisfy({ $0.stringValue?.isEmpty == false }) {
                log.add("granular_markings", "\(label).selectors must be a non-empty list of strings")
            }
            // Section 7.2.3: a granular marking applies either a marking definition or a language.
            switch (marking["marking_ref"], marking["lang"]) {
            case (nil, nil):
                log.add("granular_markings", "\(label) needs marking_ref or lang")
            case (.some, .some):
                log.add("granular_markings", "\(label) must not have both marking_ref and lang")
            case (.some(let ref), nil):
                identifier("\(label).marking_ref", ref, types: ["marking-definition"], property: "granular_markings")
            case (nil, .some(let lang)):
                if lang.stringValue == nil { log.add("granular_markings", "\(label).lang must be a string") }
            }
        }
    }

    mutating func checkExtensions() {
        guard let value = members["extensions"] else { return }
        guard let extensions = value.objectValue, !extensions.isEmpty else {
            log.add("extensions", "extensions must be a non-empty JSON object")
            return
        }
        for key in extensions.keys.sorted() {
            guard !log.isFull else { return }
            // Either an extension-definition id or a predefined/custom extension name like `ntfs-ext`.
            let isDefinition = STIXSyntax.identifierType(key) == "extension-definition"
            if !isDefinition, !STIXSyntax.isTypeName(key) {
                log.add("extensions", "extensions key \(STIXSyntax.quoted(key)) must be an extension-definition id or an extension name")
            }
            if extensions[key]?.objectValue == nil {
                log.add("extensions", "extensions[\(STIXSyntax.quoted(key))] must be a JSON object")
            }
        }
    }
}
