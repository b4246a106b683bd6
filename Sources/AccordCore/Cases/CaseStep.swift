/// One step of a case as the state machine sees it: an event, or a draft before it is signed.
public struct CaseStep: Sendable {
    /// nil for a draft that is being checked before signing.
    public var id: EventID?
    public var type: EventType
    public var author: String
    public var to: [String]
    public var time: Timestamp
    public var body: [String: JSONValue]

    public init(id: EventID?, type: EventType, author: String, to: [String], time: Timestamp, body: [String: JSONValue]) {
        self.id = id
        self.type = type
        self.author = author
        self.to = to
        self.time = time
        self.body = body
    }

    public init(_ event: Event) {
        self.init(id: event.id, type: event.type, author: event.origin, to: event.to, time: event.time, body: event.body)
    }

    /// Stands in for the id of a draft; never stored.
    static let draftID = EventID(bytes: [UInt8](repeating: 0, count: 32))
    var effectiveID: EventID { id ?? Self.draftID }
}

extension CaseStep {
    func illegal(_ message: String) -> AccordError { AccordError(.illegalStep, message) }

    func requireKeys(_ allowed: Set<String>) throws(AccordError) {
        let extra = body.keys.filter { !allowed.contains($0) }.sorted()
        guard let first = extra.first else { return }
        let names = extra.map { "\"\($0)\"" }.joined(separator: ", ")
        throw AccordError(
            .invalidField, "\(type.rawValue) has no member\(extra.count == 1 ? "" : "s") \(names); its members are \(allowed.sorted().joined(separator: ", "))",
            field: first)
    }

    func text(_ key: String, required: Bool, maxBytes: Int = CaseKind.maxTextBytes) throws(AccordError) -> String? {
        guard let value = body[key], !value.isNull else {
            if required { throw AccordError(.missingField, "\(type.rawValue) needs \"\(key)\"", field: key) }
            return nil
        }
        guard let s = value.stringValue, !s.allSatisfy(\.isWhitespace) else {
            throw AccordError(.invalidField, "\"\(key)\" must be non-empty text", field: key)
        }
        guard s.utf8.count <= maxBytes else { throw AccordError(.invalidField, "\"\(key)\" is longer than \(maxBytes) bytes", field: key) }
        return s
    }

    func time(_ key: String) throws(AccordError) -> Timestamp? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let s = value.stringValue, let t = Timestamp(rfc3339: s) else {
            throw AccordError(.invalidField, "\"\(key)\" must be an RFC 3339 UTC time", field: key)
        }
        return t
    }

    func eventRef(_ key: String) throws(AccordError) -> EventID {
        guard let s = body[key]?.stringValue, let id = EventID(hex: s) else {
            throw AccordError(.missingField, "\(type.rawValue) needs \"\(key)\": the id of the event it answers", field: key)
        }
        return id
    }
}
