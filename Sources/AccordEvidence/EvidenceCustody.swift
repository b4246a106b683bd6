import AccordCore

/// One step in an evidence file's chain of custody, as an `evidence.custody` event says it
/// (docs/protocol.md §12.4). Who and when are the event's signer and time; which file is the
/// `evidence.file_added` event it names. The attachment itself is the chain's first link.
public struct EvidenceCustody: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// The author's node served the whole encrypted file to `peer`.
        case sent
        /// Every chunk arrived from `peer` and authenticated.
        case received
        /// The decrypted file's SHA-256 matched the attachment's.
        case verified
        /// An operator read the decrypted file through the node (shown, not saved elsewhere).
        case opened
        /// An operator saved the decrypted file outside the node.
        case exported
        /// The node deleted its encrypted copy (retention or an operator); the record stays.
        case purged
    }

    /// The `evidence.file_added` event.
    public var evidence: EventID
    public var action: Action
    /// The other node, for `sent` (to) and `received` (from).
    public var peer: String?
    /// The SHA-256 of the plaintext the node holds or handled, where it checked it.
    public var sha256: [UInt8]?
    /// Bytes moved (`sent`, `received`).
    public var bytes: Int64?
    /// The operator account (token name) that acted, for `opened`, `exported` and `purged` by hand.
    public var by: String?
    /// Why, in words (`purged`: the retention rule that applied).
    public var reason: String?

    public init(evidence: EventID, action: Action, peer: String? = nil, sha256: [UInt8]? = nil, bytes: Int64? = nil, by: String? = nil, reason: String? = nil) {
        self.evidence = evidence
        self.action = action
        self.peer = peer
        self.sha256 = sha256
        self.bytes = bytes
        self.by = by
        self.reason = reason
    }

    public var body: [String: JSONValue] {
        var b: [String: JSONValue] = ["evidence": .string(evidence.hex), "action": .string(action.rawValue)]
        if let peer { b["peer"] = .string(peer) }
        if let sha256 { b["sha256"] = .string(Encoding.hex(sha256)) }
        if let bytes { b["bytes"] = .number(Double(bytes)) }
        if let by { b["by"] = .string(by) }
        if let reason { b["reason"] = .string(reason) }
        return b
    }

    /// Reads and checks an event body; every problem names its member.
    public init(body: [String: JSONValue]) throws(AccordError) {
        let known: Set<String> = ["evidence", "action", "peer", "sha256", "bytes", "by", "reason"]
        if let extra = body.keys.sorted().first(where: { !known.contains($0) }) {
            throw AccordError(.invalidField, "a custody record has no member \(extra)", field: extra)
        }
        guard let idText = body["evidence"]?.stringValue, let id = EventID(hex: idText) else {
            throw AccordError(.invalidField, "evidence is the id of an evidence.file_added event (64 hex digits)", field: "evidence")
        }
        guard let actionText = body["action"]?.stringValue, let action = Action(rawValue: actionText) else {
            throw AccordError(.invalidField, "action is one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))", field: "action")
        }
        func text(_ key: String, max: Int) throws(AccordError) -> String? {
            guard let value = body[key] else { return nil }
            guard let s = value.stringValue, !s.isEmpty, s.utf8.count <= max else {
                throw AccordError(.invalidField, "\(key) is a non-empty string of at most \(max) bytes", field: key)
            }
            return s
        }
        let peer = try text("peer", max: 63)
        if let peer, !NodeName.isValid(peer) { throw AccordError(.invalidField, "peer is a node name", field: "peer") }
        if (action == .sent || action == .received) && peer == nil {
            throw AccordError(.missingField, "a \(action.rawValue) record names the peer", field: "peer")
        }
        var sha: [UInt8]? = nil
        if let hex = try text("sha256", max: 64) {
            guard hex.utf8.count == 64, hex == hex.lowercased(), let bytes = Encoding.unhex(hex) else {
                throw AccordError(.invalidField, "sha256 is 64 lowercase hex digits", field: "sha256")
            }
            sha = bytes
        }
        var bytes: Int64? = nil
        if let value = body["bytes"] {
            guard let n = value.intValue, n >= 0 else { throw AccordError(.invalidField, "bytes is a byte count", field: "bytes") }
            bytes = Int64(n)
        }
        self.init(evidence: id, action: action, peer: peer, sha256: sha, bytes: bytes, by: try text("by", max: 255), reason: try text("reason", max: 1024))
    }
}
