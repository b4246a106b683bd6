import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// A clock tests move by hand, so deadlines and retries are tested without sleeping.
public final class ManualTime: TimeSource {
    private struct State {
        var now: Timestamp
        var sleepers: [UInt64: (until: Timestamp, continuation: CheckedContinuation<Void, any Error>)] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(_ start: Timestamp = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!) {
        state = Mutex(State(now: start))
    }

    public func now() -> Timestamp { state.withLock { $0.now } }

    /// Returns once the clock has been moved past `duration` from now (or throws if cancelled).
    public func sleep(for duration: Duration) async throws {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { s -> Bool in
                    let until = Timestamp(milliseconds: s.now.milliseconds + ms)
                    if ms <= 0 || Task.isCancelled { return true }
                    s.sleepers[id] = (until, c)
                    return false
                }
                if resumeNow { Task.isCancelled ? c.resume(throwing: CancellationError()) : c.resume() }
            }
        } onCancel: {
            let c = state.withLock { $0.sleepers.removeValue(forKey: id)?.continuation }
            c?.resume(throwing: CancellationError())
        }
    }

    /// Sleepers still waiting for the clock to move.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    public func advance(hours: Int64) { advance(milliseconds: hours * 3_600_000) }
    public func advance(seconds: Int64) { advance(milliseconds: seconds * 1000) }

    public func advance(milliseconds: Int64) {
        let due = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.now = Timestamp(milliseconds: s.now.milliseconds + milliseconds)
            let ready = s.sleepers.filter { $0.value.until <= s.now }
            for key in ready.keys { s.sleepers.removeValue(forKey: key) }
            return ready.values.map(\.continuation)
        }
        for c in due { c.resume() }
    }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "accord-test") {
        path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Nodes created in temporary directories, with real SQLite files, pinned to each other.
public final class TestCluster: Sendable {
    public struct Member: Sendable {
        public let name: String
        public let directory: DataDirectory
        public let port: Int
        public let node: Node
        public let token: String
        public var url: String { "http://127.0.0.1:\(port)" }
        /// The operator client waits 90 s for an answer: the test process runs dozens of nodes on
        /// the machine's few cores, and a test waits as a patient operator would.
        public var client: OperatorClient { OperatorClient(url: url, token: token, timeout: .seconds(90)) }
    }

    public let root: TemporaryDirectory
    public let members: [Member]
    let running: Mutex<[String: RunningNode]>

    public static func logger(_ label: String) -> Logger {
        var l = Logger(label: label)
        l.logLevel = ProcessInfo.processInfo.environment["ACCORD_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return l
    }

    /// Creates (does not start) nodes named `names`, each pinning every other. `logOf` gives
    /// some members log settings of their own.
    public init(_ names: [String], delivery: DeliverySettings = DeliverySettings(retryInitialMilliseconds: 20, retryMaxMilliseconds: 200),
                time: (any TimeSource)? = nil, pin: Bool = true, log: LogSettings = .onDemand, logOf: [String: LogSettings] = [:],
                limits: LimitSettings = .init(), evidenceOf: [String: EvidenceSettings] = [:]) async throws {
        root = TemporaryDirectory()
        var members: [Member] = []
        for name in names {
            let port = try FreePort.find()
            var config = NodeConfiguration(
                name: name, listenHost: "127.0.0.1", listenPort: port,
                profile: ProfileInfo(organisation: "Test \(name)", country: "XT", roles: [.technical], languages: ["en"], hours: "24/7"),
                delivery: delivery, log: logOf[name] ?? log)
            config.limits = limits
            if let evidence = evidenceOf[name] { config.evidence = evidence }
            let dir = DataDirectory(root.path + "/" + name)
            _ = try await dir.create(configuration: config)
            let node = try Node.open(dir, time: time ?? SystemTime(), logger: Self.logger(name))
            let (token, record) = OperatorTokens.make(name: "test-admin", role: .admin, now: node.time.now())
            try await node.store.saveToken(record)
            members.append(Member(name: name, directory: dir, port: port, node: node, token: token))
        }
        if pin {
            for a in members {
                for b in members where a.name != b.name {
                    try await a.node.store.savePeer(Peer(
                        name: b.name, url: b.url, signingKey: b.node.keys.publicSigningKey, encryptionKey: b.node.keys.publicEncryptionKey,
                        addedAt: a.node.time.now()))
                }
            }
        }
        self.members = members
        self.running = Mutex([:])
    }

    public subscript(name: String) -> Member { members.first { $0.name == name }! }

    /// Starts the HTTP server and delivery of a member.
    public func start(_ name: String) async throws {
        let m = self[name]
        let r = try await RunningNode.start(m.node, port: m.port)
        running.withLock { $0[name] = r }
    }

    /// The log coordinator of a running member.
    public func log(_ name: String) -> LogCoordinator? {
        running.withLock { $0[name]?.log }
    }

    /// Gives every member the others' signed profiles, as pinning through the API does (a peer
    /// pinned without one is taken for a version-1 node, which gets no evidence events).
    public func pinProfiles() async throws {
        for a in members {
            for b in members where a.name != b.name {
                guard var pinned = try await a.node.store.peer(named: b.name) else { continue }
                pinned.profile = try await b.node.profile().canonical
                try await a.node.store.savePeer(pinned)
            }
        }
    }

    public func startAll() async throws {
        for m in members { try await start(m.name) }
    }

    public func stop(_ name: String) async {
        let r = running.withLock { $0.removeValue(forKey: name) }
        await r?.stop()
    }

    public func stopAll() async {
        for m in members { await stop(m.name) }
    }

    /// Runs `body` with a new cluster (see `init`), then stops its nodes and removes its files,
    /// whether `body` succeeds or throws.
    public static func with(
        _ names: [String], delivery: DeliverySettings = DeliverySettings(retryInitialMilliseconds: 20, retryMaxMilliseconds: 200),
        time: (any TimeSource)? = nil, pin: Bool = true, log: LogSettings = .onDemand, logOf: [String: LogSettings] = [:],
        limits: LimitSettings = .init(), evidenceOf: [String: EvidenceSettings] = [:], _ body: (TestCluster) async throws -> Void
    ) async throws {
        let cluster = try await TestCluster(names, delivery: delivery, time: time, pin: pin, log: log, logOf: logOf, limits: limits, evidenceOf: evidenceOf)
        do {
            try await body(cluster)
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }

    /// Stops every node and removes the directory.
    public func shutdown() async {
        await stopAll()
        root.remove()
    }

    /// Polls `condition` until true or `timeout` passes; returns whether it became true.
    /// Like `eventually`, moving `time` on by `step` milliseconds while the condition is false:
    /// for loops on the node's clock that may still be busy (and so not yet asleep) when a test
    /// moves the clock, as on a loaded machine. A loop that slept before the clock moved wakes
    /// at once; one that went to sleep just after wakes after a few steps. `pause` is the real
    /// time given to the nodes between steps: longer where each step sets off work of their own
    /// (timers firing, deliveries) that should land before the clock moves again.
    public static func eventually(
        advancing time: ManualTime, by step: Int64, timeout: Duration = .seconds(60), pause: Duration = .milliseconds(20), _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while clock.now < end {
            if try await condition() { return true }
            try? await Task.sleep(for: pause)
            if try await condition() { return true }
            time.advance(milliseconds: step)
        }
        return try await condition()
    }

    public static func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while clock.now < end {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}

/// Sends hand-made federation requests, for tests of what a receiver refuses.
public struct RawFederationClient: Sendable {
    public init() {}

    public struct Reply: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var headers: [(String, String)] = []
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        public var json: JSONValue? { try? JSONParser.parse(body) }
        public var errorCode: String? { json?["error"]?["code"]?.stringValue }
    }

    /// POSTs `body` to `url`'s batch endpoint, signed as `sender` with `keys` (unless `headers` overrides).
    public func post(_ body: [UInt8], to url: String, recipient: String, sender: String, keys: NodeKeys,
                     created: Timestamp = SystemTime().now(), alter: ([(String, String)]) -> [(String, String)] = { $0 }) async throws -> Reply {
        var request = HTTPClientRequest(url: url + Batch.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let headers = alter(MessageSignature.sign(method: "POST", path: Batch.path, body: body, recipient: recipient, sender: sender, keys: keys, created: created))
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 1 << 24)
        return Reply(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [], headers: response.headers.map { ($0.name, $0.value) })
    }
}
