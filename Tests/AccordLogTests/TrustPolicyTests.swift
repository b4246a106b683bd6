import AccordCore
import Foundation
import Testing

@testable import AccordLog

/// The verifier's trust policy: the quorum it sets (never the bundle), the one witness-counting
/// rule, and rotation chains, over the shipped vectors (docs/vectors/proof-bundle-*.json).
@Suite struct TrustPolicyTests {
    typealias V = ProofBundleVectorTests

    static func vector(_ name: String) throws -> JSONValue {
        try #require(try V.shipped().first { $0.0 == name }?.1)
    }

    static func verify(_ json: JSONValue, _ policy: TrustPolicy) -> String {
        do {
            _ = try ProofBundle(json: json).verify(policy: policy)
            return "verified"
        } catch {
            return error.message
        }
    }

    /// A bundle with its cosignatures cut and `witness_quorum` set to 0.
    static func uncosigned(_ json: JSONValue) -> JSONValue {
        let note = json["checkpoint"]!.stringValue!
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        // Text (3 lines), blank line, the origin's signature, then the cosignatures.
        let kept = lines.prefix(5).joined(separator: "\n") + "\n"
        return V.with(V.with(json, "checkpoint", .string(kept)), "witness_quorum", 0)
    }

    @Test func theBundleNeverLowersTheQuorum() throws {
        let json = Self.uncosigned(try Self.vector("proof-bundle-ack.json"))
        #expect(try ProofBundle(json: json).witnessQuorum == 0)
        // The default policy requires one witness, whatever the bundle says.
        let policy = TrustPolicy(trusting: V.trusted)
        #expect(policy.quorum == 1)
        #expect(Self.verify(json, policy).hasPrefix("checkpoint cosignatures: 0 valid cosignature(s) from trusted witnesses"))
        // Only the verifier lowers it.
        #expect(Self.verify(json, TrustPolicy(trusting: V.trusted, quorum: 0)) == "verified")
        // A bundle asking for more than the policy does not raise it either: the policy decides.
        let open = V.with(try Self.vector("proof-bundle-open.json"), "witness_quorum", 9)
        #expect(Self.verify(open, TrustPolicy(trusting: V.trusted, quorum: 2)) == "verified")
    }

    @Test func onlyTheVerifiersWitnessesCountEachOnceAndNeverTheOrigin() throws {
        let json = try Self.vector("proof-bundle-open.json")
        // Keys trusted as origins only: no cosignature counts.
        #expect(Self.verify(json, TrustPolicy(origins: V.trusted, witnesses: [:])).hasPrefix("checkpoint cosignatures: 0 valid cosignature(s) from trusted witnesses (none trusted), 1 required"))
        // One witness trusted: one counts.
        let one = TrustPolicy(origins: V.trusted, witnesses: ["borealis-247": V.key("borealis-247").publicSigningKey], quorum: 2)
        #expect(Self.verify(json, one).hasPrefix("checkpoint cosignatures: 1 valid cosignature(s) from trusted witnesses (borealis-247), 2 required"))

        // The origin cosigning its own checkpoint, and a witness cosigning twice: one witness.
        let bundle = try ProofBundle(json: json)
        var note = try SignedNote(parsing: bundle.checkpoint)
        let text = note.text
        note = try SignedNote(text: text, signatures: Array(note.signatures.prefix(2)))
        try note.cosign(name: "aurelia-247", keys: V.key("aurelia-247"), time: V.t0)
        try note.cosign(name: "borealis-247", keys: V.key("borealis-247"), time: V.t0.adding(seconds: 5))
        let doubled = V.with(json, "checkpoint", .string(note.serialized))
        #expect(Self.verify(doubled, TrustPolicy(trusting: V.trusted, quorum: 2)).hasPrefix("checkpoint cosignatures: 1 valid cosignature(s)"))
        #expect(Self.verify(doubled, TrustPolicy(trusting: V.trusted, quorum: 1)) == "verified")
        #expect(WitnessQuorum.counted(["b", "a", "b", "origin"], origin: "origin") == ["a", "b"])
    }

