import AccordCore

/// The one rule for counting witnesses, used wherever a checkpoint must be witnessed: proof
/// bundles, whole-log exports, receipts a node obtains, and the node deciding that its own
/// checkpoint is witnessed.
///
/// A cosignature counts only if its witness is in the verifier's witness set, it verifies
/// with the key the verifier holds for that witness, and the witness is not the log's origin.
/// Each witness counts once, however many lines it signed.
public enum WitnessQuorum {
    /// The distinct witnesses among `cosigners` that count for `origin`'s log: the origin
    /// itself never does. Names are returned sorted.
    public static func counted(_ cosigners: some Sequence<String>, origin: String) -> [String] {
        Set(cosigners).subtracting([origin]).sorted()
    }

    /// Whether `cosigners` (witnesses whose cosignatures were already verified) reach `required`.
    public static func isMet(by cosigners: some Sequence<String>, origin: String, required: Int) -> Bool {
        counted(cosigners, origin: origin).count >= required
    }

    /// Verifies the cosignatures of `note` by `witnesses` (name → key) and throws
    /// `bad_signature` unless at least `required` distinct witnesses other than `origin`
    /// cosigned. A line that names a trusted witness and its key ID but does not verify makes
    /// the whole note invalid (C2SP signed-note). Returns the cosignatures that count.
    public static func evaluate(_ note: SignedNote, origin: String, witnesses: [String: PublicSigningKey], required: Int) throws(AccordError) -> [VerifiedNoteSignature] {
        var keys: [NoteVerifierKey] = []
        for (name, key) in witnesses.sorted(by: { $0.key < $1.key }) where name != origin {
            // A name that cannot appear in a note cannot have cosigned it.
            if let k = try? NoteVerifierKey(name: name, type: .cosignatureV1, key: key) { keys.append(k) }
        }
        let verified: [VerifiedNoteSignature]
        do { verified = try note.verify(against: keys) } catch {
            throw AccordError(error.code, "checkpoint cosignatures: \(error.message)", field: "checkpoint")
        }
        var seen = Set<String>()
        let counted = verified.filter { $0.name != origin && seen.insert($0.name).inserted }
        guard isMet(by: counted.map(\.name), origin: origin, required: required) else {
            let known = keys.map(\.name).joined(separator: ", ")
            throw AccordError(
                .badSignature,
                "checkpoint cosignatures: \(counted.count) valid cosignature(s) from trusted witnesses (\(known.isEmpty ? "none trusted" : known)), \(required) required",
                field: "checkpoint")
        }
        return counted
    }
}

/// What a verifier trusts: which key speaks for each origin, whose cosignatures count, and how
/// many distinct witnesses must have cosigned. It comes from the verifier's side (a node's
/// pinned peers, a policy file, the command line), never from what is being verified: the
/// keys and `witness_quorum` a bundle or export carries are informational only.
public struct TrustPolicy: Sendable, Equatable {
    /// The quorum unless lowered explicitly (`--quorum 0`, `"quorum": 0` in a policy file).
    public static let defaultQuorum = 1
    public static let format = "accord-trust-policy/v1"

    /// The key trusted to speak for each node as the origin of events and checkpoints.
    public var origins: [String: PublicSigningKey]
    /// The witnesses whose cosignatures count, with their keys.
    public var witnesses: [String: PublicSigningKey]
    /// Cosignatures from distinct witnesses required (0 only when lowered explicitly).
    public var quorum: Int

    public init(origins: [String: PublicSigningKey], witnesses: [String: PublicSigningKey], quorum: Int = TrustPolicy.defaultQuorum) {
        self.origins = origins
        self.witnesses = witnesses
        self.quorum = quorum
    }

    /// Trusts every key in `keys` both as an origin and as a witness, as a node trusts its
    /// pinned peers (and itself).
    public init(trusting keys: [String: PublicSigningKey], quorum: Int = TrustPolicy.defaultQuorum) {
        self.init(origins: keys, witnesses: keys, quorum: quorum)
    }

