import AccordCore

/// A court export of one case, machine-readable (docs/protocol.md §14): every event of the case
/// as its origin signed it, each with its proof bundle (inclusion in the origin's log up to a
/// witnessed checkpoint), the evidence files' hashes and chain of custody as the signed events
/// say them, and what the exporting node saw (received times, delivery state, the keys it
/// trusted), which is informational. Verified offline with `CaseArchiveVerifier` under the
/// verifier's own `TrustPolicy`.
public struct CaseArchive: Sendable {
    public static let format = "accord-case-export/v1"
    /// Archives larger than this are refused before they are read.
    public static let maxBytes = 64 << 20
    public static let maxEvents = 50_000

    public struct Delivery: Sendable, Equatable {
        public var peer: String
        public var state: String
        public init(peer: String, state: String) {
            self.peer = peer
            self.state = state
        }
    }

    /// One event of the case, in the exporting node's order.
    public struct Entry: Sendable {
        public var event: Event
        /// The proof that the event is in its origin's log; nil when the exporting node had none.
        public var proof: ProofBundle?
        /// Why the exporting node had no proof (with `proof` nil).
        public var unproven: String?
        /// When the exporting node stored the event (informational).
        public var receivedAt: Timestamp?
        /// Delivery or receipt state per addressee, as the exporting node knew it (informational).
        public var deliveries: [Delivery]

        public init(event: Event, proof: ProofBundle?, unproven: String? = nil, receivedAt: Timestamp? = nil, deliveries: [Delivery] = []) {
            self.event = event
            self.proof = proof
            self.unproven = unproven
            self.receivedAt = receivedAt
            self.deliveries = deliveries
        }
    }

    public var caseID: EventID
    public var exportedAt: Timestamp
    public var exportedBy: String
    public var entries: [Entry]
    /// The keys the exporting node trusted (informational: a verifier never trusts them).
    public var keys: [ProofBundle.Key]

    public init(caseID: EventID, exportedAt: Timestamp, exportedBy: String, entries: [Entry], keys: [ProofBundle.Key]) {
        self.caseID = caseID
        self.exportedAt = exportedAt
        self.exportedBy = exportedBy
        self.entries = entries
        self.keys = keys
    }

    /// The evidence files of the case with their custody, as the signed events say them.
    public var evidence: JSONValue { Self.evidenceSummary(entries.map(\.event)) }

    public var json: JSONValue {
        let events: [JSONValue] = entries.enumerated().map { i, e in
            var m: [String: JSONValue] = ["index": .number(Double(i + 1)), "event_id": .string(e.event.id.hex)]
            if let proof = e.proof { m["proof"] = proof.json } else {
                m["event"] = e.event.json
                m["unproven"] = .string(e.unproven ?? "the exporting node holds no proof")
            }
            if let r = e.receivedAt { m["received_at"] = .string(r.rfc3339) }
            m["deliveries"] = .array(e.deliveries.map { ["peer": .string($0.peer), "state": .string($0.state)] })
            return .object(m)
        }
        return [
            "format": .string(Self.format),
            "case_id": .string(caseID.hex),
            "exported_at": .string(exportedAt.rfc3339),
            "exported_by": .string(exportedBy),
            "events": .array(events),
            "evidence": evidence,
            "keys": .array(keys.map { k in
                ["name": .string(k.name), "role": .string(k.role), "signing_key": .string(k.key.base64), "fingerprint": .string(k.key.fingerprint)]
            }),
            "verify": .string("accord case verify-export ARCHIVE --policy YOUR-TRUST-POLICY.json"),
        ]
    }

