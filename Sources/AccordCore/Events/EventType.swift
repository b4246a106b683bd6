/// Every kind of event a node may author.
public enum EventType: String, Sendable, CaseIterable, Codable {
    /// A node's signed profile (not addressed to anyone; served to whoever asks).
    case profile = "node.profile"
    /// A new signing key, announced under the old one.
    case keyRotation = "node.key_rotation"

    case open = "case.open"
    case acknowledge = "case.acknowledge"
    case requestInformation = "case.request_information"
    case provideInformation = "case.provide_information"
    case answer = "case.answer"
    case extend = "case.extend"
    case withdraw = "case.withdraw"
    case close = "case.close"
    case proposeConditions = "case.conditions_proposed"
    case acceptConditions = "case.conditions_accepted"
    case declineConditions = "case.conditions_declined"

    /// An evidence file attached to a case (docs/protocol.md §12.1); not in version 1: sent only
    /// to peers whose profile lists it.
    case evidenceAdded = "evidence.file_added"
    /// A step in an evidence file's chain of custody (sent, received, verified, opened,
    /// exported, purged; docs/protocol.md §12.4); not in version 1 either.
    case evidenceCustody = "evidence.custody"
    /// STIX 2.1 objects posted to a collection published to peers, many to one event
    /// (docs/protocol.md §13); not in version 1.
    case stixShared = "stix.objects_shared"
    /// Tombstones: object versions deleted from a published collection (docs/protocol.md §13).
    case stixDeleted = "stix.objects_deleted"

    public var isCaseStep: Bool { rawValue.hasPrefix("case.") }

    /// The event types of protocol version 1, which every version-1 node accepts. A peer whose
    /// profile does not list the types it accepts is taken to accept these. Fixed: types added
    /// later are not in it.
    public static let version1: Set<EventType> = [
        .profile, .keyRotation, .open, .acknowledge, .requestInformation, .provideInformation, .answer, .extend, .withdraw, .close,
        .proposeConditions, .acceptConditions, .declineConditions,
    ]

    /// A type name's grammar: dot-separated parts of `a–z`, `0–9` and `_`, each starting with a
    /// letter, at least two parts, at most 64 characters (`case.open`, `evidence.file_added`).
    public static func isWellFormedName(_ name: String) -> Bool {
        guard (3...64).contains(name.utf8.count) else { return false }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, (0x61...0x7A).contains(first) else { return false }
            return part.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
        }
    }
}

extension EventType {
    /// The short names operators use for case steps (API, CLI).
    public static let stepNames: [String: EventType] = [
        "acknowledge": .acknowledge,
        "request_information": .requestInformation,
        "provide_information": .provideInformation,
        "answer": .answer,
        "extend": .extend,
        "withdraw": .withdraw,
        "close": .close,
        "propose_conditions": .proposeConditions,
        "accept_conditions": .acceptConditions,
        "decline_conditions": .declineConditions,
    ]

    public init?(stepName: String) {
        guard let t = Self.stepNames[stepName] else { return nil }
        self = t
    }
}