    /// Whether the policy trusts nothing at all.
    public var isEmpty: Bool { origins.isEmpty && witnesses.isEmpty }

    /// Checks the quorum of `note`, a checkpoint of `origin`'s log, under this policy.
    public func checkQuorum(_ note: SignedNote, origin: String) throws(AccordError) -> [VerifiedNoteSignature] {
        guard quorum >= 0 else { throw AccordError(.invalidField, "the quorum must be 0 or more, not \(quorum)", field: "quorum") }
        return try WitnessQuorum.evaluate(note, origin: origin, witnesses: witnesses, required: quorum)
    }

    /// Merges `other` in: its keys are added (a name trusted with two different keys is an
    /// error), the quorum is the larger of the two.
    public mutating func merge(_ other: TrustPolicy) throws(AccordError) {
        for (role, theirs) in [("origin", other.origins), ("witness", other.witnesses)] {
            for (name, key) in theirs {
                let mine = role == "origin" ? origins[name] : witnesses[name]
                if let mine, mine != key {
                    throw AccordError(.conflict, "two different keys are trusted for \(role) \(name) (fingerprints \(mine.fingerprint) and \(key.fingerprint)); keep one")
                }
                if role == "origin" { origins[name] = key } else { witnesses[name] = key }
            }
        }
        quorum = max(quorum, other.quorum)
    }

    /// Reads a policy file:
    ///
    /// ```
    /// {"format": "accord-trust-policy/v1",            (optional)
    ///  "keys":      [{"name", "signing_key"}, ...],   trusted as origins and as witnesses
    ///  "origins":   [{"name", "signing_key"}, ...],   trusted as origins only
    ///  "witnesses": [{"name", "signing_key"}, ...],   trusted as witnesses only
    ///  "quorum": 1}                                    (optional; 1 when absent, 0 lowers it explicitly)
    /// ```
    ///
    /// A keys file as `accord proof keys` writes (`{"keys": [...]}`) is a policy file.
    /// Returns the policy and whether the file set the quorum.
    public static func parse(_ json: JSONValue) throws(AccordError) -> (policy: TrustPolicy, setsQuorum: Bool) {
        guard case .object(let m) = json else { throw AccordError(.malformed, "a trust policy is a JSON object") }
        if let given = m["format"], given.stringValue != format {
            throw AccordError(.malformed, "\"format\" must be \"\(format)\"", field: "format")
        }
        func keys(_ member: String) throws(AccordError) -> [String: PublicSigningKey] {
            guard let value = m[member] else { return [:] }
            guard let items = value.arrayValue else { throw AccordError(.invalidField, "\"\(member)\" must be a list of {\"name\", \"signing_key\"}", field: member) }
            var out: [String: PublicSigningKey] = [:]
            for (i, item) in items.enumerated() {
                guard let name = item["name"]?.stringValue, let text = item["signing_key"]?.stringValue else {
                    throw AccordError(.invalidField, "\(member)[\(i)] needs \"name\" and \"signing_key\"", field: member)
                }
                let key: PublicSigningKey
                do { key = try PublicSigningKey(base64: text) } catch { throw AccordError(.invalidField, "\(member)[\(i)] (\(name)): \(error.message)", field: member) }
                if let other = out[name], other != key {
                    throw AccordError(.conflict, "\(member) lists two keys for \(name)", field: member)
                }
                out[name] = key
            }
            return out
        }
        var policy = TrustPolicy(trusting: try keys("keys"))
        try policy.merge(TrustPolicy(origins: try keys("origins"), witnesses: try keys("witnesses")))
        var setsQuorum = false
        if let q = m["quorum"] {
            guard let d = q.doubleValue, d >= 0, d == d.rounded(), d <= 100 else {
                throw AccordError(.invalidField, "\"quorum\" must be an integer from 0 to 100", field: "quorum")
            }
            policy.quorum = Int(d)
            setsQuorum = true
        }
        guard !policy.isEmpty else { throw AccordError(.malformed, "the policy trusts no key: give \"keys\", \"origins\" or \"witnesses\"") }
        return (policy, setsQuorum)
    }
}
