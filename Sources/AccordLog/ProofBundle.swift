import AccordCore

/// A self-contained proof that an event is in its origin's log: the signed event, its leaf
/// index, an inclusion proof and a cosigned checkpoint, plus the keys it was verified with.
/// Verified offline (docs/protocol.md §10).
public struct ProofBundle: Sendable {
    public static let format = "accord-proof-bundle/v1"

    public struct Key: Sendable, Equatable {
        public var name: String
        /// "origin" or "witness".
        public var role: String
        public var key: PublicSigningKey

        public init(name: String, role: String, key: PublicSigningKey) {
            self.name = name
            self.role = role
            self.key = key
        }
    }

    public var event: Event
    public var leafIndex: Int64
    public var treeSize: Int64
    public var inclusionProof: [[UInt8]]
    /// The checkpoint as a signed note: the origin's signature and the witnesses' cosignatures.
    public var checkpoint: String
    public var keys: [Key]
    /// The number of witness cosignatures the exporting node asked for.
    public var witnessQuorum: Int

    public init(event: Event, leafIndex: Int64, treeSize: Int64, inclusionProof: [[UInt8]], checkpoint: String, keys: [Key], witnessQuorum: Int) {
        self.event = event
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
        self.keys = keys
        self.witnessQuorum = witnessQuorum
    }

    /// The bundle as JSON (members in JCS order when printed canonically).
    public var json: JSONValue {
        .object([
            "format": .string(Self.format),
            "event_id": .string(event.id.hex),
            "event": event.json,
            "leaf_index": .number(Double(leafIndex)),
            "tree_size": .number(Double(treeSize)),
            "leaf_hash": .string(Encoding.base64(Merkle.leafHash(event.id.bytes))),
            "inclusion_proof": .array(inclusionProof.map { .string(Encoding.base64($0)) }),
            "checkpoint": .string(checkpoint),
            "witness_quorum": .number(Double(witnessQuorum)),
            "keys": .array(keys.map { k in
                ["name": .string(k.name), "role": .string(k.role), "signing_key": .string(k.key.base64), "fingerprint": .string(k.key.fingerprint)]
            }),
        ])
    }

    /// Reads a bundle; says which member is missing or wrong.
    public init(json: JSONValue) throws(AccordError) {
        guard case .object(let m) = json else { throw AccordError(.malformed, "a proof bundle is a JSON object") }
        guard m["format"]?.stringValue == Self.format else {
            throw AccordError(.malformed, "\"format\" must be \"\(Self.format)\"", field: "format")
        }
        guard let eventJSON = m["event"] else { throw AccordError(.missingField, "the bundle has no \"event\"", field: "event") }
        let event: Event
        do { event = try Event(json: eventJSON) } catch { throw AccordError(.malformed, "\"event\" is not a signed Accord event: \(error.message)", field: "event") }
        if let id = m["event_id"]?.stringValue, id != event.id.hex {
            throw AccordError(.invalidField, "\"event_id\" is \(id) but the event's id (SHA-256 of its canonical form) is \(event.id.hex)", field: "event_id")
        }
        func integer(_ name: String) throws(AccordError) -> Int64 {
            guard let d = m[name]?.doubleValue, d >= 0, d == d.rounded(), d < 9.0e15 else {
                throw AccordError(.invalidField, "\"\(name)\" must be a non-negative integer", field: name)
            }
            return Int64(d)
        }
        let leafIndex = try integer("leaf_index")
        let treeSize = try integer("tree_size")
        guard let proofItems = m["inclusion_proof"]?.arrayValue else {
            throw AccordError(.missingField, "the bundle has no \"inclusion_proof\" array", field: "inclusion_proof")
        }
        var proof: [[UInt8]] = []
        for (i, item) in proofItems.enumerated() {
            guard let text = item.stringValue, let hash = Encoding.unbase64(text) else {
                throw AccordError(.invalidField, "inclusion_proof[\(i)] is not canonical base64", field: "inclusion_proof")
            }
            proof.append(hash)
        }
        guard let checkpoint = m["checkpoint"]?.stringValue else {
            throw AccordError(.missingField, "the bundle has no \"checkpoint\" (signed note text)", field: "checkpoint")
        }
        var keys: [Key] = []
        for (i, item) in (m["keys"]?.arrayValue ?? []).enumerated() {
            guard let name = item["name"]?.stringValue, let text = item["signing_key"]?.stringValue else {
                throw AccordError(.invalidField, "keys[\(i)] needs \"name\" and \"signing_key\"", field: "keys")
            }
            let key: PublicSigningKey
            do { key = try PublicSigningKey(base64: text) } catch { throw AccordError(.invalidField, "keys[\(i)] (\(name)): \(error.message)", field: "keys") }
            keys.append(Key(name: name, role: item["role"]?.stringValue ?? "witness", key: key))
        }
        let quorum = m["witness_quorum"] == nil ? 1 : Int(try integer("witness_quorum"))
        self.init(event: event, leafIndex: leafIndex, treeSize: treeSize, inclusionProof: proof, checkpoint: checkpoint, keys: keys, witnessQuorum: quorum)
    }