    @Test func aPolicyFileSaysWhatIsTrustedAndMayLowerTheQuorum() throws {
        let a = V.key("aurelia-247").publicSigningKey, b = V.key("borealis-247").publicSigningKey
        let (policy, setsQuorum) = try TrustPolicy.parse([
            "format": .string(TrustPolicy.format),
            "origins": [["name": "aurelia-247", "signing_key": .string(a.base64)]],
            "witnesses": [["name": "borealis-247", "signing_key": .string(b.base64)]],
            "quorum": 0,
        ])
        #expect(setsQuorum)
        #expect(policy == TrustPolicy(origins: ["aurelia-247": a], witnesses: ["borealis-247": b], quorum: 0))
        // A keys file ('accord proof keys') is a policy with the default quorum.
        let (keys, setsNone) = try TrustPolicy.parse(["keys": [["name": "aurelia-247", "signing_key": .string(a.base64)]]])
        #expect(!setsNone)
        #expect(keys == TrustPolicy(trusting: ["aurelia-247": a]))
        #expect(throws: AccordError.self) { try TrustPolicy.parse(["quorum": 1]) }
        #expect(throws: AccordError.self) { try TrustPolicy.parse(["keys": [], "origins": [["name": "x", "signing_key": .string(a.base64)]], "quorum": -1]) }
        // Merging: the larger quorum; one name, two keys is refused.
        var merged = TrustPolicy(trusting: ["aurelia-247": a], quorum: 0)
        try merged.merge(TrustPolicy(trusting: ["borealis-247": b], quorum: 2))
        #expect(merged.quorum == 2 && merged.origins.count == 2)
        #expect(throws: AccordError.self) { try merged.merge(TrustPolicy(trusting: ["aurelia-247": b])) }
    }

    @Test func aBundleSignedBeforeARotationVerifiesThroughItsChain() throws {
        let json = try Self.vector("proof-bundle-rotated.json")
        let v = try ProofBundle(json: json).verify(policy: TrustPolicy(trusting: V.trusted))
        #expect(v.rotations == 1)
        #expect(v.eventKeyFingerprint == V.key("aurelia-247 before rotation").publicSigningKey.fingerprint)
        #expect(v.steps.contains { $0.hasPrefix("rotation 1 of 1") })
    }

