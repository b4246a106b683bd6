import AccordCore
import AccordLog
import Crypto
import Synchronization

/// What a node tells peers in the checkpoint exchange: the checkpoints it learned recently
/// ("hot"), newest per origin, and the equivocation evidence it holds.
///
/// A checkpoint stays hot for `hotSeconds` after the node learned it: long enough for a pull
/// epidemic with the configured fan-out to reach every node of a large network several times
/// over (docs/protocol.md §9.5), short enough that an exchange carries a few dozen digest
/// entries, not the whole network's state. An idle network has nothing hot: its exchanges
/// carry empty digests.
public final class GossipState: Sendable {
    struct Hot: Sendable {
        let size: Int64
        let root: [UInt8]
        let note: String
        /// Signature lines the note carries (the origin's and the cosignatures).
        let lines: Int
        let until: Timestamp
    }

    struct Evidence: Sendable {
        let origin: String
        let first: String
        let second: String
        let until: Timestamp
    }

    private let hot = Mutex<[String: Hot]>([:])
    private let evidence = Mutex<[String: Evidence]>([:])
    /// At most this many origins are hot at once (the oldest are dropped first).
    static let hotLimit = 4096
    /// At most this many alerts are passed on at once.
    static let evidenceLimit = 64
    /// How long evidence of an equivocation is passed on: a week, so a node that was offline
    /// for days still hears of it.
    static let evidenceSeconds = 7 * 24 * 3600
    /// How an alert verified from a peer's evidence names its source ("evidence from X").
    static let evidenceVia = "evidence from "

    public init() {}

    /// The digest entry of a checkpoint: its size, the first 16 bytes of its root hash in
    /// base64 (128 bits: making two trees whose roots share them takes about 2^64 hashes), and
    /// how many signature lines the held note carries.
    static func digestEntry(size: Int64, root: [UInt8], lines: Int) -> String {
        "\(size) \(Encoding.base64(Array(root.prefix(16)))) \(lines)"
    }

    /// "size prefix lines"; `lines` may be left out (then 0).
    static func parseDigestEntry(_ text: String) -> (size: Int64, prefix: String, lines: Int)? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let size = Int64(parts[0]), size >= 0, parts[1].count <= 64 else { return nil }
        guard parts.count == 3 else { return (size, String(parts[1]), 0) }
        guard let lines = Int(parts[2]), (0...SignedNote.maxSignatures).contains(lines) else { return nil }
        return (size, String(parts[1]), lines)
    }

    static func lineCount(_ note: String) -> Int {
        (try? SignedNote(parsing: note))?.signatures.count ?? 0
    }

    /// Records a checkpoint the node just learned (and verified): hot until `now + seconds`,
    /// unless a larger one of the same origin is already hot, or the same one with at least as
    /// many signature lines.
    func learn(origin: String, size: Int64, root: [UInt8], note: String, now: Timestamp, seconds: Int) {
        let lines = Self.lineCount(note)
        hot.withLock { h in
            if let held = h[origin], held.size > size || (held.size == size && held.root == root && held.lines >= lines) { return }
            if h.count >= Self.hotLimit, h[origin] == nil, let oldest = h.min(by: { $0.value.until < $1.value.until })?.key {
                h.removeValue(forKey: oldest)
            }
            h[origin] = Hot(size: size, root: root, note: note, lines: lines, until: now.advanced(ms: seconds * 1000))
        }
    }

    /// Drops what cooled down.
    func expire(now: Timestamp) {
        hot.withLock { h in h = h.filter { $0.value.until > now } }
        evidence.withLock { e in e = e.filter { $0.value.until > now } }
    }

    /// The digest of the hot checkpoints: origin → "size root-prefix".
    func digest(now: Timestamp) -> [String: String] {
        expire(now: now)
        return hot.withLock { h in h.mapValues { Self.digestEntry(size: $0.size, root: $0.root, lines: $0.lines) } }
    }

    /// The hot checkpoints a peer whose digest is `digest` does not hold: origins it does not
    /// list, lists at a smaller size, lists at the same size with another root (a fork it must
    /// see), or with fewer signature lines (cosignatures it lacks: a note that carries all of a
    /// log's witnesses lets it skip consistency look-ups later, §9.5). Where the peer lists a
    /// larger size, it knows more than this node.
    func notes(missingFrom digest: [String: String], now: Timestamp) -> [String] {
        expire(now: now)
        return hot.withLock { h in
            h.compactMap { origin, entry -> String? in
                guard let theirs = digest[origin].flatMap(Self.parseDigestEntry) else { return entry.note }
                if theirs.size < entry.size { return entry.note }
                guard theirs.size == entry.size else { return nil }
                if theirs.prefix != Encoding.base64(Array(entry.root.prefix(16))) || theirs.lines < entry.lines { return entry.note }
                return nil
            }.sorted()
        }
    }

    /// Every hot checkpoint (answering a request without a digest).
    func allNotes(now: Timestamp) -> [String] {
        notes(missingFrom: [:], now: now)
    }

    /// Evidence of an equivocation, passed on for `seconds`.
    func learn(evidence origin: String, first: String, second: String, now: Timestamp, seconds: Int) {
        let key = Self.evidenceKey(first, second)
        evidence.withLock { e in
            if e[key] != nil { return }
            if e.count >= Self.evidenceLimit, let oldest = e.min(by: { $0.value.until < $1.value.until })?.key { e.removeValue(forKey: oldest) }
            e[key] = Evidence(origin: origin, first: first, second: second, until: now.advanced(ms: seconds * 1000))
        }
    }

    /// The keys of the evidence held (a request lists them so the peer sends only the rest).
    func evidenceKeys(now: Timestamp) -> [String] {
        expire(now: now)
        return evidence.withLock { Array($0.keys).sorted() }
    }

    /// Evidence the peer does not list.
    func evidence(missingFrom keys: Set<String>, now: Timestamp) -> [JSONValue] {
        expire(now: now)
        return evidence.withLock { e in
            e.filter { !keys.contains($0.key) }.sorted { $0.key < $1.key }.map { Self.evidenceJSON(origin: $0.value.origin, first: $0.value.first, second: $0.value.second) }
        }
    }

    /// Evidence as the exchange carries it.
    static func evidenceJSON(origin: String, first: String, second: String) -> JSONValue {
        ["origin": .string(origin), "first": .string(first), "second": .string(second)]
    }

    /// One name for a pair of conflicting notes, whichever comes first: the SHA-256 of the two
    /// checkpoint bodies, sorted, base64 (first 16 bytes).
    static func evidenceKey(_ a: String, _ b: String) -> String {
        func body(_ note: String) -> String { (try? SignedNote(parsing: note))?.text ?? note }
        let pair = [body(a), body(b)].sorted().joined(separator: "\u{0}")
        return Encoding.base64(Array(SHA256.hash(data: Array(pair.utf8)).prefix(16)))
    }
}