    /// The archive as bytes: pretty JSON, with `<`, `>` and `&` escaped so that it can be
    /// embedded in an HTML `<script>` element as it is.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        for b in (PrettyJSON.string(json) + "\n").utf8 {
            switch b {
            case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
            case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
            case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
            default: out.append(b)
            }
        }
        return out
    }

    /// Reads an archive from its bytes, or from an HTML court record that embeds it; says where
    /// and what is wrong.
    public static func parse(_ bytes: [UInt8]) throws(AccordError) -> CaseArchive {
        guard bytes.count <= maxBytes else {
            throw AccordError(.tooLarge, "the archive is \(bytes.count) bytes; at most \(maxBytes) are read")
        }
        var body = bytes[...]
        if let embedded = htmlEmbedded(bytes) { body = embedded }
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            let truncated = error.offset >= body.count - 1 ? " (the file ends early: truncated?)" : ""
            throw AccordError(.malformed, "the archive is not JSON: \(error.description)\(truncated)")
        }
        return try CaseArchive(json: json)
    }

    static let scriptOpen = Array("<script type=\"application/json\" id=\"accord-case-export\">".utf8)
    static let scriptClose = Array("</script>".utf8)

    /// The archive inside an HTML court record, if `bytes` are one.
    public static func embeddedArchive(in bytes: [UInt8]) -> ArraySlice<UInt8>? { htmlEmbedded(bytes) }

    static func htmlEmbedded(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard let start = find(scriptOpen, in: bytes[...]) else { return nil }
        let from = start + scriptOpen.count
        guard let end = find(scriptClose, in: bytes[from...]) else { return bytes[from...] }
        return bytes[from..<end]
    }

    static func find(_ needle: [UInt8], in hay: ArraySlice<UInt8>) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = hay.startIndex
        while i <= hay.endIndex - needle.count {
            if hay[i] == first && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    public init(json: JSONValue) throws(AccordError) {
        guard case .object(let m) = json else { throw AccordError(.malformed, "a case export is a JSON object") }
        guard m["format"]?.stringValue == Self.format else {
            throw AccordError(.malformed, "\"format\" must be \"\(Self.format)\"", field: "format")
        }
        guard let idText = m["case_id"]?.stringValue, let caseID = EventID(hex: idText) else {
            throw AccordError(.invalidField, "\"case_id\" must be the case's id (64 lowercase hex digits)", field: "case_id")
        }
        guard let at = m["exported_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)) else {
            throw AccordError(.invalidField, "\"exported_at\" must be an RFC 3339 time", field: "exported_at")
        }
        guard let by = m["exported_by"]?.stringValue, NodeName.isValid(by) else {
            throw AccordError(.invalidField, "\"exported_by\" must be a node name", field: "exported_by")
        }
        guard let items = m["events"]?.arrayValue else { throw AccordError(.missingField, "the archive has no \"events\" list", field: "events") }
        guard !items.isEmpty else { throw AccordError(.invalidField, "the archive's \"events\" list is empty", field: "events") }
        guard items.count <= Self.maxEvents else { throw AccordError(.tooLarge, "the archive has \(items.count) events; at most \(Self.maxEvents)", field: "events") }
        var entries: [Entry] = []
        for (i, item) in items.enumerated() {
            let label = "event \(i + 1) of \(items.count)"
            guard case .object(let e) = item else { throw AccordError(.malformed, "\(label): not a JSON object", field: "events") }
            if let index = e["index"], index.intValue != i + 1 {
                throw AccordError(.invalidField, "\(label): its \"index\" is \(CanonicalJSON.string(index)), not \(i + 1): events removed or moved?", field: "events")
            }
            var proof: ProofBundle? = nil
            let event: Event
            if let p = e["proof"] {
                do { proof = try ProofBundle(json: p) } catch { throw AccordError(error.code, "\(label): proof: \(error.message)", field: "events") }
                event = proof!.event
            } else {
                guard let ej = e["event"] else {
                    throw AccordError(.missingField, "\(label): has neither \"proof\" nor \"event\" (the proof was removed?)", field: "events")
                }
                do { event = try Event(json: ej) } catch { throw AccordError(error.code, "\(label): event: \(error.message)", field: "events") }
            }
            if let given = e["event_id"]?.stringValue, given != event.id.hex {
                throw AccordError(.invalidField, "\(label): \"event_id\" is \(given), but the signed event's id (SHA-256 of its canonical form) is \(event.id.hex): its bytes were changed", field: "events")
            }
            var deliveries: [Delivery] = []
            for d in e["deliveries"]?.arrayValue ?? [] {
                if let peer = d["peer"]?.stringValue, let state = d["state"]?.stringValue { deliveries.append(Delivery(peer: peer, state: state)) }
            }
            entries.append(Entry(event: event, proof: proof, unproven: e["unproven"]?.stringValue,
                                 receivedAt: e["received_at"]?.stringValue.flatMap(Timestamp.init(rfc3339:)), deliveries: deliveries))
        }
        var keys: [ProofBundle.Key] = []
        for item in m["keys"]?.arrayValue ?? [] {
            if let name = item["name"]?.stringValue, let text = item["signing_key"]?.stringValue, let key = try? PublicSigningKey(base64: text) {
                keys.append(ProofBundle.Key(name: name, role: item["role"]?.stringValue ?? "origin", key: key))
            }
        }
        self.init(caseID: caseID, exportedAt: at, exportedBy: by, entries: entries, keys: keys)
        // The evidence list is derived from the signed events; a changed hash or custody record says which.
        if let given = m["evidence"] {
            try Self.compareEvidence(given, with: evidence)
        }
    }

    // MARK: Evidence

    /// The case's evidence files (`evidence.file_added`) with their SHA-256 and, in order, the
    /// custody records (`evidence.custody`) that name them.
    public static func evidenceSummary(_ events: [Event]) -> JSONValue {
        var files: [(id: EventID, value: [String: JSONValue], custody: [JSONValue])] = []
        for e in events {
            switch e.type {
            case .evidenceAdded:
                var f: [String: JSONValue] = ["event": .string(e.id.hex), "added_by": .string(e.origin), "added_at": .string(e.time.rfc3339)]
                for key in ["name", "media_type", "size", "sha256", "description", "collected_at", "collected_by", "method"] {
                    if let v = e.body[key] { f[key] = v }
                }
                files.append((e.id, f, []))
            case .evidenceCustody:
                guard let idText = e.body["evidence"]?.stringValue, let i = files.firstIndex(where: { $0.id.hex == idText }) else { continue }
                var c: [String: JSONValue] = ["event": .string(e.id.hex), "node": .string(e.origin), "at": .string(e.time.rfc3339)]
                for key in ["action", "peer", "sha256", "bytes", "by", "reason"] {
                    if let v = e.body[key] { c[key] = v }
                }
                files[i].custody.append(.object(c))
            default:
                continue
            }
        }
        return .array(files.map { f in
            var v = f.value
            v["custody"] = .array(f.custody)
            return .object(v)
        })
    }

    static func compareEvidence(_ given: JSONValue, with derived: JSONValue) throws(AccordError) {
        guard let g = given.arrayValue, let d = derived.arrayValue else {
            throw AccordError(.invalidField, "\"evidence\" must be a list", field: "evidence")
        }
        guard g.count == d.count else {
            throw AccordError(.invalidField, "\"evidence\" lists \(g.count) file(s), but the archive's signed events attach \(d.count)", field: "evidence")
        }
        for (i, (a, b)) in zip(g, d).enumerated() {
            guard a != b else { continue }
            let name = b["name"]?.stringValue ?? "?"
            let event = String((b["event"]?.stringValue ?? "").prefix(12))
            for key in (b.objectValue ?? [:]).keys.sorted() where a[key] != b[key] {
                if key == "custody" {
                    throw AccordError(.invalidField, "evidence \(i + 1) (\(name), event \(event)): its custody records differ from the signed evidence.custody events", field: "evidence")
                }
                throw AccordError(.invalidField, "evidence \(i + 1) (\(name), event \(event)): \"\(key)\" is \(a[key].map(CanonicalJSON.string) ?? "missing"), but the signed evidence.file_added event says \(CanonicalJSON.string(b[key]!))", field: "evidence")
            }
            throw AccordError(.invalidField, "evidence \(i + 1) (\(name), event \(event)) has members the signed event does not", field: "evidence")
        }
    }
}
