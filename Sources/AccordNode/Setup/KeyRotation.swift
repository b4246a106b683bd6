import AccordCore
import AccordStore
import Crypto
import Foundation

/// Key rotation: a `node.key_rotation` event, signed by the old key, announces the new one to
/// every pinned peer; events after it, and checkpoints of the log, are signed by the new key.
/// The event also names the old key (`previous_key`), so any node holding the rotations can
/// link an event signed before it to the current key (the rotation chain of a proof bundle).
///
/// On disk the order makes a crash at any point safe: the old key is kept under
/// `keys/retired/`, the new one is written to `keys/signing.key.next`, the event is committed,
/// and only then is the new key renamed into place. At start-up a `.next` file whose key the
/// log already announces is put into place; one it does not announce is discarded.
extension Node {
    /// Rotates the signing key; returns the rotation event.
    public func rotateSigningKey() async throws -> AuthoredStep {
        guard let directory else { throw AccordError(.configuration, "this node runs without a data directory; it cannot rotate keys") }
        return try await caseLock.withLock {
            await commits.flush(store: store, time: time)
            let old = keys
            let new = NodeKeys(signing: .init(), encryption: old.encryption)
            try directory.retire(old)
            try DataDirectory.writeSecret(new.signing.rawRepresentation, to: directory.nextSigningKeyURL)
            let peers = try await store.peers().map(\.name)
            let now = time.now()
            let event = Event.sign(type: .keyRotation, origin: name, to: peers, caseID: nil, time: now,
                                   body: ["signing_key": .string(new.publicSigningKey.base64), "previous_key": .string(old.publicSigningKey.base64)], keys: old)
            let index = try await store.commitAuthored(event, caseState: nil, now: now)
            guard rename(directory.nextSigningKeyURL.path, directory.signingKeyURL.path) == 0 else {
                throw AccordError(.configuration, "the rotation is committed but the new key could not be put in place; restart the node to finish it")
            }
            retiredKeys.withLock { $0[old.publicSigningKey] = old }
            keyBox.withLock { $0 = new }
            // A new profile, signed by the new key, delivered to every peer after the rotation.
            let profile = try await signedProfile(keys: new, time: now, to: peers)
            _ = try await store.commitAuthored(profile, caseState: nil, now: now)
            try await store.setMetadata(Profile.metadataKey, profile.id.hex)
            metrics.authored([event.type, profile.type])
            logger.notice("signing key rotated", metadata: ["fingerprint": "\(new.publicSigningKey.fingerprint)", "peers": "\(peers.count)"])
            wakeDelivery(for: peers)
            return AuthoredStep(event: event, state: nil, logIndex: index, summary: "signing key rotated to \(new.publicSigningKey.displayFingerprint)")
        }
    }

    /// Rotates the X25519 encryption key: a new profile announcing it, signed by the signing
    /// key, is delivered to every pinned peer. The old key is kept under `keys/retired/` to
    /// open what was encrypted to it.
    ///
    /// Crash-safe in the same way as a signing-key rotation: the new key is written to
    /// `keys/encryption.key.next`, the profile is committed, then the key is put in place; at
    /// start-up a `.next` key the latest profile announces is put in place, any other discarded.
    public func rotateEncryptionKey() async throws -> AuthoredStep {
        guard let directory else { throw AccordError(.configuration, "this node runs without a data directory; it cannot rotate keys") }
        return try await caseLock.withLock {
            await commits.flush(store: store, time: time)
            let old = keys
            let new = NodeKeys(signing: old.signing, encryption: .init())
            try directory.retireEncryption(old)
            try DataDirectory.writeSecret(new.encryption.rawRepresentation, to: directory.nextEncryptionKeyURL)
            let peers = try await store.peers().map(\.name)
            let now = time.now()
            let profile = try await signedProfile(keys: new, time: now, to: peers)
            let index = try await store.commitAuthored(profile, caseState: nil, now: now)
            try await store.setMetadata(Profile.metadataKey, profile.id.hex)
            metrics.authored([profile.type])
            guard rename(directory.nextEncryptionKeyURL.path, directory.encryptionKeyURL.path) == 0 else {
                throw AccordError(.configuration, "the new profile is committed but the new encryption key could not be put in place; restart the node to finish it")
            }
            keyBox.withLock { $0 = new }
            logger.notice("encryption key rotated", metadata: ["peers": "\(peers.count)"])
            wakeDelivery(for: peers)
            return AuthoredStep(event: profile, state: nil, logIndex: index, summary: "encryption key rotated; the new profile goes to \(peers.count) peer(s)")
        }
    }

