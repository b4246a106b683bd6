import AccordCore
import AccordStore

/// Pins a peer's key, the one place the CLI and the operator API do it.
///
/// A name already pinned with another key is never replaced by accident: the caller must say
/// which key it replaces (`replacing`, the old fingerprint), and the replacement is recorded
/// with who did it and when. A key already pinned under another name is refused too: one node,
/// one name. Re-pinning the same key updates the URL, profile and encryption key.
public enum PeerPinning {
    public enum Outcome: Sendable, Equatable {
        case added
        /// Same name, same key: URL, profile or encryption key updated.
        case updated
        /// Same name, new key, as the caller asked; the old key.
        case replaced(PublicSigningKey)
    }

    public static func pin(
        _ peer: Peer, replacing oldFingerprint: String?, by actor: String, selfName: String, store: any Store, now: Timestamp
    ) async throws -> Outcome {
        guard peer.name != selfName else { throw AccordError(.invalidField, "\(peer.name) is this node itself", field: "url") }
        if let other = try await store.peers().first(where: { $0.signingKey == peer.signingKey && $0.name != peer.name }) {
            throw AccordError(
                .conflict,
                "the key \(peer.signingKey.displayFingerprint) is already pinned for \(other.name); a node has one name. Unpin \(other.name) first if it renamed itself")
        }
        guard let existing = try await store.peer(named: peer.name) else {
            if let oldFingerprint {
                throw AccordError(.notFound, "no peer named \(peer.name) is pinned, so there is no key \(oldFingerprint) to replace", field: "replace")
            }
            try await store.savePeer(peer)
            return .added
        }
        if existing.signingKey == peer.signingKey {
            try await store.savePeer(Peer(
                name: peer.name, url: peer.url, signingKey: peer.signingKey, encryptionKey: peer.encryptionKey,
                addedAt: existing.addedAt, profile: peer.profile ?? existing.profile))
            return .updated
        }
        guard let oldFingerprint else {
            throw AccordError(
                .conflict,
                """
                \(peer.name) is already pinned with key \(existing.signingKey.displayFingerprint), and this key is \
                \(peer.signingKey.displayFingerprint). Someone may be claiming \(peer.name)'s name. A node that rotates its \
                key announces the new one itself; replace a pinned key only after confirming out of band that \(peer.name) \
                lost its old one, by giving the old fingerprint to replace
                """, field: "replace")
        }
        guard existing.signingKey.matches(fingerprint: oldFingerprint) else {
            throw AccordError(
                .badKey, "\(peer.name) is pinned with key \(existing.signingKey.displayFingerprint), not \(oldFingerprint); nothing was replaced",
                field: "replace")
        }
        try await store.replacePeer(peer, replacing: existing.signingKey, by: actor, at: now)
        return .replaced(existing.signingKey)
    }
}
