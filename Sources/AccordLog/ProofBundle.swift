import AccordCore

/// A self-contained proof that an event is in its origin's log: the signed event, its leaf
/// index, an inclusion proof and a cosigned checkpoint, the chain of the origin's key
/// rotations since the event when there were any, and (for reference only) the keys the
/// exporting node verified it with. Verified offline against the verifier's `TrustPolicy`
/// (docs/protocol.md §10).
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
    /// The keys the exporting node verified the bundle with. Informational: a verifier never
    /// trusts them because the bundle carries them.
    public var keys: [Key]
    /// The number of witness cosignatures the exporting node asked for. Informational: the
    /// verifier's policy sets the quorum.
    public var witnessQuorum: Int
    /// The key that signed the event, when it is not the origin's current key (`event_key`).
    public var eventKey: PublicSigningKey?
    /// The origin's `node.key_rotation` events from `eventKey` to its current key, in order
    /// (`rotations`); empty when the event is signed by the current key.
    public var rotations: [Event]

    public init(event: Event, leafIndex: Int64, treeSize: Int64, inclusionProof: [[UInt8]], checkpoint: String, keys: [Key], witnessQuorum: Int,
                eventKey: PublicSigningKey? = nil, rotations: [Event] = []) {
        self.event = event
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
        self.keys = keys
        self.witnessQuorum = witnessQuorum
        self.eventKey = eventKey
        self.rotations = rotations
    }

    /// The bundle as JSON (members in JCS order when printed canonically).
    public var json: JSONValue {
        var m: [String: JSONValue] = [
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
        ]
        if let eventKey { m["event_key"] = .string(eventKey.base64) }
        if !rotations.isEmpty { m["rotations"] = .array(rotations.map(\.json)) }
        return .object(m)
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
        var eventKey: PublicSigningKey?
        if let value = m["event_key"] {
            guard let text = value.stringValue else { throw AccordError(.invalidField, "\"event_key\" must be a base64 Ed25519 key", field: "event_key") }
            do { eventKey = try PublicSigningKey(base64: text) } catch { throw AccordError(.invalidField, "\"event_key\": \(error.message)", field: "event_key") }
        }
        var rotations: [Event] = []
        if let value = m["rotations"] {
            guard let items = value.arrayValue else { throw AccordError(.invalidField, "\"rotations\" must be a list of node.key_rotation events", field: "rotations") }
            for (i, item) in items.enumerated() {
                do { rotations.append(try Event(json: item)) } catch {
                    throw AccordError(.malformed, "rotation \(i + 1) of \(items.count): not a signed Accord event: \(error.message)", field: "rotations")
                }
            }
            guard rotations.isEmpty || eventKey != nil else {
                throw AccordError(.missingField, "rotation: the bundle has \"rotations\" but no \"event_key\" to start the chain from", field: "event_key")
            }
        }
        self.init(event: event, leafIndex: leafIndex, treeSize: treeSize, inclusionProof: proof, checkpoint: checkpoint, keys: keys, witnessQuorum: quorum,
                  eventKey: eventKey, rotations: rotations)
    }

    /// What a successful verification established.
    public struct Verification: Sendable {
        public var origin: String
        /// The fingerprint of the key the verifier trusts for the origin.
        public var originFingerprint: String
        /// The fingerprint of the key that signed the event (an earlier key after a rotation).
        public var eventKeyFingerprint: String
        /// How many rotations lead from the event's key to the trusted one.
        public var rotations: Int
        public var root: [UInt8]
        /// Witnesses whose cosignatures verified and count, with their timestamps (POSIX seconds).
        public var witnesses: [(name: String, timestamp: UInt64)]
        /// One line per check passed, for people.
        public var steps: [String]
    }

    /// Verifies the bundle under the verifier's `policy` (docs/protocol.md §10). Throws at the
    /// first failure, saying what failed:
    ///
    /// 1. the policy trusts a key for the event's origin;
    /// 2. the event is signed by that key, or by `event_key` when `rotations` lead from it to
    ///    that key, every rotation checked (`KeyRotationChain`);
    /// 3. the checkpoint is signed under the origin's name by a key of that chain (the trusted
    ///    key when there is no rotation), is for the event's origin and for `tree_size`;
    /// 4. at least `policy.quorum` distinct witnesses of the policy, not the origin, cosigned it
    ///    (`WitnessQuorum`), and at least one did if it is signed by an earlier key of the chain;
    /// 5. the inclusion proof leads from the event's leaf to the checkpoint's root.
    ///
    /// The bundle's `keys` and `witness_quorum` play no part.
    public func verify(policy: TrustPolicy) throws(AccordError) -> Verification {
        var steps: [String] = []
        let origin = event.origin
        guard let trustedKey = policy.origins[origin] else {
            throw AccordError(.badKey, "no trusted key for the event's origin \(origin): pin it (--data) or list it in the trust policy; the keys a bundle carries are never trusted")
        }

        // The origin's keys from the one that signed the event to the trusted one.
        let chain: KeyRotationChain
        if rotations.isEmpty {
            if let eventKey, eventKey != trustedKey {
                throw AccordError(
                    .badKey,
                    "rotation: the event was signed by key \(eventKey.fingerprint), not by the key trusted for \(origin) (\(trustedKey.fingerprint)), and the bundle carries no rotation chain between them",
                    field: "rotations")
            }
            guard event.isSigned(by: trustedKey) else {
                throw AccordError(
                    .badSignature,
                    "event signature: the event \(event.id.short) does not verify with \(origin)'s trusted key (fingerprint \(trustedKey.fingerprint)); if \(origin) has rotated its key since, the bundle needs the rotation chain (export it again from a current node)")
            }
            chain = try KeyRotationChain(origin: origin, from: trustedKey, rotations: [], eventTime: event.time)
            steps.append("event \(event.id.hex) is signed by \(origin) (key fingerprint \(trustedKey.fingerprint))")
        } else {
            guard let eventKey else {
                throw AccordError(.missingField, "rotation: the bundle has \"rotations\" but no \"event_key\" to start the chain from", field: "event_key")
            }
            guard event.isSigned(by: eventKey) else {
                throw AccordError(.badSignature, "event signature: the event \(event.id.short) does not verify with the bundle's event_key (fingerprint \(eventKey.fingerprint))", field: "event_key")
            }
            chain = try KeyRotationChain(origin: origin, from: eventKey, rotations: rotations, eventTime: event.time)
            guard chain.last == trustedKey else {
                throw AccordError(
                    .badKey,
                    "rotation chain: its \(rotations.count) rotation(s) lead from the event's key \(eventKey.fingerprint) to \(chain.last.fingerprint), which is not the key trusted for \(origin) (\(trustedKey.fingerprint))",
                    field: "rotations")
            }
            steps.append("event \(event.id.hex) is signed by \(origin)'s earlier key \(eventKey.fingerprint)")
            for (i, r) in rotations.enumerated() {
                steps.append("rotation \(i + 1) of \(rotations.count) (event \(r.id.short), \(r.time.rfc3339)): signed by \(chain.keys[i].fingerprint), announces \(chain.keys[i + 1].fingerprint)")
            }
            steps.append("the rotation chain ends at the key trusted for \(origin) (\(trustedKey.fingerprint))")
        }

        let note: SignedNote
        do { note = try SignedNote(parsing: checkpoint) } catch { throw AccordError(.malformed, "checkpoint: not a signed note: \(error.message)", field: "checkpoint") }
        // The checkpoint was signed after the event, by the origin's key at that time: a key of the chain.
        var opened: Checkpoint?
        var signer = trustedKey
        for key in chain.keys.reversed() where opened == nil {
            let verifier: NoteVerifierKey
            do { verifier = try NoteVerifierKey(name: origin, type: .ed25519, key: key) } catch {
                throw AccordError(error.code, "checkpoint: \(error.message)", field: "checkpoint")
            }
            guard note.signatures.contains(where: { $0.name == origin && $0.keyID == verifier.keyID }) else { continue }
            do { opened = try Checkpoint.open(note, logName: origin, logKey: key) } catch {
                throw AccordError(error.code, "checkpoint: \(error.message)", field: "checkpoint")
            }
            signer = key
        }
        guard let parsed = opened else {
            let which = chain.keys.count == 1 ? "the key trusted for \(origin) (\(trustedKey.fingerprint))" : "any of \(origin)'s \(chain.keys.count) keys in the rotation chain"
            throw AccordError(.badSignature, "checkpoint: it carries no signature by \(which)", field: "checkpoint")
        }
        guard parsed.origin == origin else {
            throw AccordError(.invalidField, "checkpoint: its origin is \(parsed.origin), but the event's origin is \(origin)", field: "checkpoint")
        }
        guard parsed.size == treeSize else {
            throw AccordError(.invalidField, "checkpoint: it is for tree size \(parsed.size), but the bundle says tree_size \(treeSize)", field: "tree_size")
        }
        steps.append("checkpoint of \(origin)'s log at size \(parsed.size) is signed by \(origin)" + (signer == trustedKey ? "" : " (with its earlier key \(signer.fingerprint))"))

        let cosigned = try policy.checkQuorum(note, origin: origin)
        // Anyone can make a key, sign a rotation from it to the trusted key, and sign a
        // checkpoint with it: a checkpoint signed by an earlier key of the chain counts only if
        // a witness the verifier trusts cosigned it (witnesses cosign only with the origin's key
        // they held then), even when the quorum was lowered to 0.
        if signer != trustedKey && cosigned.isEmpty {
            let step = chain.keys.firstIndex(of: signer).map { $0 == 0 ? "the event's key" : "announced by rotation \($0)" } ?? "?"
            throw AccordError(
                .badSignature,
                "checkpoint: it is signed by \(origin)'s earlier key \(signer.fingerprint) (\(step) of the rotation chain), which only a witness can vouch for, and no witness you trust cosigned it",
                field: "checkpoint")
        }
        if !cosigned.isEmpty {
            steps.append("cosigned by \(cosigned.map { "\($0.name) at \($0.timestamp.map { Timestamp(milliseconds: Int64($0) * 1000).rfc3339 } ?? "?")" }.joined(separator: ", ")) (\(policy.quorum) required)")
        } else {
            steps.append("no witness cosignature required (quorum lowered to \(policy.quorum))")
        }

        do {
            try Merkle.verifyInclusion(leafHash: Merkle.leafHash(event.id.bytes), index: leafIndex, size: treeSize, proof: inclusionProof, root: parsed.rootHash)
        } catch {
            throw AccordError(.badProof, "inclusion proof: \(error.message)", field: "inclusion_proof")
        }
        steps.append("the event is leaf \(leafIndex) of the \(treeSize)-leaf tree with root \(Encoding.base64(parsed.rootHash))")
        return Verification(
            origin: origin, originFingerprint: trustedKey.fingerprint, eventKeyFingerprint: chain.keys[0].fingerprint, rotations: rotations.count,
            root: parsed.rootHash, witnesses: cosigned.map { ($0.name, $0.timestamp ?? 0) }, steps: steps)
    }

    /// The keys the bundle carries, by name. Never trusted by `verify`; a verifier may copy
    /// them into its own policy after comparing their fingerprints out of band.
    public var carriedKeys: [String: PublicSigningKey] {
        Dictionary(keys.map { ($0.name, $0.key) }, uniquingKeysWith: { a, _ in a })
    }
}
