import AccordCore

/// The Merkle log section of `accord.json` (`"log": {...}`). Every key may be left out.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `checkpoint_interval_s` | 10 | how often the node signs a checkpoint of its log (when it grew) and asks its peers to cosign it; 0 turns the schedule off (on demand only) |
/// | `witness_quorum` | 1 | cosignatures from distinct peers a checkpoint needs to count as witnessed (for receipts, bundles) |
/// | `receipt_interval_s` | 5 | how often the node asks origins for inclusion proofs of the events it received; 0 turns it off |
/// | `gossip_interval_s` | 60 | how often (on average; each wait is drawn from ±25 % of it) the node pulls recent checkpoints from `gossip_fanout` peers chosen at random; 0 turns it off |
/// | `gossip_fanout` | 3 | peers asked in each exchange interval |
/// | `request_timeout_s` | 10 | time allowed for one witness, receipt or exchange request |
/// | `witnesses` | — | the peers asked to cosign this node's checkpoints, by name; without it, `witness_set_size` peers chosen by rendezvous hashing |
/// | `witness_set_size` | 5 | how many peers cosign this node's checkpoints when `witnesses` is not given; 0 = every pinned peer |
public struct LogSettings: Sendable, Codable, Equatable {
    public var checkpointIntervalSeconds: Int
    public var witnessQuorum: Int
    public var receiptIntervalSeconds: Int
    public var gossipIntervalSeconds: Int
    public var requestTimeoutSeconds: Int
    /// The witness set, named; nil = chosen from the pinned peers (`witnessSetSize`).
    public var witnesses: [String]?
    public var witnessSetSize: Int
    public var gossipFanout: Int

    public init(checkpointIntervalSeconds: Int = 10, witnessQuorum: Int = 1, receiptIntervalSeconds: Int = 5, gossipIntervalSeconds: Int = 60,
                requestTimeoutSeconds: Int = 10, witnesses: [String]? = nil, witnessSetSize: Int = 5, gossipFanout: Int = 3) {
        self.checkpointIntervalSeconds = checkpointIntervalSeconds
        self.witnessQuorum = witnessQuorum
        self.receiptIntervalSeconds = receiptIntervalSeconds
        self.gossipIntervalSeconds = gossipIntervalSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.witnesses = witnesses
        self.witnessSetSize = witnessSetSize
        self.gossipFanout = gossipFanout
    }

    /// Exchange intervals a checkpoint stays "hot" (passed on) after a node learns it.
    public static let hotIntervals = 10

    /// How long a checkpoint is passed on in exchanges: `hotIntervals` exchange intervals
    /// (of at least a minute).
    public var gossipHotSeconds: Int { Self.hotIntervals * max(gossipIntervalSeconds, 60) }

    /// Settings for tests: nothing runs on a schedule; everything is triggered on demand.
    public static let onDemand = LogSettings(checkpointIntervalSeconds: 0, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0)

    enum CodingKeys: String, CodingKey {
        case checkpointIntervalSeconds = "checkpoint_interval_s"
        case witnessQuorum = "witness_quorum"
        case receiptIntervalSeconds = "receipt_interval_s"
        case gossipIntervalSeconds = "gossip_interval_s"
        case requestTimeoutSeconds = "request_timeout_s"
        case witnesses
        case witnessSetSize = "witness_set_size"
        case gossipFanout = "gossip_fanout"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LogSettings()
        checkpointIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .checkpointIntervalSeconds) ?? d.checkpointIntervalSeconds
        witnessQuorum = try c.decodeIfPresent(Int.self, forKey: .witnessQuorum) ?? d.witnessQuorum
        receiptIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .receiptIntervalSeconds) ?? d.receiptIntervalSeconds
        gossipIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .gossipIntervalSeconds) ?? d.gossipIntervalSeconds
        requestTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .requestTimeoutSeconds) ?? d.requestTimeoutSeconds
        witnesses = try c.decodeIfPresent([String].self, forKey: .witnesses)
        witnessSetSize = try c.decodeIfPresent(Int.self, forKey: .witnessSetSize) ?? d.witnessSetSize
        gossipFanout = try c.decodeIfPresent(Int.self, forKey: .gossipFanout) ?? d.gossipFanout
    }

    func validate() throws(AccordError) {
        guard checkpointIntervalSeconds >= 0, receiptIntervalSeconds >= 0, gossipIntervalSeconds >= 0 else {
            throw AccordError(.configuration, "log intervals are seconds, 0 (off) or more")
        }
        guard (1...100).contains(witnessQuorum) else { throw AccordError(.configuration, "log.witness_quorum must be 1–100") }
        guard requestTimeoutSeconds > 0 else { throw AccordError(.configuration, "log.request_timeout_s must be positive") }
        guard (1...64).contains(gossipFanout) else { throw AccordError(.configuration, "log.gossip_fanout must be 1–64") }
        guard (0...1000).contains(witnessSetSize) else { throw AccordError(.configuration, "log.witness_set_size must be 0 (every peer) to 1000") }
        if let witnesses {
            guard witnesses.allSatisfy(NodeName.isValid), Set(witnesses).count == witnesses.count else {
                throw AccordError(.configuration, "log.witnesses must list node names, each once")
            }
            guard witnesses.count >= witnessQuorum else {
                throw AccordError(.configuration, "log.witnesses names \(witnesses.count) witnesses, fewer than log.witness_quorum (\(witnessQuorum))")
            }
        } else if witnessSetSize > 0 && witnessSetSize < witnessQuorum {
            throw AccordError(.configuration, "log.witness_set_size (\(witnessSetSize)) is smaller than log.witness_quorum (\(witnessQuorum))")
        }
    }
}
