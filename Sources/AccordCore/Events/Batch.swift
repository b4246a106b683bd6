import Crypto

/// The federation batch: what a node POSTs to a peer's `/federation/v1/batches`.
///
/// `{"batch": "<id>", "events": [<signed event>, ...], "after": "<id>"}`; the id is the
/// lowercase hex SHA-256 of the concatenated ids of its events, so a retried batch has the
/// same id. `after`, when present, names the batch sent just before this one and not yet
/// answered: the receiver applies this one only once it has processed that one.
public enum Batch {
    public static let path = "/federation/v1/batches"
    public static let maxEvents = 5000

    public static func id(for ids: [EventID]) -> String {
        var h = SHA256()
        for id in ids { h.update(data: id.bytes) }
        return Encoding.hex(h.finalize())
    }

    public static func encode(_ events: [Event], after: String? = nil) -> [UInt8] {
        encode(ids: events.map(\.id), canonical: events.map(\.canonical), after: after)
    }

    /// The batch body for events given by id and canonical bytes, sent as stored.
    public static func encode(ids: [EventID], canonical: [[UInt8]], after: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(canonical.reduce(240) { $0 + $1.count + 1 })
        out.append(contentsOf: Array("{".utf8))
        if let after { out.append(contentsOf: Array("\"after\":\"\(after)\",".utf8)) }
        out.append(contentsOf: Array("\"batch\":\"\(id(for: ids))\",\"events\":[".utf8))
        for (i, bytes) in canonical.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: bytes)
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }

    /// Validates a batch's envelope; events are checked one by one afterwards.
    public static func parse(_ bytes: [UInt8]) throws(AccordError) -> (id: String, after: String?, events: [JSONValue]) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw AccordError(.malformed, error.description) }
        guard case .object(let m) = json else { throw AccordError(.malformed, "a batch is a JSON object") }
        if let extra = m.keys.first(where: { $0 != "batch" && $0 != "events" && $0 != "after" }) {
            throw AccordError(.malformed, "unknown batch member \"\(extra)\"")
        }
        guard let id = m["batch"]?.stringValue, isValidID(id) else {
            throw AccordError(.malformed, "batch must be an id of 1–128 letters, digits, '-' or '_'")
        }
        var after: String? = nil
        if let a = m["after"] {
            guard let text = a.stringValue, isValidID(text), text != id else {
                throw AccordError(.malformed, "after must be the id of another batch: 1–128 letters, digits, '-' or '_'")
            }
            after = text
        }
        guard let events = m["events"]?.arrayValue, !events.isEmpty else {
            throw AccordError(.malformed, "events must be a non-empty array")
        }
        guard events.count <= maxEvents else { throw AccordError(.tooLarge, "a batch holds at most \(maxEvents) events") }
        return (id, after, events)
    }

    static func isValidID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D || $0 == 0x5F }
    }
}

/// The receiver's verdict on one event of a batch.
public struct EventResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case accepted
        /// Already held: accepted before, not applied again.
        case duplicate
        case rejected
    }

    public var index: Int
    public var id: String?
    public var status: Status
    public var code: String?
    public var message: String?

    public init(index: Int, id: String?, status: Status, code: String? = nil, message: String? = nil) {
        self.index = index
        self.id = id
        self.status = status
        self.code = code
        self.message = message
    }
}

/// The response to a batch: a result per event, in the batch's order.
public struct BatchResponse: Sendable, Codable, Equatable {
    public var batch: String
    public var results: [EventResult]

    public init(batch: String, results: [EventResult]) {
        self.batch = batch
        self.results = results
    }

    /// The response body: canonical JSON, `{"batch": …, "results": [{"index", "id", "status", "code", "message"}, …]}`.
    public var bytes: [UInt8] {
        CanonicalJSON.encode([
            "batch": .string(batch),
            "results": .array(results.map { r in
                var m: [String: JSONValue] = ["index": .number(Double(r.index)), "status": .string(r.status.rawValue)]
                if let id = r.id { m["id"] = .string(id) }
                if let code = r.code { m["code"] = .string(code) }
                if let message = r.message { m["message"] = .string(message) }
                return .object(m)
            }),
        ])
    }

    /// Parses a peer's response body.
    public init(bytes: [UInt8]) throws(AccordError) {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw AccordError(.malformed, "the peer's batch response: \(error.description)") }
        guard let batch = json["batch"]?.stringValue, let items = json["results"]?.arrayValue else {
            throw AccordError(.malformed, "the peer's batch response has no batch id or results")
        }
        var results: [EventResult] = []
        results.reserveCapacity(items.count)
        for item in items {
            guard let index = item["index"]?.intValue, let statusText = item["status"]?.stringValue, let status = EventResult.Status(rawValue: statusText) else {
                throw AccordError(.malformed, "the peer's batch response has a result without index or status")
            }
            results.append(EventResult(index: index, id: item["id"]?.stringValue, status: status, code: item["code"]?.stringValue, message: item["message"]?.stringValue))
        }
        self.init(batch: batch, results: results)
    }
}
