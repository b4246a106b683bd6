import AccordCore
import AccordStore
import Crypto
import Foundation
import Synchronization

/// The directory of points of contact: this node and every pinned peer, as their signed
/// profiles say, for the console, the CLI and the API. Every text in it comes from another
/// node's profile: whoever shows it escapes it.
///
/// It is read from the peers table and the node's own latest profile; profiles are parsed,
/// not verified again (each was verified when pinned or received).
public enum Directory {
    public struct Entry: Sendable, Encodable, Equatable {
        public var name: String
        /// This node itself (listed first).
        public var isSelf: Bool
        public var endpoint: String
        public var organisation: String
        public var country: String
        /// As the profile lists them; a role a newer node names is kept as it is.
        public var roles: [String]
        public var languages: [String]
        public var hours: String
        public var timeZone: String?
        /// SHA-256 of the raw key, lowercase hex (as `peer add` shows it).
        public var signingKeyFingerprint: String
        public var encryptionKeyFingerprint: String?
        /// The profile's version (nil for a profile of an earlier version, or none held).
        public var profileVersion: Int?
        /// When the peer signed the profile held.
        public var profileUpdatedAt: Timestamp?
        public var protocolVersion: Int?
        /// When this node pinned the peer (nil for itself).
        public var pinnedAt: Timestamp?
        /// Whether a signed profile is held (a peer pinned by key alone has none).
        public var hasProfile: Bool

        enum CodingKeys: String, CodingKey {
            case name, endpoint, organisation, country, roles, languages, hours
            case isSelf = "self"
            case timeZone = "time_zone"
            case signingKeyFingerprint = "signing_key_fingerprint"
            case encryptionKeyFingerprint = "encryption_key_fingerprint"
            case profileVersion = "profile_version"
            case profileUpdatedAt = "profile_updated_at"
            case protocolVersion = "protocol"
            case pinnedAt = "pinned_at"
            case hasProfile = "has_profile"
        }

        /// Whether the entry matches every filter given.
        public func matches(_ q: Query) -> Bool {
            if let role = q.role, !roles.contains(role) { return false }
            if let country = q.country, country.caseInsensitiveCompare(self.country) != .orderedSame { return false }
            if let language = q.language, !languages.contains(where: { $0.caseInsensitiveCompare(language) == .orderedSame || $0.lowercased().hasPrefix(language.lowercased() + "-") }) {
                return false
            }
            if let text = q.text {
                let haystack = searchText
                for word in text.split(whereSeparator: \.isWhitespace) where !haystack.contains(Self.folded(String(word))) {
                    return false
                }
            }
            return true
        }

        /// What a search looks in, folded once when the entry is built (entries are kept between requests).
        var searchText = ""

        mutating func index() {
            searchText = Self.folded(([name, organisation, country, hours, timeZone ?? "", endpoint] + roles + languages).joined(separator: "\n"))
        }

        static func folded(_ s: String) -> String { s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
    }

    /// Filters of a directory search; nil matches everything.
    public struct Query: Sendable {
        /// Words that must all appear (name, organisation, country, languages, hours, roles).
        public var text: String?
        /// A contact role (`law_enforcement_24_7`): "who handles what".
        public var role: String?
        public var country: String?
        public var language: String?

        public init(text: String? = nil, role: String? = nil, country: String? = nil, language: String? = nil) {
            func clean(_ s: String?) -> String? {
                guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
                return t
            }
            self.text = clean(text)
            self.role = clean(role)
            self.country = clean(country)
            self.language = clean(language)
        }

        /// Refuses a role that is none of the contact roles, naming the member.
        public func validate() throws(AccordError) {
            if let role, ProfileInfo.ContactRole(rawValue: role) == nil {
                throw AccordError(.invalidField, "role is one of \(ProfileInfo.ContactRole.allCases.map(\.rawValue).joined(separator: ", "))", field: "role")
            }
            for (name, value) in [("q", text), ("country", country), ("language", language)] where (value?.count ?? 0) > 200 {
                throw AccordError(.invalidField, "\(name) is longer than 200 characters", field: name)
            }
        }
    }

