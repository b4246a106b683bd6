import AccordCore

/// What a node keeps about its own Merkle log: the tree, the checkpoints it signed and the
/// cosignatures it gathered. (What it keeps about its peers' logs is `WitnessStore`.)
///
/// Each mutating method is one transaction. The tree is read node by node (perfect subtrees
/// keyed by level and index), so memory use does not grow with the log.
public protocol LogStore: Sendable {
    // MARK: This node's log
    /// The RFC 9162 root of the first `size` leaves of this node's log.
    func logRoot(size: Int64) async throws -> [UInt8]
    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    func inclusionProof(index: Int64, size: Int64) async throws -> [[UInt8]]
    /// The consistency proof between the trees of `oldSize` and `newSize` leaves.
    func consistencyProof(from oldSize: Int64, to newSize: Int64) async throws -> [[UInt8]]
    /// The log index of an event this node authored.
    func logIndex(of event: EventID) async throws -> Int64?
    /// Up to `limit` leaves (event ids) from `index` on, in log order.
    func logLeaves(from index: Int64, limit: Int) async throws -> [EventID]

    // MARK: This node's checkpoints
    /// Stores a checkpoint this node signed (its note carries only the origin's signature).
    /// A checkpoint of a size stored before is left as it was.
    func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws
    /// The checkpoint of the largest size, with the cosignatures gathered so far.
    func latestCheckpoint() async throws -> StoredCheckpoint?
    /// The checkpoint of the largest size that a quorum of witnesses cosigned.
    func latestWitnessedCheckpoint() async throws -> StoredCheckpoint?
    func checkpoint(size: Int64) async throws -> StoredCheckpoint?
    /// Adds cosignatures to the checkpoint of `size`; marks it witnessed once `quorum`
    /// distinct witnesses cosigned it. Returns the checkpoint as it then stands.
    func addCosignatures(size: Int64, _ cosignatures: [StoredCosignature], quorum: Int, now: Timestamp) async throws -> StoredCheckpoint?
    /// The largest size `witness` cosigned (0 if none): the old size to send it next.
    func lastCosignedSize(by witness: String) async throws -> Int64
}

/// What this node keeps about its peers' logs: the state it witnessed, checkpoints it
/// observed, receipts for the events it received, their key history, and equivocation alerts.
public protocol WitnessStore: Sendable {
    // MARK: Witnessing peers' logs
    func witnessState(origin: String) async throws -> WitnessState?
    func witnessStates() async throws -> [WitnessState]
    /// Reads the latest checkpoint witnessed for `origin` and, in the same transaction,
    /// stores what `decide` returns as the new state (nil: unchanged). `decide` may throw to
    /// refuse; nothing is then written.
    func updateWitnessState<T: Sendable>(origin: String, _ decide: @escaping @Sendable (WitnessState?) throws -> (WitnessState?, T)) async throws -> T
    /// Remembers a peer's checkpoint seen in a receipt or an exchange; the same (origin, size,
    /// root) again replaces the note kept (the caller passes one with more cosignatures).
    func saveObservedCheckpoint(_ observed: ObservedCheckpoint) async throws
    /// The largest checkpoint of `origin` this node observed whose size is at most `size`.
    func observedCheckpoint(origin: String, atMost size: Int64) async throws -> ObservedCheckpoint?

    // MARK: Receipts
    /// The checkpoint note of the receipt with the largest tree size at most `size` among the
    /// receipts for `origin`'s events (receipts are never pruned).
    func receiptCheckpoint(origin: String, atMost size: Int64) async throws -> String?
    func saveReceipt(_ receipt: Receipt) async throws
    func receipt(for event: EventID) async throws -> Receipt?
    /// Events received from `origin` that have no receipt yet, after local sequence `after`, in order.
    func eventsAwaitingReceipt(origin: String, after sequence: Int64, limit: Int) async throws -> [AwaitingReceipt]

    // MARK: Key history
    /// The `node.key_rotation` events of `origin` this node holds (authored or received), in
    /// the order it stored them: what a proof bundle's rotation chain is built from.
    func keyRotations(origin: String) async throws -> [Event]

    // MARK: Equivocation alerts
    /// Records an alert; returns false if the same pair of notes was reported before.
    func raiseAlert(_ alert: EquivocationAlert) async throws -> Bool
    func alerts() async throws -> [EquivocationAlert]
}

