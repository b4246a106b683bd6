import AccordCore

/// TAXII 2.1 collections, their objects, the accounts that read and write them, and status
/// resources (docs/operations.md, "TAXII"). Every mutating method is one transaction.
public protocol TAXIIStore: Sendable {
    func saveCollection(_ collection: TAXIICollection) async throws
    func collections() async throws -> [TAXIICollection]
    func collection(_ id: String) async throws -> TAXIICollection?

    /// Adds objects to a collection, each with a `date_added` strictly after every earlier one in
    /// the collection, and saves the status resource `status` makes of the results, in one
    /// transaction: a POST is one commit (and one fsync), its status never missing. An object
    /// whose id and version the collection holds with the same bytes is a duplicate (not stored
    /// again); with other bytes, a conflict.
    ///
    /// With `holdForSharing`, the objects added are also recorded, in that transaction, as a
    /// share owed to the collection's peers (`pendingShares`), settled by the commit of the
    /// events that share them (`AuthoredCommit.settles`); `pendingShare` is its id (nil when
    /// nothing was added).
    func addObjects(
        _ objects: [TAXIINewObject], to collection: String, now: MicroTime, holdForSharing: Bool,
        status: @escaping @Sendable ([TAXIIAddResult]) -> TAXIIStatusRecord
    ) async throws -> (results: [TAXIIAddResult], status: TAXIIStatusRecord, pendingShare: Int64?)
    /// One page of objects (or of their manifest) matching `query`, ascending by `date_added`.
    func objects(_ query: TAXIIObjectQuery) async throws -> TAXIIPage
    /// Deletes the versions of `id` that `versions` selects; returns the versions deleted and,
    /// with `holdForSharing`, the id of the tombstone share owed to peers (see `addObjects`).
    func deleteObject(
        _ id: String, versions: TAXIIVersionFilter, from collection: String, holdForSharing: Bool, now: Timestamp
    ) async throws -> (deleted: [TAXIIDeleted], pendingShare: Int64?)
    /// Shares owed to peers (oldest first): those whose events were never committed because the
    /// node stopped, or failed, between storing and sharing.
    func pendingShares() async throws -> [TAXIIPendingShare]
    /// How many shares are owed to peers (what `pendingShares` would list), without reading them.
    func pendingShareCount() async throws -> Int
    /// The object versions a collection holds with `date_added` in `from...through`, in that order.
    func objectsAdded(to collection: String, from: MicroTime, through: MicroTime) async throws -> [TAXIIStoredObject]
    /// Settles a share owed to peers that turned out to have no audience (TLP withheld it all).
    func settleShare(_ id: Int64) async throws
    /// The peers object versions came from, for those this node received from one (any
    /// collection), keyed by `TAXIIObjectKey`; one read for a whole envelope.
    func provenance(of keys: [TAXIIObjectKey]) async throws -> [TAXIIObjectKey: TAXIIProvenance]

    func saveAccount(_ account: TAXIIAccount) async throws
    func account(named name: String) async throws -> TAXIIAccount?
    func account(tokenHash: [UInt8]) async throws -> TAXIIAccount?
    /// Everything a TAXII request's authorisation needs, in one read: the account `credential`
    /// names and, when the request names a collection, that collection (nil if there is none)
    /// and the account's rights on it. Nil when no account matches.
    func taxiiAccess(_ credential: TAXIICredential, collection: String?) async throws -> TAXIIAccess?
    func accounts() async throws -> [TAXIIAccount]
    func deleteAccount(named name: String) async throws -> Bool
    /// Sets (or, with neither right, removes) an account's rights on a collection.
    func setRight(_ right: TAXIIRight) async throws
    func rights(account: String) async throws -> [TAXIIRight]
    func rights(collection: String) async throws -> [TAXIIRight]

    func saveStatus(_ status: TAXIIStatusRecord) async throws
    func status(_ id: String) async throws -> TAXIIStatusRecord?
}

/// Who a TAXII request says it is: a bearer token (by its SHA-256) or an account name (HTTP
/// Basic; the password is checked against the account's hash afterwards).
public enum TAXIICredential: Sendable, Hashable {
    case tokenHash([UInt8])
    case name(String)
}

/// An account, and the collection a request names with the account's rights on it.
public struct TAXIIAccess: Sendable, Equatable {
    public var account: TAXIIAccount
    public var collection: TAXIICollection?
    public var right: TAXIIRight?

    public init(account: TAXIIAccount, collection: TAXIICollection?, right: TAXIIRight?) {
        self.account = account
        self.collection = collection
        self.right = right
    }
}

/// One version of one object, in any collection.
public struct TAXIIObjectKey: Hashable, Sendable {
    public var id: String
    public var version: Int64
    public init(id: String, version: Int64) {
        self.id = id
        self.version = version
    }
}

/// Where a received object version came from, and the TLP level it came with.
public struct TAXIIProvenance: Sendable, Equatable {
    public var origin: String
    public var tlp: Int?
}

/// Microseconds since 1970 (UTC): TAXII's `date_added` and STIX versions keep that precision.
public typealias MicroTime = Int64

