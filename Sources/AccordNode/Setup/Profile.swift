import AccordCore

/// A node's signed profile: who it is and how to reach it, as a `node.profile` event.
public enum Profile {
    static let metadataKey = "profile_event"

    /// The protocol version this node speaks (docs/protocol.md).
    public static let protocolVersion = 1

    /// Optional members of `case.open` a node reads, listed in its profile's `features`
    /// (docs/protocol.md §4): a sender uses them only towards peers that list them.
    public enum Feature {
        public static let bases = "case.open.bases"
        public static let exercise = "case.open.exercise"
        public static let all = [bases, exercise]
    }

    /// The node's profile; `to` names the peers it is delivered to (none at creation: peers
    /// fetch it when they pin the node). `info` is what the node says about itself (the
    /// configuration's unless an admin changed it since); `version` counts the node's profiles
    /// from 1, so that a receiver can refuse an older one replayed over a newer one.
    public static func event(configuration c: NodeConfiguration, info: ProfileInfo? = nil, keys: NodeKeys, time: Timestamp, to: [String] = [],
                             version: Int = 1) -> Event {
        Event.sign(type: .profile, origin: c.name, to: to, caseID: nil, time: time, body: body(configuration: c, info: info ?? c.profile, keys: keys, version: version), keys: keys)
    }

    /// The body of the node's profile (members of docs/protocol.md §4).
    static func body(configuration c: NodeConfiguration, info: ProfileInfo, keys: NodeKeys, version: Int) -> [String: JSONValue] {
        var body: [String: JSONValue] = [
            "protocol": .number(Double(protocolVersion)),
            "accepts": .strings(ReceiptHandlers.acceptedTypeNames),
            "features": .strings(Feature.all),
            "name": .string(c.name),
            "organisation": .string(info.organisation),
            "country": .string(info.country),
            "roles": .strings(info.roles.map(\.rawValue)),
            "languages": .strings(info.languages),
            "hours": .string(info.hours),
            "endpoint": .string(c.publicURL),
            "signing_key": .string(keys.publicSigningKey.base64),
            "encryption_key": .string(keys.publicEncryptionKey.base64),
            "version": .number(Double(version)),
        ]
        if let tz = info.timeZone { body["time_zone"] = .string(tz) }
        return body
    }

    /// The version of a profile event (0 for a profile of an earlier version, which has none).
    public static func version(of event: Event) -> Int { event.body["version"]?.intValue ?? 0 }

    /// A profile fetched from a peer, checked to be signed by the key it announces.
    public struct Verified: Sendable {
        public let event: Event
        public let name: String
        public let endpoint: String
        public let signingKey: PublicSigningKey
        public let encryptionKey: PublicEncryptionKey
        public let organisation: String
        public let country: String
        /// The protocol version the node speaks (1 when the profile does not say).
        public let protocolVersion: Int
        /// The event types the node accepts; nil when the profile does not say (a version-1
        /// node accepts `EventType.version1`).
        public let accepts: Set<String>?
        /// The optional `case.open` members the node reads (`Feature`); empty when the profile does not say.
        public let features: Set<String>
        /// The node's profile count (0 when the profile does not say: a node of an earlier version).
        public let version: Int

        /// Whether the node accepts events of `type`.
        public func accepts(_ type: EventType) -> Bool {
            accepts?.contains(type.rawValue) ?? EventType.version1.contains(type)
        }
    }

    public static func verify(_ bytes: [UInt8]) throws(AccordError) -> Verified {
        let event = try Event(bytes: bytes)
        guard event.type == .profile else { throw AccordError(.malformed, "not a node profile") }
        let b = event.body
        guard let name = b["name"]?.stringValue, name == event.origin,
            let endpoint = b["endpoint"]?.stringValue,
            let sk = b["signing_key"]?.stringValue, let ek = b["encryption_key"]?.stringValue
        else { throw AccordError(.malformed, "the profile lacks name, endpoint or keys") }
        let signingKey = try PublicSigningKey(base64: sk)
        let encryptionKey = try PublicEncryptionKey(base64: ek)
        guard event.isSigned(by: signingKey) else { throw AccordError(.badSignature, "the profile is not signed by the key it announces") }
        var accepts: Set<String>? = nil
        if let list = b["accepts"] {
            guard let items = list.arrayValue, items.allSatisfy({ $0.stringValue.map(EventType.isWellFormedName) == true }) else {
                throw AccordError(.malformed, "the profile's accepts must be a list of event type names", field: "accepts")
            }
            accepts = Set(items.compactMap(\.stringValue))
        }
        var features = Set<String>()
        if let list = b["features"] {
            guard let items = list.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw AccordError(.malformed, "the profile's features must be a list of names", field: "features")
            }
            features = Set(items.compactMap(\.stringValue))
        }
        var version = 1
        if let v = b["protocol"] {
            guard let n = v.intValue, n >= 1 else { throw AccordError(.malformed, "the profile's protocol must be a version number", field: "protocol") }
            version = n
        }
        var profileVersion = 0
        if let v = b["version"] {
            guard let n = v.intValue, n >= 1 else { throw AccordError(.malformed, "the profile's version must be a whole number from 1", field: "version") }
            profileVersion = n
        }
        return Verified(
            event: event, name: name, endpoint: endpoint, signingKey: signingKey, encryptionKey: encryptionKey,
            organisation: b["organisation"]?.stringValue ?? "", country: b["country"]?.stringValue ?? "",
            protocolVersion: version, accepts: accepts, features: features, version: profileVersion)
    }
}
