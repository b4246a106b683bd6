import AccordCore

/// A node's whole log, exported as JSON Lines for offline verification (docs/protocol.md §11):
/// a header line, then one line per leaf in order.
///
/// Header: `{"format": "accord-log-export/v1", "origin", "signing_key", "tree_size",
/// "checkpoint" (signed note), "keys": [{"name", "signing_key"}]}`.
/// Leaf: `{"index", "id", "event"?}` (the event as signed, unless exported without events).
public enum LogExport {
    public static let format = "accord-log-export/v1"

    public static func header(origin: String, key: PublicSigningKey, treeSize: Int64, checkpoint: String, keys: [(String, PublicSigningKey)]) -> JSONValue {
        [
            "format": .string(format), "origin": .string(origin), "signing_key": .string(key.base64), "tree_size": .number(Double(treeSize)),
            "checkpoint": .string(checkpoint),
            "keys": .array(keys.map { ["name": .string($0.0), "signing_key": .string($0.1.base64), "fingerprint": .string($0.1.fingerprint)] }),
        ]
    }

    public static func leaf(index: Int64, id: EventID, event: Event?) -> JSONValue {
        var m: [String: JSONValue] = ["index": .number(Double(index)), "id": .string(id.hex)]
        if let event { m["event"] = event.json }
        return .object(m)
    }

    /// The keys an export carries, by name. Never trusted by `Verifier`; a verifier may copy
    /// them into its own policy after comparing their fingerprints out of band.
    public static func carriedKeys(_ header: JSONValue) -> [String: PublicSigningKey] {
        var keys: [String: PublicSigningKey] = [:]
        if let origin = header["origin"]?.stringValue, let k = try? PublicSigningKey(base64: header["signing_key"]?.stringValue ?? "") { keys[origin] = k }
        for item in header["keys"]?.arrayValue ?? [] {
            if let n = item["name"]?.stringValue, let k = try? PublicSigningKey(base64: item["signing_key"]?.stringValue ?? "") { keys[n] = k }
        }
        return keys
    }

    /// Checks an export line by line with memory that does not grow with the log: the
    /// checkpoint's signatures, every leaf (and its event's signature, following the node's key
    /// rotations from its self-signed profile), and finally the root.
    public struct Verifier {
        public let origin: String
        public let treeSize: Int64
        let root: [UInt8]
        let trustedOriginKey: PublicSigningKey
        public private(set) var cosigners: [String] = []
        public private(set) var leaves: Int64 = 0
        public private(set) var eventsChecked: Int64 = 0
        /// Perfect subtrees of the leaves so far, left to right: (leaf count, hash).
        var stack: [(Int64, [UInt8])] = []
        /// The key the log's events are signed with at this point (nil until leaf 0's profile).
        var chainKey: PublicSigningKey?

        /// Reads the header and checks the checkpoint under the verifier's `policy`: signed by
        /// the key it trusts for the origin, cosigned by at least `policy.quorum` of its
        /// witnesses (`WitnessQuorum`). The header's `keys` play no part.
        public init(header: JSONValue, policy: TrustPolicy) throws(AccordError) {
            guard header["format"]?.stringValue == LogExport.format else {
                throw AccordError(.malformed, "line 1: not an Accord log export (format \(LogExport.format))")
            }
            guard let origin = header["origin"]?.stringValue, let size = header["tree_size"]?.intValue, size >= 0,
                let text = header["checkpoint"]?.stringValue
            else { throw AccordError(.malformed, "line 1: the header needs origin, tree_size and checkpoint") }
            guard let key = policy.origins[origin] else {
                throw AccordError(.badKey, "no trusted key for the log's origin \(origin): pin it (--data) or list it in the trust policy; the keys an export carries are never trusted")
            }
            let note: SignedNote
            do { note = try SignedNote(parsing: text) } catch { throw AccordError(.malformed, "checkpoint: \(error.message)") }
            let checkpoint: Checkpoint
            do { checkpoint = try Checkpoint.open(note, logName: origin, logKey: key) } catch {
                throw AccordError(error.code, "checkpoint: \(error.message)")
            }
            guard checkpoint.origin == origin, checkpoint.size == Int64(size) else {
                throw AccordError(.invalidField, "checkpoint: it is for \(checkpoint.origin) at size \(checkpoint.size), the header says \(origin) at \(size)")
            }
            let cosigned = try policy.checkQuorum(note, origin: origin)
            self.origin = origin
            self.treeSize = Int64(size)
            self.root = checkpoint.rootHash
            self.trustedOriginKey = key
            self.cosigners = cosigned.map(\.name)
        }

        /// Checks the next leaf line.
        public mutating func add(_ line: JSONValue) throws(AccordError) {
            let i = leaves
            guard i < treeSize else { throw AccordError(.invalidField, "leaf \(i): the export has more leaves than the checkpoint's \(treeSize)") }
            guard line["index"]?.intValue == Int(i) else { throw AccordError(.invalidField, "leaf \(i): the line's index is not \(i)") }
            guard let id = line["id"]?.stringValue.flatMap(EventID.init(hex:)) else { throw AccordError(.malformed, "leaf \(i): id is not 64 lowercase hex digits") }
            if let json = line["event"] {
                let event: Event
                do { event = try Event(json: json) } catch { throw AccordError(.malformed, "leaf \(i): the event is not a signed Accord event: \(error.message)") }
                guard event.id == id else { throw AccordError(.invalidField, "leaf \(i): the event's id is \(event.id.hex), not the leaf's \(id.hex)") }
                guard event.origin == origin else { throw AccordError(.invalidField, "leaf \(i): the event's origin is \(event.origin), not \(origin)") }
                if i == 0, event.type == .profile, let k = event.body["signing_key"]?.stringValue.flatMap({ try? PublicSigningKey(base64: $0) }) {
                    chainKey = k
                }
                if let key = chainKey {
                    guard event.isSigned(by: key) else {
                        throw AccordError(.badSignature, "leaf \(i): event \(event.id.short) is not signed by \(origin)'s key at that point (fingerprint \(key.fingerprint))")
                    }
                    eventsChecked += 1
                    if event.type == .keyRotation, let k = try? KeyRotationChain.announcedKey(of: event) {
                        chainKey = k
                    }
                }
            }
            var entry: (Int64, [UInt8]) = (1, Merkle.leafHash(id.bytes))
            while let top = stack.last, top.0 == entry.0 {
                stack.removeLast()
                entry = (top.0 * 2, Merkle.nodeHash(top.1, entry.1))
            }
            stack.append(entry)
            leaves += 1
        }

        /// Checks the count, the root, and that the key chain ends at the trusted key.
        public func finish() throws(AccordError) {
            guard leaves == treeSize else { throw AccordError(.invalidField, "the export has \(leaves) leaves; the checkpoint commits to \(treeSize)") }
            var hash = Merkle.emptyRoot
            if var r = stack.last?.1 {
                for item in stack.dropLast().reversed() { r = Merkle.nodeHash(item.1, r) }
                hash = r
            }
            guard hash == root else {
                throw AccordError(.badProof, "root mismatch: the leaves give \(Encoding.base64(hash)), the checkpoint says \(Encoding.base64(root))")
            }
            if let chainKey, chainKey != trustedOriginKey {
                throw AccordError(.badKey, "the log's key chain ends at fingerprint \(chainKey.fingerprint), not at the trusted key \(trustedOriginKey.fingerprint)")
            }
        }
    }
}