/// A checkpoint of this node's own log.
public struct StoredCheckpoint: Sendable, Equatable {
    public var size: Int64
    public var root: [UInt8]
    /// The signed note: the checkpoint text, this node's signature and any cosignatures.
    public var note: String
    public var issuedAt: Timestamp
    /// The witnesses whose cosignatures the note carries.
    public var cosigners: [String]
    /// When a quorum of witnesses had cosigned it.
    public var witnessedAt: Timestamp?

    public init(size: Int64, root: [UInt8], note: String, issuedAt: Timestamp, cosigners: [String] = [], witnessedAt: Timestamp? = nil) {
        self.size = size
        self.root = root
        self.note = note
        self.issuedAt = issuedAt
        self.cosigners = cosigners
        self.witnessedAt = witnessedAt
    }
}

/// One witness's cosignature line on one of this node's checkpoints.
public struct StoredCosignature: Sendable, Equatable {
    public var witness: String
    /// The note signature line, newline included.
    public var line: String
    public var timestamp: Int64

    public init(witness: String, line: String, timestamp: Int64) {
        self.witness = witness
        self.line = line
        self.timestamp = timestamp
    }
}

/// The latest checkpoint this node, as a witness, cosigned for a peer's log.
public struct WitnessState: Sendable, Equatable {
    public var origin: String
    public var size: Int64
    public var root: [UInt8]
    /// The checkpoint note as received (origin's signature included).
    public var note: String
    public var updatedAt: Timestamp

    public init(origin: String, size: Int64, root: [UInt8], note: String, updatedAt: Timestamp) {
        self.origin = origin
        self.size = size
        self.root = root
        self.note = note
        self.updatedAt = updatedAt
    }
}

/// A peer's checkpoint this node saw without cosigning it.
public struct ObservedCheckpoint: Sendable, Equatable {
    public var origin: String
    public var size: Int64
    public var root: [UInt8]
    public var note: String
    /// Who showed it: a peer's name, or "receipt".
    public var source: String
    public var observedAt: Timestamp

    public init(origin: String, size: Int64, root: [UInt8], note: String, source: String, observedAt: Timestamp) {
        self.origin = origin
        self.size = size
        self.root = root
        self.note = note
        self.source = source
        self.observedAt = observedAt
    }
}

/// Proof that a received event is in its origin's log, against a witnessed checkpoint.
public struct Receipt: Sendable, Equatable {
    public var event: EventID
    public var origin: String
    public var leafIndex: Int64
    public var treeSize: Int64
    /// RFC 9162 inclusion proof, lowest hash first.
    public var proof: [[UInt8]]
    /// The checkpoint note with the origin's signature and the cosignatures.
    public var checkpoint: String
    public var obtainedAt: Timestamp

    public init(event: EventID, origin: String, leafIndex: Int64, treeSize: Int64, proof: [[UInt8]], checkpoint: String, obtainedAt: Timestamp) {
        self.event = event
        self.origin = origin
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.proof = proof
        self.checkpoint = checkpoint
        self.obtainedAt = obtainedAt
    }
}

/// A received event still waiting for its receipt.
public struct AwaitingReceipt: Sendable, Equatable {
    public var sequence: Int64
    public var event: EventID
    public var origin: String

    public init(sequence: Int64, event: EventID, origin: String) {
        self.sequence = sequence
        self.event = event
        self.origin = origin
    }
}

/// Evidence that a log's origin signed two checkpoints that cannot both be true.
public struct EquivocationAlert: Sendable, Equatable {
    public var id: Int64
    /// `same_size_different_root`, `inconsistent_proof` or `not_in_own_log`.
    public var kind: String
    /// The log whose origin equivocated.
    public var origin: String
    /// How it was found: "add-checkpoint from X", "exchange with X", …
    public var detectedVia: String
    public var message: String
    /// Both signed checkpoint notes, as received.
    public var first: String
    public var second: String
    public var raisedAt: Timestamp

    public init(id: Int64 = 0, kind: String, origin: String, detectedVia: String, message: String, first: String, second: String, raisedAt: Timestamp) {
        self.id = id
        self.kind = kind
        self.origin = origin
        self.detectedVia = detectedVia
        self.message = message
        self.first = first
        self.second = second
        self.raisedAt = raisedAt
    }
}
