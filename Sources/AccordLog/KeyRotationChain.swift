import AccordCore

/// An origin's keys from the one that signed an event to the one a verifier trusts, linked by
/// its `node.key_rotation` events: rotation *i* is signed by key *i* and announces key *i + 1*
/// (docs/protocol.md §10).
///
/// Built only through `init(origin:from:rotations:eventTime:)`, which checks every link.
public struct KeyRotationChain: Sendable {
    public let origin: String
    /// The keys in order: the first signed the event, the last is where the chain ends.
    public let keys: [PublicSigningKey]
    public let rotations: [Event]

    /// The key the chain ends at.
    public var last: PublicSigningKey { keys[keys.count - 1] }

    /// Walks `rotations` from `start`, checking at each step that the event is a
    /// `node.key_rotation` of `origin`, signed by the key the previous step announced (and, if
    /// it names one, that its `previous_key` is that key), dated no earlier than the step
    /// before (the first no earlier than `eventTime`), and announcing a key not seen before.
    /// Throws at the first step that fails, saying "rotation N of M" and what failed.
    public init(origin: String, from start: PublicSigningKey, rotations: [Event], eventTime: Timestamp) throws(AccordError) {
        var keys = [start]
        var time = eventTime
        for (i, rotation) in rotations.enumerated() {
            let step = "rotation \(i + 1) of \(rotations.count) (event \(rotation.id.short))"
            let current = keys[keys.count - 1]
            guard rotation.type == .keyRotation else {
                throw AccordError(.invalidField, "\(step): it is a \(rotation.type.rawValue) event, not node.key_rotation", field: "rotations")
            }
            guard rotation.origin == origin else {
                throw AccordError(.invalidField, "\(step): it rotates the key of \(rotation.origin), not of \(origin)", field: "rotations")
            }
            if let named = Self.previousKey(of: rotation), named != current {
                throw AccordError(.badKey, "\(step): it rotates from key \(named.fingerprint), but the chain is at key \(current.fingerprint) there", field: "rotations")
            }
            guard rotation.isSigned(by: current) else {
                throw AccordError(.badSignature, "\(step): it is not signed by the key it rotates from (\(origin)'s key \(current.fingerprint) at that step); the chain is broken or forged", field: "rotations")
            }
            guard rotation.time >= time else {
                throw AccordError(.invalidField, "\(step): it is dated \(rotation.time.rfc3339), before what it follows (\(time.rfc3339))", field: "rotations")
            }
            let next: PublicSigningKey
            do { next = try Self.announcedKey(of: rotation) } catch {
                throw AccordError(error.code, "\(step): \(error.message)", field: "rotations")
            }
            guard !keys.contains(next) else {
                throw AccordError(.invalidField, "\(step): it announces key \(next.fingerprint), which the chain already went through", field: "rotations")
            }
            keys.append(next)
            time = rotation.time
        }
        self.origin = origin
        self.keys = keys
        self.rotations = rotations
    }

    /// The key a `node.key_rotation` event announces (`body.signing_key`).
    public static func announcedKey(of rotation: Event) throws(AccordError) -> PublicSigningKey {
        guard let text = rotation.body["signing_key"]?.stringValue else {
            throw AccordError(.missingField, "node.key_rotation needs \"signing_key\"", field: "signing_key")
        }
        return try PublicSigningKey(base64: text)
    }

    /// The key a `node.key_rotation` event says it rotates from (`body.previous_key`), if it
    /// names one and it parses. Rotations made before that member existed do not.
    public static func previousKey(of rotation: Event) -> PublicSigningKey? {
        rotation.body["previous_key"]?.stringValue.flatMap { try? PublicSigningKey(base64: $0) }
    }

    /// What an exporting node puts in a bundle: the key among `known` (and the keys
    /// `rotations` name) that signed `event`, and the rotations, taken in order from
    /// `rotations` (all of the origin's that the node holds), that lead from it to `current`.
    /// Empty when `current` signed the event. Throws when no known key signed the event or the
    /// rotations held do not reach `current`.
    public static func exportChain(for event: Event, rotations: [Event], current: PublicSigningKey, known: [PublicSigningKey]) throws(AccordError) -> (eventKey: PublicSigningKey, rotations: [Event]) {
        if event.isSigned(by: current) { return (current, []) }
        let mine = rotations.filter { $0.origin == event.origin && $0.type == .keyRotation }
        let candidates = known + mine.compactMap { previousKey(of: $0) } + mine.compactMap { try? announcedKey(of: $0) }
        guard let eventKey = candidates.first(where: { event.isSigned(by: $0) }) else {
            throw AccordError(.conflict, "rotation: event \(event.id.short) is not signed by \(event.origin)'s current key, and this node knows no earlier key of \(event.origin) that signed it (a rotation before \"previous_key\" was recorded); export the bundle from \(event.origin)")
        }
        var key = eventKey
        var chain: [Event] = []
        for r in mine where r.isSigned(by: key) {
            guard let next = try? announcedKey(of: r), next != key else { continue }
            chain.append(r)
            key = next
            if key == current { break }
        }
        guard key == current else {
            throw AccordError(.conflict, "rotation: the rotations this node holds lead from the key that signed event \(event.id.short) (\(eventKey.fingerprint)) to \(key.fingerprint), not to \(event.origin)'s current key \(current.fingerprint)")
        }
        return (eventKey, chain)
    }
}
