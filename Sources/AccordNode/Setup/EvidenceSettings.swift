import AccordCore

/// Evidence files on this node (`evidence` in `accord.json`; docs/operations.md). Every key
/// is optional; a file without the section gets the defaults.
public struct EvidenceSettings: Sendable, Codable, Equatable {
    /// The largest file this node attaches or accepts from a peer (2 GiB).
    public var maxFileBytes: Int64
    /// Encrypted evidence this node keeps on disk at most, across all cases (0: no limit).
    /// A new attachment, or a transfer from a peer, that would pass it is refused before any byte moves.
    public var maxDiskBytes: Int64
    /// Days after a case closes (or is withdrawn) until the node deletes its copies of the
    /// case's evidence files (0: never). The records and hashes stay; the deletion is a custody event.
    public var retentionDays: Int
    /// Files fetched from peers at once.
    public var transfersAtOnce: Int
    /// Bytes per second one transfer may take (0: no limit).
    public var transferBytesPerSecond: Int64

    public init(maxFileBytes: Int64 = 2 << 30, maxDiskBytes: Int64 = 0, retentionDays: Int = 365, transfersAtOnce: Int = 2,
                transferBytesPerSecond: Int64 = 0) {
        self.maxFileBytes = maxFileBytes
        self.maxDiskBytes = maxDiskBytes
        self.retentionDays = retentionDays
        self.transfersAtOnce = transfersAtOnce
        self.transferBytesPerSecond = transferBytesPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case maxFileBytes = "max_file_bytes"
        case maxDiskBytes = "max_disk_bytes"
        case retentionDays = "retention_days"
        case transfersAtOnce = "transfers_at_once"
        case transferBytesPerSecond = "transfer_bytes_per_second"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvidenceSettings()
        maxFileBytes = try c.decodeIfPresent(Int64.self, forKey: .maxFileBytes) ?? d.maxFileBytes
        maxDiskBytes = try c.decodeIfPresent(Int64.self, forKey: .maxDiskBytes) ?? d.maxDiskBytes
        retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays) ?? d.retentionDays
        transfersAtOnce = try c.decodeIfPresent(Int.self, forKey: .transfersAtOnce) ?? d.transfersAtOnce
        transferBytesPerSecond = try c.decodeIfPresent(Int64.self, forKey: .transferBytesPerSecond) ?? d.transferBytesPerSecond
    }

    func validate() throws(AccordError) {
        guard maxFileBytes >= 0 else { throw AccordError(.configuration, "evidence.max_file_bytes must be a byte count") }
        guard maxDiskBytes >= 0 else { throw AccordError(.configuration, "evidence.max_disk_bytes must be a byte count (0: no limit)") }
        guard (0...36_500).contains(retentionDays) else { throw AccordError(.configuration, "evidence.retention_days must be 0–36500 (0: keep)") }
        guard (1...16).contains(transfersAtOnce) else { throw AccordError(.configuration, "evidence.transfers_at_once must be 1–16") }
        guard transferBytesPerSecond >= 0 else { throw AccordError(.configuration, "evidence.transfer_bytes_per_second must be a byte count (0: no limit)") }
    }
}
