import AccordCore

/// Everything a node keeps: the focused stores below, together, so that SQLite (the embedded
/// default) and PostgreSQL (for a node that outgrows one machine) are interchangeable. Code that
/// needs one part asks for that part (`any PeerStore`, `any OutboxStore`, …); every backend
/// passes one conformance suite (Tests/AccordStoreTests/StoreConformanceTests.swift).
///
/// Each mutating method is one transaction: it happens whole or not at all.
public protocol Store: MetadataStore, PeerStore, CaseStore, OutboxStore, AccountStore, LogStore, WitnessStore, RetentionStore, TAXIIStore, NotificationStore, ConsoleStore, InboxStore, StatsStore, CheckStore {}

/// Small facts about the node itself (its current profile event, …).
public protocol MetadataStore: Sendable {
    func metadata(_ key: String) async throws -> String?
    func setMetadata(_ key: String, _ value: String) async throws
}

/// The peers this node has pinned, and the record of pinned keys replaced.
public protocol PeerStore: Sendable {
    func peers() async throws -> [Peer]
    func peer(named name: String) async throws -> Peer?
    /// Adds a pinned peer, or updates one whose key is unchanged (URL, profile, encryption key).
    func savePeer(_ peer: Peer) async throws
    /// Pins `peer` in place of the peer of the same name pinned with `old`, and records who
    /// replaced it and when, in one transaction. Fails if the pinned key is no longer `old`.
    func replacePeer(_ peer: Peer, replacing old: PublicSigningKey, by actor: String, at time: Timestamp) async throws
    /// Every replacement of a pinned key, oldest first.
    func peerReplacements() async throws -> [PeerReplacement]
    func removePeer(named name: String) async throws -> Bool
}

/// Events (authored and received) and the case states they produce.
public protocol CaseStore: Sendable {
    /// Stores events this node authored, in order, with the case states they produced, a log
    /// leaf each and an outbox entry per recipient, all in one transaction. Returns their log indices.
    func commitAuthored(_ items: [AuthoredCommit], now: Timestamp) async throws -> [Int64]
    /// Stores the accepted events of an inbound batch, their case states, key and profile
    /// changes and the batch's result, in one transaction. A batch id seen before is not applied again.
    func commitReceived(_ receipt: InboundReceipt) async throws
    func inboundBatchResult(peer: String, batchID: String) async throws -> [UInt8]?
    func containsEvent(_ id: EventID) async throws -> Bool
    /// Which of `ids` this node holds already (one query for a whole batch).
    func existingEvents(_ ids: [EventID]) async throws -> Set<EventID>
    func event(_ id: EventID) async throws -> StoredEvent?
    func events(inCase id: EventID) async throws -> [StoredEvent]
    /// Every stored event of one type (`evidence.file_added`), oldest first.
    func events(ofType type: String) async throws -> [StoredEvent]
    func caseState(_ id: EventID) async throws -> CaseState?
    func cases(_ query: CaseQuery) async throws -> [CaseState]
    /// Up to `limit` ids in `space` that start with `prefix`, found through the id index over
    /// every row held, in id order.
    func ids(withPrefix prefix: IDPrefix, among space: IDSpace, limit: Int) async throws -> [EventID]
    func eventCount() async throws -> Int64
    /// The number of leaves in this node's own log.
    func logSize() async throws -> Int64
}

/// The outbox as delivery sees it: per-peer cursors, rejections and parked events.
public protocol OutboxStore: Sendable {
    /// Up to `limit` outbox entries for `peer` after its cursor and after `position` (entries
    /// already sent whose acknowledgement is still being committed), in log order.
    func pendingDeliveries(peer: String, after position: Int64?, limit: Int) async throws -> [OutboxEntry]
    /// Moves `peer`'s cursor to `position` and records per-event rejections, in one transaction.
    func acknowledgeDelivery(peer: String, through position: Int64, rejections: [DeliveryRejection], now: Timestamp) async throws
    func recordDeliveryFailure(peer: String, error: String, nextAttempt: Timestamp, now: Timestamp) async throws
    func deliveryStatus() async throws -> [DeliveryStatus]
    /// Events a peer rejected, or that were held back from it, oldest first.
    func parkedDeliveries(peer: String) async throws -> [ParkedDelivery]
    /// Moves `peer`'s cursor back to just before its first parked event and clears the parked
    /// list, in one transaction, so that delivery sends them (and what followed) again.
    /// Returns the new cursor, or nil when nothing was parked.
    func rewindDelivery(peer: String) async throws -> Int64?
}

/// The node's own people: operator tokens (hashes only) and drafts.
public protocol AccountStore: Sendable {
    func saveToken(_ token: TokenRecord) async throws
    func token(hash: [UInt8]) async throws -> TokenRecord?
    func tokens() async throws -> [TokenRecord]
    func revokeToken(name: String) async throws -> Bool
    func saveDraft(_ draft: Draft) async throws
    func drafts() async throws -> [Draft]
    func draft(_ id: String) async throws -> Draft?
    func deleteDraft(_ id: String) async throws -> Bool
}