    /// The keys that signed `event`: the current ones, or retired ones for events authored before a rotation.
    func signingKeys(for event: Event) -> NodeKeys {
        let current = keys
        if event.isSigned(by: current.publicSigningKey) { return current }
        return retiredKeys.withLock { retired in retired.values.first { event.isSigned(by: $0.publicSigningKey) } } ?? current
    }
}

extension DataDirectory {
    var nextSigningKeyURL: URL { keysURL.appendingPathComponent("signing.key.next") }
    var retiredKeysURL: URL { keysURL.appendingPathComponent("retired", isDirectory: true) }
    var nextEncryptionKeyURL: URL { keysURL.appendingPathComponent("encryption.key.next") }

    /// The private X25519 key this node held for `key`, current or retired: evidence files
    /// encrypted before a rotation stay readable.
    func retiredEncryptionKey(for key: PublicEncryptionKey) -> Curve25519.KeyAgreement.PrivateKey? {
        let file = retiredKeysURL.appendingPathComponent("encryption-\(Encoding.hex(key.raw).prefix(16)).x25519")
        guard let raw = try? Self.readSecret(file), let privateKey = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw),
            Array(privateKey.publicKey.rawRepresentation) == key.raw
        else { return nil }
        return privateKey
    }

    func retireEncryption(_ keys: NodeKeys) throws {
        try FileManager.default.createDirectory(at: retiredKeysURL, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = retiredKeysURL.appendingPathComponent("encryption-\(Encoding.hex(keys.publicEncryptionKey.raw).prefix(16)).x25519")
        try Self.writeSecret(keys.encryption.rawRepresentation, to: file)
    }

    /// Completes or discards an encryption-key rotation that a crash interrupted: `announced`
    /// is the encryption key of the node's latest profile.
    func finishInterruptedEncryptionRotation(announced: [UInt8]?) throws {
        let next = nextEncryptionKeyURL
        guard FileManager.default.fileExists(atPath: next.path) else { return }
        let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Self.readSecret(next))
        if let announced, announced == Array(key.publicKey.rawRepresentation) {
            guard rename(next.path, encryptionKeyURL.path) == 0 else { throw AccordError(.configuration, "cannot put the rotated encryption key in place") }
        } else {
            unlink(next.path)
        }
    }

    func retire(_ keys: NodeKeys) throws {
        try FileManager.default.createDirectory(at: retiredKeysURL, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = retiredKeysURL.appendingPathComponent("\(keys.publicSigningKey.fingerprint.prefix(16)).key")
        try Self.writeSecret(keys.signing.rawRepresentation, to: file)
    }

    func loadRetiredKeys() throws -> [NodeKeys] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: retiredKeysURL.path) else { return [] }
        let encryption = try loadKeys().encryption
        return try names.filter { $0.hasSuffix(".key") }.map { name in
            let raw = try Self.readSecret(retiredKeysURL.appendingPathComponent(name))
            return NodeKeys(signing: try .init(rawRepresentation: raw), encryption: encryption)
        }
    }

    /// Completes or discards a rotation that a crash interrupted.
    func finishInterruptedRotation(announced: [[UInt8]]) throws {
        let next = nextSigningKeyURL
        guard FileManager.default.fileExists(atPath: next.path) else { return }
        let raw = try Self.readSecret(next)
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        if announced.contains(Array(key.publicKey.rawRepresentation)) {
            guard rename(next.path, signingKeyURL.path) == 0 else { throw AccordError(.configuration, "cannot put the rotated key in place") }
        } else {
            unlink(next.path)
        }
    }
}
