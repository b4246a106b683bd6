import AccordCore
import AccordStore
import Logging
import Synchronization

/// A running Accord node: its identity, its store, and the rules it applies to what it
/// authors and what it receives. HTTP, delivery and the CLI are built on this.
public final class Node: Sendable {
    public let configuration: NodeConfiguration
    public let store: any Store
    public let time: any TimeSource
    public let logger: Logger
    let keyBox: Mutex<NodeKeys>
    /// What the node says about itself: the configuration's profile, or an admin's later edit.
    let profileInfoBox: Mutex<ProfileInfo>
    /// Keys this node signed with before rotations, by public key: still needed to sign
    /// requests that carry events a peer must verify with the key it has pinned.
    let retiredKeys: Mutex<[PublicSigningKey: NodeKeys]>
    /// Where the node's files are, when it runs from a data directory.
    public let directory: DataDirectory?
    /// Serialises every read-modify-write of case state on this node.
    let caseLock = AsyncLock()
    let deliverySignals = Mutex<[String: Signal]>([:])
    /// Fired when peers are pinned or unpinned through this node, so its workers look again at once.
    let peerListSignal = Signal()
    let receiptWaiters = Mutex<[EventID: [OneShot]]>([:])
    /// Batches held until the batch they follow (`after`) is processed, by peer and batch id.
    let batchWaiters = Mutex<[BatchKey: [OneShot]]>([:])
    let commits: GroupCommit
    /// Node-to-node requests made and answered, by path.
    public let traffic = NodeTraffic()
    /// What `GET /metrics` shows: this node's own registry.
    public let metrics = NodeMetrics()
    /// Request bodies held in memory at once, across every connection (`limits.body_bytes_in_flight`).
    public let bodyBudget: BodyBudget
    /// Peers whose parked events an operator asked to send again; their delivery worker takes the request.
    let resendRequests = Mutex<Set<String>>([])
    /// Origins of events received since the receipt round last looked: the only ones, with those
    /// still awaiting receipts, it asks.
    let receivedOrigins = Mutex<Set<String>>([])
    /// What this node passes on in checkpoint exchanges.
    public let gossip = GossipState()
    /// Told of each alert this node detects itself (not of those it verified from a peer's
    /// evidence), to pass it on to every peer at once.
    let alertListener = Mutex<(@Sendable (EquivocationAlert) -> Void)?>(nil)
    /// Evidence files on their way in from peers: progress, and the signal that starts a transfer.
    public let evidenceTransfers = EvidenceTransfers()
    /// One retention pass over evidence at a time (the hourly service, an operator's call).
    let evidencePurgeLock = AsyncLock()
    /// Fired when notifications are queued, so the notification service sends them at once.
    let notificationsQueued = Signal()
    /// TAXII shares owed to peers that a request of this process is sharing now
    /// (`TAXIIStore.pendingShares`): the retry pass leaves them alone.
    let sharesInFlight = Mutex<Set<Int64>>([])

    public var name: String { configuration.name }
    public var keys: NodeKeys { keyBox.withLock { $0 } }
    /// The contact details the node's next profile announces.
    public var profileInfo: ProfileInfo { profileInfoBox.withLock { $0 } }
    public var policy: DeadlinePolicy { configuration.deadlines }

    /// How far in the future a received event's time may lie (clock differences between nodes).
    public static let maxFutureSkewSeconds: Int64 = 300

    public init(configuration: NodeConfiguration, keys: NodeKeys, store: any Store, time: any TimeSource = SystemTime(), logger: Logger? = nil,
                directory: DataDirectory? = nil, retiredKeys: [NodeKeys] = []) {
        self.configuration = configuration
        self.bodyBudget = BodyBudget(capacity: configuration.limits.bodyBytesInFlight)
        self.commits = GroupCommit(metrics: metrics)
        self.keyBox = Mutex(keys)
        self.profileInfoBox = Mutex(configuration.profile)
        self.retiredKeys = Mutex(Dictionary(retiredKeys.map { ($0.publicSigningKey, $0) }, uniquingKeysWith: { a, _ in a }))
        self.directory = directory
        self.store = store
        self.time = time
        var l = logger ?? Logger(label: "accord.node")
        l[metadataKey: "node"] = .string(configuration.name)
        self.logger = l
    }

    /// Opens the node kept in `directory`.
    public static func open(_ directory: DataDirectory, time: any TimeSource = SystemTime(), logger: Logger? = nil) throws -> Node {
        let configuration = try directory.loadConfiguration()
        try configuration.notifications.checkSecrets(directory: directory)
        try configuration.metrics.checkSecrets(directory: directory)
        let store = try directory.openStore()
        try directory.finishInterruptedRotation(announced: store.announcedSigningKeys())
        try directory.finishInterruptedEncryptionRotation(announced: store.latestProfileEncryptionKey())
        let keys = try directory.loadKeys()
        return Node(configuration: configuration, keys: keys, store: store, time: time, logger: logger,
                    directory: directory, retiredKeys: try directory.loadRetiredKeys())
    }

    /// A case's current state on this node, including steps still being committed.
    func currentState(_ id: EventID) async throws -> CaseState? {
        if let s = commits.cached(id) { return s }
        return try await store.caseState(id)
    }

    /// The node's latest signed profile.
    public func profile() async throws -> Event {
        if let hex = try await store.metadata(Profile.metadataKey), let id = EventID(hex: hex), let stored = try await store.event(id) {
            return stored.event
        }
        throw AccordError(.notFound, "this node has no profile; it was not created with accord init")
    }

    // MARK: Delivery signals

    func signal(for peer: String) -> Signal {
        deliverySignals.withLock { signals in
            if let s = signals[peer] { return s }
            let s = Signal()
            signals[peer] = s
            return s
        }
    }

    func wakeDelivery(for peers: [String]) {
        for peer in peers { signal(for: peer).fire() }
    }

    /// Peers were pinned, replaced or unpinned: delivery starts or stops its workers now
    /// (otherwise it looks again within `DeliveryService.peerRefresh`).
    public func peersChanged() {
        peerListSignal.fire()
        wakeDelivery(for: deliverySignals.withLock { Array($0.keys) })
    }

    /// Asks the delivery worker of `peer` to send its parked events (rejected or held) again.
    public func requestResend(to peer: String) async throws {
        guard try await store.peer(named: peer) != nil else { throw AccordError(.notFound, "no pinned peer named \(peer)") }
        _ = resendRequests.withLock { $0.insert(peer) }
        wakeDelivery(for: [peer])
    }

    func takeResendRequest(for peer: String) -> Bool {
        resendRequests.withLock { $0.remove(peer) != nil }
    }

    // MARK: Receipt notifications

    /// Returns once this node has stored the received event `id` (at once if it already has).
    public func waitForReceipt(of id: EventID) async throws {
        // Receipts are committed under the case lock, so checking and registering under it cannot miss one.
        let waiter = OneShot()
        let stored = try await caseLock.withLock {
            if try await store.containsEvent(id) { return true }
            receiptWaiters.withLock { $0[id, default: []].append(waiter) }
            return false
        }
        if !stored { await waiter.wait() }
    }

    func notifyReceipt(of ids: [EventID]) {
        let ready = receiptWaiters.withLock { waiters -> [OneShot] in
            if waiters.isEmpty { return [] }
            return ids.flatMap { waiters.removeValue(forKey: $0) ?? [] }
        }
        for w in ready { w.fire() }
    }
}
