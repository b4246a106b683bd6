import AccordCore
import AccordStore

/// Short ids: a person gives the first digits of an id, as `accord case list` prints them;
/// the node finds the one id they start with among everything it holds (an index range
/// query, whatever the number of cases), or says which ids they could mean.
extension Node {
    /// How many candidates an ambiguous prefix's error lists.
    static let candidatesShown = 5

    /// The case whose id is `text` or starts with it.
    public func resolveCase(_ text: String) async throws -> EventID {
        if let id = EventID(hex: text) { return id }
        return try await resolve(text, among: .cases, what: "case", missing: .unknownCase)
    }

    /// The evidence (its `evidence.file_added` event) whose id is `text` or starts with it.
    public func resolveEvidence(_ text: String) async throws -> EventID {
        if let id = EventID(hex: text) { return id }
        return try await resolve(text, among: .events(case: nil, type: EventType.evidenceAdded.rawValue), what: "evidence", missing: .notFound)
    }

    /// The event whose id is `text` or starts with it; within one case and of one type when given.
    public func resolveEvent(_ text: String, inCase caseID: EventID? = nil, type: EventType? = nil, what: String = "event") async throws -> EventID {
        if let id = EventID(hex: text) { return id }
        return try await resolve(text, among: .events(case: caseID, type: type?.rawValue), what: what, missing: .notFound)
    }

    /// A step body with its references to earlier events of the case (`in_reply_to`,
    /// `proposal`) written in full: a short prefix is resolved among that case's events of
    /// the referenced type. The signed event always carries full ids.
    public func resolvingReferences(_ body: [String: JSONValue], of type: EventType, inCase caseID: EventID) async throws -> [String: JSONValue] {
        var out = body
        let references: [(String, EventType, String)] = [
            ("in_reply_to", .requestInformation, "information request"),
            ("proposal", .proposeConditions, "conditions proposal"),
        ]
        for (member, referenced, what) in references {
            guard let text = body[member]?.stringValue, EventID(hex: text) == nil else { continue }
            do {
                out[member] = .string(try await resolveEvent(text, inCase: caseID, type: referenced, what: what).hex)
            } catch let e as AccordError {
                throw AccordError(e.code, e.message, field: member)
            }
        }
        return out
    }

    func resolve(_ text: String, among space: IDSpace, what: String, missing: AccordError.Code) async throws -> EventID {
        let prefix = try IDPrefix(text)
        let found = try await store.ids(withPrefix: prefix, among: space, limit: Self.candidatesShown + 1)
        switch found.count {
        case 0:
            throw AccordError(missing, "this node holds no \(what) whose id starts with \(prefix)")
        case 1:
            return found[0]
        default:
            let shown = found.prefix(Self.candidatesShown).map(\.hex).joined(separator: ", ")
            let more = found.count > Self.candidatesShown ? " and more" : ""
            throw AccordError(.conflict, "\(prefix) is the start of more than one \(what) id: \(shown)\(more); give more digits")
        }
    }
}