/// Pruning of what only grows with traffic.
public protocol RetentionStore: Sendable {
    /// Deletes rows that only grow with traffic and that nothing needs any more; returns the
    /// number deleted per table.
    func prune(_ policy: RetentionPolicy, now: Timestamp) async throws -> [String: Int]
}

extension OutboxStore {
    /// Up to `limit` outbox entries for `peer` after its cursor, in log order.
    public func pendingDeliveries(peer: String, limit: Int) async throws -> [OutboxEntry] {
        try await pendingDeliveries(peer: peer, after: nil, limit: limit)
    }

}

extension CaseStore {
    /// Stores one authored event (see `commitAuthored(_:now:)`); returns its log index.
    public func commitAuthored(_ event: Event, caseState: CaseState?, now: Timestamp) async throws -> Int64 {
        try await commitAuthored([AuthoredCommit(event: event, caseState: caseState)], now: now)[0]
    }
}

/// One authored event and the case state it produced.
public struct AuthoredCommit: Sendable {
    public var event: Event
    public var caseState: CaseState?
    /// A TAXII share owed to peers (`TAXIIStore.pendingShares`) this event completes, settled in
    /// the same transaction.
    public var settles: Int64?

    public init(event: Event, caseState: CaseState?, settles: Int64? = nil) {
        self.event = event
        self.caseState = caseState
        self.settles = settles
    }
}

/// A pinned key replaced by another for the same peer name: who did it, and when.
public struct PeerReplacement: Sendable, Equatable {
    public var name: String
    public var oldKey: PublicSigningKey
    public var newKey: PublicSigningKey
    public var by: String
    public var at: Timestamp

    public init(name: String, oldKey: PublicSigningKey, newKey: PublicSigningKey, by: String, at: Timestamp) {
        self.name = name
        self.oldKey = oldKey
        self.newKey = newKey
        self.by = by
        self.at = at
    }
}

/// A peer whose key this node has pinned.
public struct Peer: Sendable, Codable, Equatable {
    public var name: String
    public var url: String
    public var signingKey: PublicSigningKey
    /// The X25519 key evidence is encrypted to; every pinned peer has one.
    public var encryptionKey: PublicEncryptionKey
    public var addedAt: Timestamp
    /// The peer's signed profile as last fetched, if any.
    public var profile: [UInt8]?

    public init(name: String, url: String, signingKey: PublicSigningKey, encryptionKey: PublicEncryptionKey, addedAt: Timestamp, profile: [UInt8]? = nil) {
        self.name = name
        self.url = url
        self.signingKey = signingKey
        self.encryptionKey = encryptionKey
        self.addedAt = addedAt
        self.profile = profile
    }

    enum CodingKeys: String, CodingKey {
        case name, url
        case signingKey = "signing_key"
        case encryptionKey = "encryption_key"
        case addedAt = "added_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        url = try c.decode(String.self, forKey: .url)
        signingKey = try PublicSigningKey(base64: c.decode(String.self, forKey: .signingKey))
        encryptionKey = try PublicEncryptionKey(base64: c.decode(String.self, forKey: .encryptionKey))
        addedAt = try c.decode(Timestamp.self, forKey: .addedAt)
        profile = nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(url, forKey: .url)
        try c.encode(signingKey.base64, forKey: .signingKey)
        try c.encode(encryptionKey.base64, forKey: .encryptionKey)
        try c.encode(addedAt, forKey: .addedAt)
    }
}

/// An event as this node holds it.
public struct StoredEvent: Sendable {
    public var event: Event
    /// Local order of arrival or authorship.
    public var sequence: Int64
    public var receivedAt: Timestamp
    /// Position in this node's own log, for events it authored.
    public var logIndex: Int64?

    public init(event: Event, sequence: Int64, receivedAt: Timestamp, logIndex: Int64?) {
        self.event = event
        self.sequence = sequence
        self.receivedAt = receivedAt
        self.logIndex = logIndex
    }
}

/// What a node accepted from one inbound batch, written in one transaction.
public struct InboundReceipt: Sendable {
    public var peer: String
    public var batchID: String
    public var events: [Event]
    /// The latest state of every case the accepted events touched.
    public var caseStates: [CaseState]
    /// New signing keys announced by accepted key-rotation events.
    public var keyChanges: [(peer: String, key: PublicSigningKey)]
    /// The sender's new profile and encryption key, from an accepted `node.profile` event.
    public var profile: Peer?
    /// The response body sent for this batch, replayed if the batch id comes again.
    public var result: [UInt8]
    public var now: Timestamp
    /// STIX objects and tombstones from accepted `stix.*` events, for the peer's collections.
    public var taxii: [TAXIIInbound] = []
    /// Notifications to people (webhooks, e-mail) about what the accepted events ask of this node.
    public var notifications: [QueuedNotification] = []