    /// What a successful verification established.
    public struct Verification: Sendable {
        public var origin: String
        public var originFingerprint: String
        public var root: [UInt8]
        /// Witnesses whose cosignatures verified, with their timestamps (POSIX seconds).
        public var witnesses: [(name: String, timestamp: UInt64)]
        /// One line per check passed, for people.
        public var steps: [String]
    }

    /// Verifies the bundle against `trusted` keys (node name → Ed25519 key): the key for the
    /// event's origin, and witnesses' keys. Throws at the first failure, saying what failed.
    ///
    /// `quorum`: how many distinct trusted witnesses (not the origin) must have cosigned.
    public func verify(trusted: [String: PublicSigningKey], quorum: Int) throws(AccordError) -> Verification {
        var steps: [String] = []
        let origin = event.origin
        guard let originKey = trusted[origin] else {
            throw AccordError(.badKey, "no trusted key for the event's origin \(origin): pin it or pass a keys file that has it")
        }
        guard event.isSigned(by: originKey) else {
            throw AccordError(.badSignature, "event signature: the event \(event.id.short) does not verify with \(origin)'s key (fingerprint \(originKey.fingerprint))")
        }
        steps.append("event \(event.id.hex) is signed by \(origin) (key fingerprint \(originKey.fingerprint))")

        let note: SignedNote
        do { note = try SignedNote(parsing: checkpoint) } catch { throw AccordError(.malformed, "checkpoint: not a signed note: \(error.message)", field: "checkpoint") }
        let parsed: Checkpoint
        do { parsed = try Checkpoint.open(note, logName: origin, logKey: originKey) } catch {
            throw AccordError(error.code, "checkpoint: \(error.message)", field: "checkpoint")
        }
        guard parsed.origin == origin else {
            throw AccordError(.invalidField, "checkpoint: its origin is \(parsed.origin), but the event's origin is \(origin)", field: "checkpoint")
        }
        guard parsed.size == treeSize else {
            throw AccordError(.invalidField, "checkpoint: it is for tree size \(parsed.size), but the bundle says tree_size \(treeSize)", field: "tree_size")
        }
        steps.append("checkpoint of \(origin)'s log at size \(parsed.size) is signed by \(origin)")

        var witnessKeys: [NoteVerifierKey] = []
        for (name, key) in trusted.sorted(by: { $0.key < $1.key }) where name != origin {
            do { witnessKeys.append(try NoteVerifierKey(name: name, type: .cosignatureV1, key: key)) } catch { continue }
        }
        let cosigned: [VerifiedNoteSignature]
        do { cosigned = try note.verify(against: witnessKeys) } catch {
            throw AccordError(error.code, "checkpoint cosignatures: \(error.message)", field: "checkpoint")
        }
        guard cosigned.count >= quorum else {
            let known = witnessKeys.map(\.name).joined(separator: ", ")
            throw AccordError(
                .badSignature,
                "checkpoint cosignatures: \(cosigned.count) valid cosignature(s) from trusted witnesses (\(known.isEmpty ? "none trusted" : known)), \(quorum) required",
                field: "checkpoint")
        }
        if !cosigned.isEmpty {
            steps.append("cosigned by \(cosigned.map { "\($0.name) at \($0.timestamp.map { Timestamp(milliseconds: Int64($0) * 1000).rfc3339 } ?? "?")" }.joined(separator: ", "))")
        }

        do {
            try Merkle.verifyInclusion(leafHash: Merkle.leafHash(event.id.bytes), index: leafIndex, size: treeSize, proof: inclusionProof, root: parsed.rootHash)
        } catch {
            throw AccordError(.badProof, "inclusion proof: \(error.message)", field: "inclusion_proof")
        }
        steps.append("the event is leaf \(leafIndex) of the \(treeSize)-leaf tree with root \(Encoding.base64(parsed.rootHash))")
        return Verification(
            origin: origin, originFingerprint: originKey.fingerprint, root: parsed.rootHash,
            witnesses: cosigned.map { ($0.name, $0.timestamp ?? 0) }, steps: steps)
    }

    /// The keys the bundle carries, by name (to trust only after comparing fingerprints).
    public var carriedKeys: [String: PublicSigningKey] {
        Dictionary(keys.map { ($0.name, $0.key) }, uniquingKeysWith: { a, _ in a })
    }
}
