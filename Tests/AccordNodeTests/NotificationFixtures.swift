import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// A webhook receiver on loopback, as an integrator would write one: it verifies each request's
/// HMAC and time, refuses the first `failFirst` requests (503) to make the node retry, and
/// records what it took.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var id: String
        var event: String
        var timestamp: Int64
        var verified: Bool
        var accepted: Bool
        var body: JSONValue
    }

    final class State: Sendable {
        let failFirst: Mutex<Int>
        let log = Mutex<[Received]>([])
        init(failFirst: Int) { self.failFirst = Mutex(failFirst) }
    }

    let state: State
    let task: Task<Void, any Error>
    let port: Int
    var url: String { "http://127.0.0.1:\(port)/hooks/accord?token=receiver-side-secret" }

    /// Every request, accepted or not.
    var requests: [Received] { state.log.withLock { $0 } }
    /// Requests taken (answered 2xx), in order.
    var accepted: [Received] { requests.filter(\.accepted) }

    func setFailFirst(_ n: Int) { state.failFirst.withLock { $0 = n } }

    init(secret: [UInt8], clock: any TimeSource, failFirst: Int = 0) async throws {
        let state = State(failFirst: failFirst)
        self.state = state
        let router = Router()
        router.post("/hooks/accord") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = Array(buffer.readableBytesView)
            let header = request.headers[HTTPField.Name("Accord-Signature")!] ?? ""
            let t = header.split(separator: ",").first { $0.hasPrefix("t=") }.flatMap { Int64($0.dropFirst(2)) } ?? 0
            let verified = WebhookSignature.verify(header: header, body: body, secret: secret, now: clock.now().milliseconds / 1000)
            let json = (try? JSONParser.parse(body)) ?? .null
            let fail = state.failFirst.withLock { n -> Bool in
                if n > 0 { n -= 1; return true }
                return false
            }
            let ok = verified && !fail
            state.log.withLock {
                $0.append(Received(
                    id: request.headers[HTTPField.Name("Accord-Notification-Id")!] ?? "", event: request.headers[HTTPField.Name("Accord-Event")!] ?? "",
                    timestamp: t, verified: verified, accepted: ok, body: json))
            }
            return Response(status: !verified ? .unauthorized : fail ? .serviceUnavailable : .noContent)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: TestCluster.logger("webhook-receiver"))
        task = Task { try await app.runService() }
        var it = ports.makeAsyncIterator()
        port = await it.next() ?? 0
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// A node of a test cluster run with a configuration of its own (notifications), restartable.
final class ConfiguredNode: Sendable {
    let member: TestCluster.Member
    let time: any TimeSource
    let running = Mutex<RunningNode?>(nil)
    let current = Mutex<Node?>(nil)

    init(_ member: TestCluster.Member, time: any TimeSource, notifications: NotificationSettings) throws {
        self.member = member
        self.time = time
        var config = try member.directory.loadConfiguration()
        config.notifications = notifications
        try member.directory.saveConfiguration(config)
    }

    var node: Node { current.withLock { $0! } }

    func start() async throws {
        let node = try Node.open(member.directory, time: time, logger: TestCluster.logger(member.name))
        let r = try await RunningNode.start(node, port: member.port)
        current.withLock { $0 = node }
        running.withLock { $0 = r }
    }

    func stop() async {
        let r = running.withLock { r -> RunningNode? in
            defer { r = nil }
            return r
        }
        await r?.stop()
    }

    /// The notification outbox as an admin sees it through the API.
    func deliveries(_ query: String = "") async throws -> [JSONValue] {
        try await member.client.get("/api/v1/notifications" + query).arrayValue ?? []
    }
}

enum NotificationFixtures {
    /// A secret file in the node's data directory, owner-only.
    static func writeSecret(_ secret: String, in member: TestCluster.Member, name: String = "webhook.secret", mode: mode_t = 0o600) throws -> String {
        let path = member.directory.url.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8))
        chmod(path, mode)
        return name
    }

    /// A script standing in for sendmail: takes the message on its input like `sendmail -t -i`,
    /// and stores it and its arguments in `directory`; or fails like a refusing mail server.
    static func fakeSendmail(in directory: String, failing: Bool = false) throws -> String {
        let path = directory + (failing ? "/sendmail-refusing" : "/sendmail")
        let script = failing
            ? "#!/bin/sh\ncat > /dev/null\necho 'sendmail: 550 mailbox unavailable' >&2\nexit 75\n"
            : "#!/bin/sh\nout=\"\(directory)/mail\"\nmkdir -p \"$out\"\ncat > \"$out/$$.tmp\"\nprintf '%s\\n' \"$*\" > \"$out/$$.args\"\nmv \"$out/$$.tmp\" \"$out/$$.eml\"\n"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// The messages the fake sendmail stored, with their arguments.
    static func mails(in directory: String) -> [(message: String, args: String)] {
        let dir = directory + "/mail"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { name in
            guard let m = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else { return nil }
            let args = (try? String(contentsOfFile: dir + "/" + name.replacingOccurrences(of: ".eml", with: ".args"), encoding: .utf8)) ?? ""
            return (m, args.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Moves `time` on in steps until `condition` holds (retries and scans wait on it).
    /// The wait is long: with every suite running at once on two cores, a node may take many
    /// seconds to get its turn.
    static func advance(_ time: ManualTime, by step: Int64, until condition: () async throws -> Bool) async rethrows -> Bool {
        try await TestCluster.eventually(timeout: .seconds(120)) {
            if try await condition() { return true }
            time.advance(seconds: step)
            try? await Task.sleep(for: .milliseconds(20))
            return try await condition()
        }
    }
}