    /// One key a node has had: when it was announced and when it was replaced.
    public struct KeyPeriod: Sendable, Encodable, Equatable {
        /// `signing` or `encryption`.
        public var use: String
        public var fingerprint: String
        public var key: String
        /// When it was first seen in force (a profile's or rotation's time, or the pinning).
        public var from: Timestamp?
        /// When a rotation, a newer profile or an operator's replacement superseded it; nil while current.
        public var until: Timestamp?
        /// What ended it: `key_rotation`, `profile`, `replaced_by_operator`.
        public var endedBy: String?

        enum CodingKeys: String, CodingKey {
            case use, fingerprint, key, from, until
            case endedBy = "ended_by"
        }
    }

    /// A directory entry with the history of its keys and, for a peer, delivery to it.
    public struct Detail: Sendable, Encodable {
        public var entry: Entry
        public var keyHistory: [KeyPeriod]
        public var delivery: DeliveryStatus?

        enum CodingKeys: String, CodingKey {
            case entry = "profile"
            case keyHistory = "key_history"
            case delivery
        }
    }

    /// Every entry: this node first, then its pinned peers by name.
    public static func entries(store: any Store, selfName: String) async throws -> [Entry] {
        var out: [Entry] = []
        if let own = try await ownProfile(store: store) { out.append(entry(own, name: selfName, isSelf: true, pinnedAt: nil, fallback: nil)) }
        let peers = try await store.peers().sorted(by: { $0.name < $1.name })
        // Entries are built once per pinned row and profile: parsing 200 profiles on every page was most of its time.
        let known = built.withLock { $0 }
        var fresh: [String: (Peer, Entry)] = [:]
        for peer in peers {
            if let (held, e) = known[peer.name], held == peer {
                out.append(e)
                fresh[peer.name] = (held, e)
            } else {
                let e = entry(peer.profile.flatMap { try? Event(bytes: $0) }, peer: peer)
                out.append(e)
                fresh[peer.name] = (peer, e)
            }
        }
        built.withLock { $0 = fresh }
        return out
    }

    /// Entries already built, by peer name, with the row they were built from.
    static let built = Mutex<[String: (Peer, Entry)]>([:])

    /// The entries matching `query`.
    public static func search(_ query: Query, store: any Store, selfName: String) async throws -> [Entry] {
        try query.validate()
        return try await entries(store: store, selfName: selfName).filter { $0.matches(query) }
    }

    /// One node's entry, key history and delivery; nil if it is neither this node nor a pinned peer.
    public static func detail(_ name: String, store: any Store, selfName: String) async throws -> Detail? {
        let entry: Entry
        var delivery: DeliveryStatus? = nil
        var currentSigning: PublicSigningKey
        var currentProfile: Event?
        var pinnedAt: Timestamp?
        if name == selfName {
            guard let own = try await ownProfile(store: store), let key = own.body["signing_key"]?.stringValue.flatMap({ try? PublicSigningKey(base64: $0) }) else {
                return nil
            }
            entry = Self.entry(own, name: selfName, isSelf: true, pinnedAt: nil, fallback: nil)
            currentSigning = key
            currentProfile = own
        } else {
            guard NodeName.isValid(name), let peer = try await store.peer(named: name) else { return nil }
            currentProfile = peer.profile.flatMap { try? Event(bytes: $0) }
            entry = Self.entry(currentProfile, peer: peer)
            currentSigning = peer.signingKey
            pinnedAt = peer.addedAt
            delivery = try await store.deliveryStatus().first { $0.peer == name }
        }
        let history = try await keyHistory(
            name, store: store, currentSigning: currentSigning, currentProfile: currentProfile, pinnedAt: pinnedAt)
        return Detail(entry: entry, keyHistory: history, delivery: delivery)
    }

    // MARK: Building entries

    static func ownProfile(store: any Store) async throws -> Event? {
        guard let hex = try await store.metadata(Profile.metadataKey), let id = EventID(hex: hex) else { return nil }
        return try await store.event(id)?.event
    }

    static func entry(_ profile: Event?, peer: Peer) -> Entry {
        entry(profile, name: peer.name, isSelf: false, pinnedAt: peer.addedAt, fallback: peer)
    }

