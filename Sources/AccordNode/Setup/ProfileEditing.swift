import AccordCore
import AccordStore
import Foundation

/// Changing what the node says about itself: an admin's edit (API, console, CLI) signs a new
/// `node.profile`, logged like any authored event and delivered to every pinned peer.
///
/// `accord.json` stays the one place the profile is configured: an edit writes its `profile`
/// there first, then signs and commits the new profile; at start (`accord serve`) a node whose
/// `accord.json` differs from its latest signed profile signs a new one. So a restart never
/// undoes an edit, a hand edit of `accord.json` takes effect at the next start, and a crash
/// between the two writes is finished by that start.
extension Node {
    /// The node's next profile: its current contact details (or `info`) and `keys`, numbered one
    /// past its latest profile.
    func signedProfile(keys: NodeKeys, time: Timestamp, to peers: [String], info: ProfileInfo? = nil) async throws -> Event {
        let latest = try? await profile()
        let version = (latest.map(Profile.version(of:)) ?? 0) + 1
        return Profile.event(configuration: configuration, info: info ?? profileInfo, keys: keys, time: time, to: peers, version: version)
    }

    /// Replaces the node's contact details: checks them (a problem names its member), writes them
    /// to `accord.json`, signs a new profile addressed to every pinned peer and commits it.
    public func updateProfile(_ info: ProfileInfo) async throws -> AuthoredStep {
        if let p = info.problems().first { throw AccordError(.invalidField, p.message, field: p.field) }
        return try await caseLock.withLock {
            await commits.flush(store: store, time: time)
            if let directory {
                var stored = try directory.loadConfiguration()
                stored.profile = info
                try directory.saveConfiguration(stored)
            }
            return try await publishProfile(info, reason: "profile changed")
        }
    }

    /// Signs a new profile when the latest signed one does not say what this node's
    /// configuration (and this version's accepted event types) say; nil when they agree.
    public func publishProfileIfChanged() async throws -> AuthoredStep? {
        try await caseLock.withLock {
            await commits.flush(store: store, time: time)
            guard let latest = try? await profile() else { return nil }
            var wanted = Profile.body(configuration: configuration, info: profileInfo, keys: keys, version: 0)
            var had = latest.body
            wanted["version"] = nil
            had["version"] = nil
            guard wanted != had else { return nil }
            return try await publishProfile(profileInfo, reason: "profile re-signed at start: accord.json or the accepted event types changed")
        }
    }

    /// Signs, commits and sends the profile; the caller holds the case lock.
    private func publishProfile(_ info: ProfileInfo, reason: String) async throws -> AuthoredStep {
        let peers = try await store.peers().map(\.name)
        let now = time.now()
        let event = try await signedProfile(keys: keys, time: now, to: peers, info: info)
        let index = try await store.commitAuthored(event, caseState: nil, now: now)
        try await store.setMetadata(Profile.metadataKey, event.id.hex)
        profileInfoBox.withLock { $0 = info }
        let version = Profile.version(of: event)
        logger.notice("\(reason)", metadata: ["version": "\(version)", "peers": "\(peers.count)"])
        wakeDelivery(for: peers)
        return AuthoredStep(event: event, state: nil, logIndex: index, summary: "profile version \(version) signed; it goes to \(peers.count) peer(s)")
    }
}
