import AccordCore
import Crypto
import Foundation
import Testing

@testable import AccordLog

/// docs/vectors/proof-bundle-*.json: example bundles made from fixed keys, regenerated and
/// compared byte for byte, verified, and tampered with. Set ACCORD_WRITE_VECTORS=1 to rewrite.
@Suite struct ProofBundleVectorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/vectors").standardized

    static func key(_ label: String) -> NodeKeys {
        let seed = SHA256.hash(data: Array("accord test vector \(label)".utf8))
        return NodeKeys(signing: try! .init(rawRepresentation: Array(seed)), encryption: try! .init(rawRepresentation: Array(seed)))
    }

    static let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    /// A log of `size` leaves whose leaf `index` is `event` (the others fixed made-up ids),
    /// checkpointed by the event's origin and cosigned by `witnesses` at fixed times.
    static func bundle(event: Event, origin: NodeKeys, index: Int64, size: Int64, witnesses: [(String, NodeKeys)], quorum: Int,
                       eventKey: PublicSigningKey? = nil, rotations: [Event] = []) throws -> ProofBundle {
        var tree = InMemoryMerkleNodes()
        for i in 0..<size {
            tree.append(data: i == index ? event.id.bytes : Array(SHA256.hash(data: Array("accord vector leaf \(i)".utf8))))
        }
        var note = try Checkpoint(origin: event.origin, size: size, rootHash: tree.root).sign(keys: origin)
        for (i, (name, keys)) in witnesses.enumerated() {
            try note.cosign(name: name, keys: keys, time: t0.adding(seconds: 60 + Int64(i)))
        }
        let proof = try Merkle.inclusionProof(index: index, size: size, reader: tree)
        let keys = [ProofBundle.Key(name: event.origin, role: "origin", key: origin.publicSigningKey)]
            + witnesses.map { ProofBundle.Key(name: $0.0, role: "witness", key: $0.1.publicSigningKey) }
        return ProofBundle(event: event, leafIndex: index, treeSize: size, inclusionProof: proof, checkpoint: note.serialized, keys: keys, witnessQuorum: quorum,
                           eventKey: eventKey, rotations: rotations)
    }

    static func vectors() throws -> [(String, ProofBundle)] {
        let a = key("aurelia-247"), b = key("borealis-247"), c = key("caledonia-247")
        let open = Event.sign(
            type: .open, origin: "aurelia-247", to: ["borealis-247"], caseID: nil, time: t0,
            body: ["kind": "check", "title": "Communication check", "fields": ["message": "Monthly communication check"],
                   "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0).json],
            keys: a, nonce: [1, 1, 2, 3, 5, 8, 13, 21])
        let ack = Event.sign(
            type: .acknowledge, origin: "borealis-247", to: ["aurelia-247"], caseID: open.id, time: t0.adding(seconds: 30),
            body: ["note": "Received by the duty officer"], keys: b, nonce: [2, 7, 1, 8, 2, 8, 1, 8])
        // aurelia-247's key before a rotation, and the rotation (signed by it) to its current key.
        let earlier = key("aurelia-247 before rotation")
        let check = Event.sign(
            type: .open, origin: "aurelia-247", to: ["borealis-247"], caseID: nil, time: t0.adding(seconds: -3600),
            body: ["kind": "check", "title": "Communication check", "fields": ["message": "Signed before the rotation"],
                   "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0.adding(seconds: -3600)).json],
            keys: earlier, nonce: [3, 1, 4, 1, 5, 9, 2, 6])
        let rotation = Event.sign(
            type: .keyRotation, origin: "aurelia-247", to: ["borealis-247", "caledonia-247"], caseID: nil, time: t0.adding(seconds: -1800),
            body: ["signing_key": .string(a.publicSigningKey.base64), "previous_key": .string(earlier.publicSigningKey.base64)],
            keys: earlier, nonce: [1, 4, 1, 4, 2, 1, 3, 5])
        return [
            // A case.open, leaf 3 of 7 in aurelia-247's log, cosigned by two witnesses (quorum 2).
            ("proof-bundle-open.json", try bundle(event: open, origin: a, index: 3, size: 7, witnesses: [("borealis-247", b), ("caledonia-247", c)], quorum: 2)),
            // The acknowledgement, last leaf of 13 in borealis-247's log, cosigned by aurelia-247.
            ("proof-bundle-ack.json", try bundle(event: ack, origin: b, index: 12, size: 13, witnesses: [("aurelia-247", a)], quorum: 1)),
            // A case.open signed before aurelia-247 rotated its key (leaf 1 of 5, the rotation is
            // leaf 2), checkpointed with the current key: the bundle carries the rotation.
            ("proof-bundle-rotated.json", try bundle(event: check, origin: a, index: 1, size: 5, witnesses: [("borealis-247", b)], quorum: 1,
                                                     eventKey: earlier.publicSigningKey, rotations: [rotation])),
        ]
    }

    static func text(_ bundle: ProofBundle) -> String { PrettyJSON.string(bundle.json) + "\n" }

    @Test func theShippedBundlesAreCurrent() throws {
        for (name, bundle) in try Self.vectors() {
            let url = Self.directory.appendingPathComponent(name)
            if ProcessInfo.processInfo.environment["ACCORD_WRITE_VECTORS"] == "1" {
                try Self.text(bundle).write(to: url, atomically: true, encoding: .utf8)
            }
            let shipped = try String(contentsOf: url, encoding: .utf8)
            #expect(shipped == Self.text(bundle), "docs/vectors/\(name) differs from what this code makes; rerun with ACCORD_WRITE_VECTORS=1 if intended")
        }
    }

    static func shipped() throws -> [(String, JSONValue)] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("proof-bundle-") }.sorted().map {
            ($0, try JSONParser.parse([UInt8](Data(contentsOf: directory.appendingPathComponent($0)))))
        }
    }

    /// The verifier's side: the current keys of the three vector nodes, known from their seeds.
    static let trusted: [String: PublicSigningKey] = Dictionary(uniqueKeysWithValues: ["aurelia-247", "borealis-247", "caledonia-247"].map {
        ($0, key($0).publicSigningKey)
    })

    /// Each shipped bundle verifies with the vector nodes' keys (not the keys it carries) and
    /// the quorum it was made for; its leaf hash is SHA-256(0x00 ‖ id).
    @Test func everyShippedBundleVerifies() throws {
        let bundles = try Self.shipped()
        #expect(bundles.count >= 3)
        for (name, json) in bundles {
            let bundle = try ProofBundle(json: json)
            let v = try bundle.verify(policy: TrustPolicy(trusting: Self.trusted, quorum: bundle.witnessQuorum))
            #expect(v.witnesses.count == bundle.witnessQuorum, "\(name)")
            let leaf = Array(SHA256.hash(data: [0] + bundle.event.id.bytes))
            #expect(json["leaf_hash"]?.stringValue == Encoding.base64(leaf), "\(name)")
            #expect(json["event_id"]?.stringValue == Encoding.hex(SHA256.hash(data: CanonicalJSON.encode(bundle.event.json))), "\(name)")
        }
    }

    static func failure(_ json: JSONValue, trusted: [String: PublicSigningKey]? = nil, quorum: Int? = nil) -> String {
        do {
            let bundle = try ProofBundle(json: json)
            _ = try bundle.verify(policy: TrustPolicy(trusting: trusted ?? Self.trusted, quorum: quorum ?? 2))
            return "verified"
        } catch {
            return error.message
        }
    }

    static func with(_ json: JSONValue, _ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var m) = json else { return json }
        m[key] = value
        return .object(m)
    }

    /// Each kind of tampering fails, and the message says which check failed.
    @Test func tamperedBundlesFailWithAPreciseMessage() throws {
        let (_, json) = try #require(try Self.shipped().first { $0.0 == "proof-bundle-open.json" })
        #expect(Self.failure(json) == "verified")

        // The event's body changed (and its id recomputed to match).
        guard case .object(var event) = json["event"]!, case .object(var body) = event["body"]! else { Issue.record("no event body"); return }
        body["title"] = "Something else"
        event["body"] = .object(body)
        let changed = try Event(json: .object(event))
        var t = Self.with(Self.with(json, "event", .object(event)), "event_id", .string(changed.id.hex))
        #expect(Self.failure(t).hasPrefix("event signature: the event \(changed.id.short) does not verify with aurelia-247's trusted key"))
        // The same, with the old id left in place.
        #expect(Self.failure(Self.with(json, "event", .object(event))).hasPrefix("\"event_id\" is "))

        t = Self.with(json, "leaf_index", 4)
        #expect(Self.failure(t).hasPrefix("inclusion proof: "))
        var proof = json["inclusion_proof"]!.arrayValue!
        var bytes = Encoding.unbase64(proof[0].stringValue!)!
        bytes[0] ^= 1
        proof[0] = .string(Encoding.base64(bytes))
        #expect(Self.failure(Self.with(json, "inclusion_proof", .array(proof))).hasPrefix("inclusion proof: root mismatch"))
        #expect(Self.failure(Self.with(json, "inclusion_proof", .array(Array(proof.dropLast())))).hasPrefix("inclusion proof: the inclusion proof has 2 hashes"))

        #expect(Self.failure(Self.with(json, "tree_size", 8)).hasPrefix("checkpoint: it is for tree size 7, but the bundle says tree_size 8"))

        // A cosignature removed: below the quorum of two.
        let note = json["checkpoint"]!.stringValue!
        let oneLess = String(note.split(separator: "\n", omittingEmptySubsequences: false).dropLast(2).joined(separator: "\n")) + "\n"
        #expect(Self.failure(Self.with(json, "checkpoint", .string(oneLess))).hasPrefix("checkpoint cosignatures: 1 valid cosignature(s) from trusted witnesses"))
        // The root in the checkpoint text changed: the origin's signature no longer verifies.
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var forged = lines
        forged[2] = Encoding.base64([UInt8](repeating: 9, count: 32))
        #expect(Self.failure(Self.with(json, "checkpoint", .string(forged.joined(separator: "\n")))).hasPrefix("checkpoint: the signature by aurelia-247"))

        // Keys: an origin the verifier does not trust; a witness key that is not the one that cosigned.
        var keys = Self.trusted
        keys["aurelia-247"] = nil
        #expect(Self.failure(json, trusted: keys).hasPrefix("no trusted key for the event's origin aurelia-247"))
        keys = Self.trusted
        keys["caledonia-247"] = Self.key("someone else").publicSigningKey
        #expect(Self.failure(json, trusted: keys).hasPrefix("checkpoint cosignatures: 1 valid cosignature(s)"))
        #expect(Self.failure(json, trusted: keys, quorum: 1) == "verified")
    }
}