    static func entry(_ profile: Event?, name: String, isSelf: Bool, pinnedAt: Timestamp?, fallback: Peer?) -> Entry {
        let b = profile?.body ?? [:]
        func strings(_ key: String) -> [String] { b[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        let signing = fallback?.signingKey ?? b["signing_key"]?.stringValue.flatMap { try? PublicSigningKey(base64: $0) }
        let encryption = fallback?.encryptionKey ?? b["encryption_key"]?.stringValue.flatMap { try? PublicEncryptionKey(base64: $0) }
        var e = Entry(
            name: name, isSelf: isSelf, endpoint: fallback?.url ?? b["endpoint"]?.stringValue ?? "",
            organisation: b["organisation"]?.stringValue ?? "", country: b["country"]?.stringValue ?? "",
            roles: strings("roles"), languages: strings("languages"), hours: b["hours"]?.stringValue ?? "",
            timeZone: b["time_zone"]?.stringValue,
            signingKeyFingerprint: signing?.fingerprint ?? "", encryptionKeyFingerprint: encryption.map(fingerprint),
            profileVersion: profile.flatMap { Profile.version(of: $0) > 0 ? Profile.version(of: $0) : nil },
            profileUpdatedAt: profile?.time, protocolVersion: profile.map { $0.body["protocol"]?.intValue ?? 1 },
            pinnedAt: pinnedAt, hasProfile: profile != nil)
        e.index()
        return e
    }

    /// The fingerprint of an X25519 key, in the same form as a signing key's.
    public static func fingerprint(_ key: PublicEncryptionKey) -> String { Encoding.hex(SHA256.hash(data: key.raw)) }

    // MARK: Key history

    /// The signing keys (from `node.key_rotation` events and operators' replacements) and the
    /// encryption keys (from `node.profile` events) the node has had, oldest first.
    static func keyHistory(_ name: String, store: any Store, currentSigning: PublicSigningKey, currentProfile: Event?, pinnedAt: Timestamp?) async throws -> [KeyPeriod] {
        var profiles = try await store.events(ofType: EventType.profile.rawValue).map(\.event).filter { $0.origin == name }
        if let currentProfile, !profiles.contains(where: { $0.id == currentProfile.id }) { profiles.append(currentProfile) }
        profiles.sort { ($0.time, Profile.version(of: $0)) < ($1.time, Profile.version(of: $1)) }
        let rotations = try await store.events(ofType: EventType.keyRotation.rawValue).map(\.event).filter { $0.origin == name }

        // Signing keys: every change, in time order, from rotations and replacements.
        struct Change { var at: Timestamp; var old: PublicSigningKey?; var new: PublicSigningKey; var by: String }
        var changes: [Change] = rotations.compactMap { e in
            guard let new = e.body["signing_key"]?.stringValue.flatMap({ try? PublicSigningKey(base64: $0) }) else { return nil }
            return Change(at: e.time, old: e.body["previous_key"]?.stringValue.flatMap { try? PublicSigningKey(base64: $0) }, new: new, by: "key_rotation")
        }
        changes += try await store.peerReplacements().filter { $0.name == name }.map { Change(at: $0.at, old: $0.oldKey, new: $0.newKey, by: "replaced_by_operator") }
        changes.sort { $0.at < $1.at }
        var signing: [KeyPeriod] = []
        // The first key: the one the first change replaced, else the current one.
        if let firstKey = changes.isEmpty ? currentSigning : changes[0].old {
            let firstSeen = [profiles.first?.time, pinnedAt].compactMap { $0 }.min()
            signing.append(period("signing", firstKey.fingerprint, firstKey.base64, from: firstSeen))
        }
        for c in changes where c.new.fingerprint != signing.last?.fingerprint {
            if !signing.isEmpty {
                signing[signing.count - 1].until = c.at
                signing[signing.count - 1].endedBy = c.by
            }
            signing.append(period("signing", c.new.fingerprint, c.new.base64, from: c.at))
        }

        // Encryption keys: each change between consecutive profiles.
        var encryption: [KeyPeriod] = []
        for p in profiles {
            guard let key = p.body["encryption_key"]?.stringValue.flatMap({ try? PublicEncryptionKey(base64: $0) }) else { continue }
            let fp = fingerprint(key)
            if encryption.last?.fingerprint == fp { continue }
            if !encryption.isEmpty {
                encryption[encryption.count - 1].until = p.time
                encryption[encryption.count - 1].endedBy = "profile"
            }
            encryption.append(period("encryption", fp, key.base64, from: p.time))
        }
        return signing + encryption
    }

    static func period(_ use: String, _ fingerprint: String, _ key: String, from: Timestamp?) -> KeyPeriod {
        KeyPeriod(use: use, fingerprint: fingerprint, key: key, from: from, until: nil, endedBy: nil)
    }
}