    @Test func aBrokenForgedOrMissingRotationChainFailsNamingTheRotation() throws {
        let json = try Self.vector("proof-bundle-rotated.json")
        let policy = TrustPolicy(trusting: V.trusted)
        let earlier = V.key("aurelia-247 before rotation")
        let rotation = try Event(json: try #require(json["rotations"]?.arrayValue?.first))

        // Missing: no rotations (the event's key is not trusted).
        var t = V.with(json, "rotations", .array([]))
        #expect(Self.verify(t, policy).hasPrefix("rotation: the event was signed by key \(earlier.publicSigningKey.fingerprint), not by the key trusted for aurelia-247"))
        // Missing, and no event_key either: the event's signature fails, and the message points at rotation.
        guard case .object(var m) = json else { return }
        m["rotations"] = nil
        m["event_key"] = nil
        #expect(Self.verify(.object(m), policy).contains("rotated its key since, the bundle needs the rotation chain"))
        // Rotations without the key to start from.
        t = V.with(json, "event_key", .null)
        #expect(Self.verify(t, policy).hasPrefix("\"event_key\" must be"))

        // Forged: the same rotation signed by a key that is not the one it rotates from.
        let forger = V.key("mallory")
        let forged = Event.sign(type: .keyRotation, origin: "aurelia-247", to: rotation.to, caseID: nil, time: rotation.time,
                                body: ["signing_key": .string(V.key("aurelia-247").publicSigningKey.base64)], keys: forger)
        t = V.with(json, "rotations", [forged.json])
        #expect(Self.verify(t, policy).hasPrefix("rotation 1 of 1 (event \(forged.id.short)): it is not signed by the key it rotates from"))
        // Forged the other way: the event and the rotation both by mallory's key, announcing aurelia's.
        let check = try Event(json: json["event"]!)
        let fake = Event.sign(type: check.type, origin: "aurelia-247", to: check.to, caseID: nil, time: check.time, body: check.body, keys: forger)
        t = V.with(V.with(V.with(V.with(json, "event", fake.json), "event_id", .string(fake.id.hex)), "event_key", .string(forger.publicSigningKey.base64)), "rotations", [forged.json])
        // The chain links, but the event is not in the log the checkpoint commits to.
        #expect(Self.verify(t, policy).hasPrefix("inclusion proof: "))

        // Broken: the rotation names another previous key; announces a key nobody trusts; is not a rotation; rotates another node.
        let namesOther = Event.sign(type: .keyRotation, origin: "aurelia-247", to: rotation.to, caseID: nil, time: rotation.time,
                                    body: ["signing_key": .string(V.key("aurelia-247").publicSigningKey.base64), "previous_key": .string(forger.publicSigningKey.base64)],
                                    keys: earlier)
        #expect(Self.verify(V.with(json, "rotations", [namesOther.json]), policy).hasPrefix("rotation 1 of 1 (event \(namesOther.id.short)): it rotates from key \(forger.publicSigningKey.fingerprint)"))
        let elsewhere = Event.sign(type: .keyRotation, origin: "aurelia-247", to: rotation.to, caseID: nil, time: rotation.time,
                                   body: ["signing_key": .string(forger.publicSigningKey.base64)], keys: earlier)
        #expect(Self.verify(V.with(json, "rotations", [elsewhere.json]), policy).hasPrefix("rotation chain: its 1 rotation(s) lead from the event's key"))
        let notRotation = Event.sign(type: .open, origin: "aurelia-247", to: rotation.to, caseID: nil, time: rotation.time, body: check.body, keys: earlier)
        #expect(Self.verify(V.with(json, "rotations", [notRotation.json]), policy).hasPrefix("rotation 1 of 1 (event \(notRotation.id.short)): it is a case.open event"))
        let other = Event.sign(type: .keyRotation, origin: "borealis-247", to: rotation.to, caseID: nil, time: rotation.time,
                               body: ["signing_key": .string(V.key("aurelia-247").publicSigningKey.base64)], keys: earlier)
        #expect(Self.verify(V.with(json, "rotations", [other.json]), policy).hasPrefix("rotation 1 of 1 (event \(other.id.short)): it rotates the key of borealis-247"))
        // Dated before the event it would follow.
        let early = Event.sign(type: .keyRotation, origin: "aurelia-247", to: rotation.to, caseID: nil, time: check.time.adding(seconds: -1),
                               body: rotation.body, keys: earlier)
        #expect(Self.verify(V.with(json, "rotations", [early.json]), policy).contains("before what it follows"))
        // A verifier that trusts only the earlier key: the chain goes past it.
        var stale = V.trusted
        stale["aurelia-247"] = earlier.publicSigningKey
        #expect(Self.verify(json, TrustPolicy(trusting: stale)).hasPrefix("rotation chain: its 1 rotation(s) lead from the event's key"))
    }
}

extension TrustPolicyTests {
    /// With the quorum lowered to 0, a stranger's key, a rotation from it to the trusted key and
    /// a checkpoint signed with it must not make a bundle valid.
    @Test func aSelfMadeChainCannotVouchForItsOwnCheckpoint() throws {
        let json = try Self.vector("proof-bundle-rotated.json")
        let check = try Event(json: json["event"]!)
        let forger = V.key("mallory")
        let fake = Event.sign(type: check.type, origin: "aurelia-247", to: check.to, caseID: nil, time: check.time, body: check.body, keys: forger)
        let rotation = Event.sign(type: .keyRotation, origin: "aurelia-247", to: check.to, caseID: nil, time: check.time.adding(seconds: 1),
                                  body: ["signing_key": .string(V.key("aurelia-247").publicSigningKey.base64), "previous_key": .string(forger.publicSigningKey.base64)],
                                  keys: forger)
        let note = try Checkpoint(origin: "aurelia-247", size: 1, rootHash: Merkle.leafHash(fake.id.bytes)).sign(keys: forger)
        let bundle = ProofBundle(event: fake, leafIndex: 0, treeSize: 1, inclusionProof: [], checkpoint: note.serialized, keys: [], witnessQuorum: 0,
                                 eventKey: forger.publicSigningKey, rotations: [rotation])
        #expect(Self.verify(bundle.json, TrustPolicy(trusting: V.trusted, quorum: 0)).hasPrefix("checkpoint: it is signed by aurelia-247's earlier key \(forger.publicSigningKey.fingerprint) (the event's key of the rotation chain)"))
    }
}