    public init(
        peer: String, batchID: String, events: [Event], caseStates: [CaseState], keyChanges: [(peer: String, key: PublicSigningKey)],
        profile: Peer? = nil, result: [UInt8], now: Timestamp
    ) {
        self.peer = peer
        self.batchID = batchID
        self.events = events
        self.caseStates = caseStates
        self.keyChanges = keyChanges
        self.profile = profile
        self.result = result
        self.now = now
    }
}

public struct CaseQuery: Sendable {
    public var status: CaseState.Status?
    public var kind: CaseKind?
    /// Cases this peer takes part in (as initiator or addressee).
    public var peer: String?
    /// Cases with an addressed party in this status; with `peer`, that peer's status.
    public var partyStatus: PartyState.Status?
    public var urgent: Bool?
    /// true: only exercises; false: only real cases; nil: both.
    public var exercise: Bool?
    /// An SQLite FTS5 query over every text of the case's events (`fire AND "port 445"`, `ransom*`).
    /// With a search, cases come in the order of their newest matching event (newest first);
    /// without, by last change.
    public var search: String?
    public var limit: Int
    /// Cases skipped before the first one given (the next page starts at offset + limit).
    public var offset: Int

    public init(status: CaseState.Status? = nil, kind: CaseKind? = nil, limit: Int = 200, offset: Int = 0, peer: String? = nil, partyStatus: PartyState.Status? = nil,
                urgent: Bool? = nil, exercise: Bool? = nil, search: String? = nil) {
        self.status = status
        self.kind = kind
        self.limit = limit
        self.offset = offset
        self.peer = peer
        self.partyStatus = partyStatus
        self.urgent = urgent
        self.exercise = exercise
        self.search = search
    }
}

/// An event waiting for delivery, as stored: its canonical bytes go on the wire unchanged.
public struct OutboxEntry: Sendable {
    public var position: Int64
    public var id: EventID
    public var type: EventType
    public var canonical: [UInt8]
    /// When the event was signed (its `time`).
    public var time: Timestamp

    public init(position: Int64, id: EventID, type: EventType, canonical: [UInt8], time: Timestamp = Timestamp(milliseconds: 0)) {
        self.position = position
        self.id = id
        self.type = type
        self.canonical = canonical
        self.time = time
    }
}

public struct DeliveryRejection: Sendable, Codable, Equatable {
    public var event: EventID
    public var code: String
    public var message: String

    public init(event: EventID, code: String, message: String) {
        self.event = event
        self.code = code
        self.message = message
    }
}

/// An event a peer rejected, or that was held back from it: kept for operators, who may send it again.
public struct ParkedDelivery: Sendable, Codable, Equatable {
    public var event: EventID
    public var position: Int64
    public var type: String
    public var code: String
    public var message: String
    public var at: Timestamp

    public init(event: EventID, position: Int64, type: String, code: String, message: String, at: Timestamp) {
        self.event = event
        self.position = position
        self.type = type
        self.code = code
        self.message = message
        self.at = at
    }
}

public struct DeliveryStatus: Sendable, Codable, Equatable {
    public var peer: String
    /// The last outbox position the peer acknowledged.
    public var delivered: Int64
    public var pending: Int64
    public var rejected: Int64
    public var failures: Int
    public var lastError: String?
    public var nextAttempt: Timestamp?

    enum CodingKeys: String, CodingKey {
        case peer, delivered, pending, rejected, failures
        case lastError = "last_error"
        case nextAttempt = "next_attempt"
    }
}

/// An operator role. Each role may do what the ones after it may, except auditor, which only reads.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads everything, changes nothing.
    case auditor
    /// Reads, and drafts cases for an officer to send.
    case analyst
    /// Signs and sends.
    case officer
    /// Manages peers and tokens, and does all an officer does.
    case admin

    var rank: Int { Role.allCases.firstIndex(of: self)! }
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

public struct TokenRecord: Sendable, Codable, Equatable {
    /// SHA-256 of the bearer token; the token itself is never stored.
    public var hash: [UInt8]
    public var name: String
    public var role: Role
    public var createdAt: Timestamp
    public var revoked: Bool

    public init(hash: [UInt8], name: String, role: Role, createdAt: Timestamp, revoked: Bool = false) {
        self.hash = hash
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.revoked = revoked
    }
}

/// A case or step prepared by an analyst, not yet signed.
public struct Draft: Sendable, Codable, Equatable {
    public var id: String
    public var author: String
    public var createdAt: Timestamp
    /// The request an officer would send, as the operator API takes it.
    public var request: JSONValue

    public init(id: String, author: String, createdAt: Timestamp, request: JSONValue) {
        self.id = id
        self.author = author
        self.createdAt = createdAt
        self.request = request
    }

    enum CodingKeys: String, CodingKey {
        case id, author, request
        case createdAt = "created_at"
    }
}
