import Synchronization

/// Counts of node-to-node requests this node made and answered, by path: what an operator,
/// and the federation benchmark, read from `GET /api/v1/log/metrics`.
public final class NodeTraffic: Sendable {
    public struct Counter: Sendable, Equatable {
        public var requests = 0
        public var bytesOut = 0
        public var bytesIn = 0
        public var failures = 0
        public var timeouts = 0
    }

    private let sent = Mutex<[String: Counter]>([:])
    private let received = Mutex<[String: Counter]>([:])

    public init() {}

    /// The bytes a header block takes on the wire: "name: value\r\n" per field and the blank line.
    public static func headerBytes(_ fields: [(String, String)]) -> Int {
        fields.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
    }

    /// A request this node made: what it sent, what came back, and how it ended.
    public func recordSent(_ path: String, bytesOut: Int, bytesIn: Int, failed: Bool, timedOut: Bool) {
        sent.withLock { all in
            var c = all[path, default: Counter()]
            c.requests += 1
            c.bytesOut += bytesOut
            c.bytesIn += bytesIn
            if failed { c.failures += 1 }
            if timedOut { c.timeouts += 1 }
            all[path] = c
        }
    }

    /// A request a peer made of this node.
    public func recordReceived(_ path: String, bytesIn: Int, bytesOut: Int) {
        received.withLock { all in
            var c = all[path, default: Counter()]
            c.requests += 1
            c.bytesIn += bytesIn
            c.bytesOut += bytesOut
            all[path] = c
        }
    }

    public var sentByPath: [String: Counter] { sent.withLock { $0 } }
    public var receivedByPath: [String: Counter] { received.withLock { $0 } }
}