/// A TAXII collection. Local collections are written by TAXII clients and may be published to
/// peers; inbound ones (`inboundPeer` set) hold what a peer shared with this node.
public struct TAXIICollection: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String?
    /// Peers every object posted here is shared with (TLP permitting).
    public var shareTo: [String]
    /// Peers named to receive this collection's TLP:RED objects (none: RED stays here).
    public var redTo: [String]
    /// The peer whose shares this collection receives; nil for a local collection.
    public var inboundPeer: String?
    /// At most one account may read it, none write it: where a peer's TLP:RED objects land.
    public var restricted: Bool
    public var createdAt: Timestamp

    /// Shares what is posted here with at least one peer.
    public var publishes: Bool { !(shareTo.isEmpty && redTo.isEmpty) }

    public init(id: String, title: String, description: String? = nil, shareTo: [String] = [], redTo: [String] = [], inboundPeer: String? = nil,
                restricted: Bool = false, createdAt: Timestamp) {
        self.id = id
        self.title = title
        self.description = description
        self.shareTo = shareTo
        self.redTo = redTo
        self.inboundPeer = inboundPeer
        self.restricted = restricted
        self.createdAt = createdAt
    }
}

/// An object to add: its canonical bytes and the facts queries filter on.
public struct TAXIINewObject: Sendable {
    public var id: String
    public var type: String
    public var specVersion: String
    /// `modified`, else `created`, as microseconds; nil when the object has neither (its
    /// version is then its `date_added`).
    public var version: MicroTime?
    public var body: [UInt8]
    /// The TLP level judged on arrival (`TLPLevel.rawValue`), nil when unmarked.
    public var tlp: Int?
    /// The peer it came from; nil when a client of this node posted it.
    public var origin: String?

    public init(id: String, type: String, specVersion: String, version: MicroTime?, body: [UInt8], tlp: Int?, origin: String?) {
        self.id = id
        self.type = type
        self.specVersion = specVersion
        self.version = version
        self.body = body
        self.tlp = tlp
        self.origin = origin
    }
}

public enum TAXIIAddResult: Sendable, Equatable {
    case added(version: MicroTime, dateAdded: MicroTime)
    case duplicate(version: MicroTime)
    /// Another object with the same id and version is stored.
    case conflict(version: MicroTime)
}

/// `match[version]`: any of these (OR); empty means the default, `last`.
public struct TAXIIVersionFilter: Sendable, Hashable {
    public var first = false
    public var last = false
    public var all = false
    public var exact: [MicroTime] = []

    public init(first: Bool = false, last: Bool = false, all: Bool = false, exact: [MicroTime] = []) {
        self.first = first
        self.last = last
        self.all = all
        self.exact = exact
    }

    public var isEmpty: Bool { !first && !last && !all && exact.isEmpty }
}

public struct TAXIIObjectQuery: Sendable {
    public var collection: String
    /// Only objects added strictly after this (`added_after`, or a cursor's position).
    public var addedAfter: MicroTime?
    public var ids: [String] = []
    public var types: [String] = []
    public var specVersions: [String] = []
    public var versions = TAXIIVersionFilter(last: true)
    public var limit: Int

    public init(collection: String, addedAfter: MicroTime? = nil, ids: [String] = [], types: [String] = [], specVersions: [String] = [],
                versions: TAXIIVersionFilter = TAXIIVersionFilter(last: true), limit: Int) {
        self.collection = collection
        self.addedAfter = addedAfter
        self.ids = ids
        self.types = types
        self.specVersions = specVersions
        self.versions = versions
        self.limit = limit
    }
}

public struct TAXIIStoredObject: Sendable {
    public var id: String
    public var version: MicroTime
    public var dateAdded: MicroTime
    public var body: [UInt8]
    public var tlp: Int?
    public var origin: String?
}

public struct TAXIIPage: Sendable {
    public var objects: [TAXIIStoredObject]
    /// More objects match after the last one of this page.
    public var more: Bool
}

/// A share a published collection owes its peers (see `TAXIIStore.addObjects`).
public struct TAXIIPendingShare: Sendable, Equatable {
    public enum Work: Sendable, Equatable {
        /// The objects added with `date_added` in this range.
        case added(from: MicroTime, through: MicroTime)
        /// These versions, deleted: a tombstone.
        case deleted([TAXIIDeleted])
    }

    public var id: Int64
    public var collection: String
    public var work: Work
    public var createdAt: Timestamp

    public init(id: Int64, collection: String, work: Work, createdAt: Timestamp) {
        self.id = id
        self.collection = collection
        self.work = work
        self.createdAt = createdAt
    }
}

public struct TAXIIDeleted: Sendable, Equatable {
    public var id: String
    public var version: MicroTime

    public init(id: String, version: MicroTime) {
        self.id = id
        self.version = version
    }
}

/// A TAXII account: HTTP Basic with a PBKDF2 password hash, and/or a bearer token's SHA-256.
public struct TAXIIAccount: Sendable, Equatable {
    public var name: String
    /// `pbkdf2-sha256$<rounds>$<salt b64>$<hash b64>`; nil when the account uses a token only.
    public var passwordHash: String?
    public var tokenHash: [UInt8]?
    public var createdAt: Timestamp

    public init(name: String, passwordHash: String?, tokenHash: [UInt8]?, createdAt: Timestamp) {
        self.name = name
        self.passwordHash = passwordHash
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}

public struct TAXIIRight: Sendable, Equatable {
    public var account: String
    public var collection: String
    public var read: Bool
    public var write: Bool

    public init(account: String, collection: String, read: Bool, write: Bool) {
        self.account = account
        self.collection = collection
        self.read = read
        self.write = write
    }
}

/// A status resource as served: the account that made it may read it.
public struct TAXIIStatusRecord: Sendable {
    public var id: String
    public var account: String
    /// The status resource's JSON.
    public var body: [UInt8]
    public var createdAt: Timestamp

    public init(id: String, account: String, body: [UInt8], createdAt: Timestamp) {
        self.id = id
        self.account = account
        self.body = body
        self.createdAt = createdAt
    }
}
