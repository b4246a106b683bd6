import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import ArgumentParser
import Crypto
import Foundation
import Logging

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure, in one run: Ed25519 verify rate, end-to-end events/s and latency between two nodes, idle RSS.",
        discussion: "Build with -c release for meaningful numbers. Results go to standard output as a Markdown table.",
        subcommands: [BenchSeedCommand.self])

    @Option(help: "Events for the throughput run.") var events: Int = 20_000
    @Option(help: "Events for the latency run (one at a time).") var samples: Int = 300
    @Option(help: "Seconds for each verify-rate measurement.") var seconds: Double = 1
    @Option(help: "Throughput rounds; each is timed between two verify-rate measurements, and the median ratio is reported.") var rounds: Int = 3
    @Option(help: "Concurrent authors in the throughput run.") var authors: Int = 8
    @Option(help: "Steps each author submits at once (Node.steps).") var bulk: Int = 50
    @Option(help: "Events per delivery batch (the nodes' delivery.batch_size).") var batch: Int = DeliverySettings().batchSize
    @Flag(help: "Turn off the log's background schedules (checkpoints, receipts, exchange) in the two nodes.") var noLogSchedule = false

    func validate() throws {
        guard events > 0, samples > 0, rounds > 0, authors > 0, bulk > 0, batch > 0, seconds > 0 else {
            throw ValidationError("--events, --samples, --rounds, --authors, --bulk, --batch and --seconds must be positive")
        }
    }

    func run() async throws {
        try await reporting {
            try await Bench(events: events, samples: samples, seconds: seconds, rounds: rounds, authors: authors, bulk: bulk, batch: batch, logSchedule: !noLogSchedule).run()
        }
    }
}

struct Bench {
    let events: Int
    let samples: Int
    let seconds: Double
    let rounds: Int
    let authors: Int
    let bulk: Int
    let batch: Int
    let logSchedule: Bool

    func say(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// One throughput round: the verify rate just before and just after, so that the ratio
    /// compares numbers taken minutes apart at most on a machine whose speed drifts.
    struct Round {
        var verifyBefore: Double
        var verifyAfter: Double
        var run: EndToEnd
        var verify: Double { (verifyBefore + verifyAfter) / 2 }
        var ratio: Double { run.eventsPerSecond / verify }
    }

    struct EndToEnd {
        var eventsPerSecond: Double
        var authoringPerSecond: Double
        var cores: Double
        var cpuMicrosecondsPerEvent: Double
    }

    func run() async throws {
        say("accord bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(rounds) throughput rounds")
        let sign = signRate()
        say(String(format: "  Ed25519 sign, one core: %.0f/s", sign))
        var results: [Round] = []
        for r in 1...rounds {
            let before = verifyRate()
            let run = try await endToEnd()
            let after = verifyRate()
            let round = Round(verifyBefore: before, verifyAfter: after, run: run)
            results.append(round)
            say(String(format: "  round %d: verify %.0f/s before, %.0f/s after; end-to-end %.0f events/s (ratio %.2f), %.2f cores, %.0f µs CPU per event; authoring alone %.0f/s",
                       r, before, after, run.eventsPerSecond, round.ratio, run.cores, run.cpuMicrosecondsPerEvent, run.authoringPerSecond))
        }
        let byRatio = results.sorted { $0.ratio < $1.ratio }
        let median = byRatio[byRatio.count / 2]
        let (p50, p99) = try await latency()
        say(String(format: "  latency: p50 %.2f ms, p99 %.2f ms", p50, p99))
        let rss = try await idleRSS()
        say(String(format: "  idle RSS: %.1f MB", rss))
        print("| measure | value | target |")
        print("|---|---|---|")
        print(String(format: "| Ed25519 verify rate, one core (swift-crypto), median round | %.0f /s | — |", median.verify))
        print(String(format: "| Ed25519 sign rate, one core | %.0f /s | — |", sign))
        print(String(format: "| end-to-end events/s, two nodes (signed, delivered, verified, stored), median round | %.0f /s | ≥ %.0f /s |", median.run.eventsPerSecond, median.verify / 2))
        print(String(format: "| ratio end-to-end ÷ verify rate, median of %d rounds (lowest, highest) | %.2f (%.2f, %.2f) | ≥ 0.50 |", rounds, median.ratio, byRatio.first!.ratio, byRatio.last!.ratio))
        print(String(format: "| CPU used end-to-end, median round | %.2f cores, %.0f µs per event | — |", median.run.cores, median.run.cpuMicrosecondsPerEvent))
        print(String(format: "| authoring alone (sign + validate + commit), %d authors × %d steps per call | %.0f /s | — |", authors, bulk, median.run.authoringPerSecond))
        print(String(format: "| latency of one event at low load, p50 | %.2f ms | — |", p50))
        print(String(format: "| latency of one event at low load, p99 | %.2f ms | < 20 ms |", p99))
        print(String(format: "| idle node RSS | %.1f MB | < 60 MB |", rss))
    }

    static func sampleEvent() -> (Event, PublicSigningKey) {
        let keys = NodeKeys.generate()
        let e = Event.sign(type: .provideInformation, origin: "aurelia", to: ["borealis"], caseID: EventID(bytes: [UInt8](repeating: 1, count: 32)),
                           time: SystemTime().now(), body: ["information": .string(String(repeating: "x", count: 300))], keys: keys)
        return (e, keys.publicSigningKey)
    }

    func verifyRate() -> Double {
        let (e, key) = Self.sampleEvent()
        let message = e.signedBytes
        var ok = true
        let rate = perSecond { ok = key.isValidSignature(e.signature, for: message) && ok }
        precondition(ok)
        return rate
    }

    func signRate() -> Double {
        let keys = NodeKeys.generate()
        let message = Self.sampleEvent().0.signedBytes
        return perSecond { _ = keys.sign(message) }
    }

    /// How many times per second `body` runs on this thread, over `seconds`.
    func perSecond(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var n = 0
        while clock.now - start < .seconds(seconds) {
            for _ in 0..<200 { body() }
            n += 200
        }
        return Double(n) / (clock.now - start).seconds
    }

    /// Two nodes on loopback; a stream of events from one to the other, timed until all are stored.
    func cluster() async throws -> (RunningNode, RunningNode, String) {
        let root = NSTemporaryDirectory() + "accord-bench-\(UUID().uuidString.prefix(8))"
        var logger = Logger(label: "accord.bench")
        logger.logLevel = .error
        var nodes: [RunningNode] = []
        for name in ["aurelia", "borealis"] {
            let port = try FreePort.find()
            var config = NodeConfiguration(name: name, listenPort: port, profile: ProfileInfo(organisation: name, country: "XB", roles: [.technical], languages: ["en"], hours: "24/7"))
            config.delivery.batchSize = batch
            if !logSchedule { config.log = LogSettings(checkpointIntervalSeconds: 0, receiptIntervalSeconds: 0, gossipIntervalSeconds: 0) }
            let dir = DataDirectory(root + "/" + name)
            _ = try await dir.create(configuration: config)
            nodes.append(try await RunningNode.start(try Node.open(dir, logger: logger), port: port))
        }
        for (a, b) in [(nodes[0], nodes[1]), (nodes[1], nodes[0])] {
            try await a.node.store.savePeer(Peer(name: b.node.name, url: b.url, signingKey: b.node.keys.publicSigningKey, encryptionKey: b.node.keys.publicEncryptionKey, addedAt: a.node.time.now()))
        }
        return (nodes[0], nodes[1], root)
    }

    func endToEnd() async throws -> EndToEnd {
        let (a, b, root) = try await cluster()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cases = 16
        var ids: [EventID] = []
        for i in 0..<cases {
            ids.append(try await a.node.open(OpenCaseRequest(kind: .notification, title: "Bench \(i)", to: ["borealis"], fields: ["summary": "Bench"])).event.id)
        }
        for id in ids { try await b.node.waitForReceipt(of: id) }
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = Self.cpuSeconds()
        let body: [String: JSONValue] = ["information": .string(String(repeating: "x", count: 300))]
        let node = a.node, count = events, caseIDs = ids, authors = authors, bulk = bulk
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Concurrent authors, each submitting steps in bulk as an integration importing updates would.
            for w in 0..<authors {
                group.addTask {
                    let indices = Array(stride(from: w, to: count, by: authors))
                    for chunk in stride(from: 0, to: indices.count, by: bulk) {
                        let requests = indices[chunk..<min(chunk + bulk, indices.count)].map {
                            StepRequest(type: .provideInformation, caseID: caseIDs[$0 % cases], body: body)
                        }
                        _ = try await node.steps(requests)
                    }
                }
            }
            try await group.waitForAll()
        }
        let authored = clock.now - start
        // Done when the sender's durable cursor for the receiver has passed every event.
        while try await a.node.store.pendingDeliveries(peer: "borealis", limit: 1).count > 0 {
            try await Task.sleep(for: .milliseconds(2))
        }
        let total = clock.now - start
        let cpu = Self.cpuSeconds() - cpuStart
        let stored = try await b.node.store.eventCount() - 1 - Int64(cases)
        guard stored == Int64(events) else { throw AccordError(.storage, "the receiver stored \(stored) of \(events) events") }
        await a.stop()
        await b.stop()
        return EndToEnd(eventsPerSecond: Double(events) / total.seconds, authoringPerSecond: Double(events) / authored.seconds,
                        cores: cpu / total.seconds, cpuMicrosecondsPerEvent: cpu / Double(events) * 1e6)
    }

    /// User plus system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func latency() async throws -> (Double, Double) {
        let (a, b, root) = try await cluster()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let open = try await a.node.open(OpenCaseRequest(kind: .notification, title: "Latency", to: ["borealis"], fields: ["summary": "Latency"]))
        try await b.node.waitForReceipt(of: open.event.id)
        let clock = ContinuousClock()
        var samplesMs: [Double] = [], authoringMs: [Double] = []
        for i in 0..<samples {
            let start = clock.now
            let e = try await a.node.step(.provideInformation, in: open.event.id, body: ["information": .string("Update \(i)")])
            let authored = clock.now
            try await b.node.waitForReceipt(of: e.event.id)
            samplesMs.append((clock.now - start).seconds * 1000)
            authoringMs.append((authored - start).seconds * 1000)
            try await Task.sleep(for: .milliseconds(10))
        }
        await a.stop()
        await b.stop()
        // Where the slowest samples spent their time: the author's commit, or delivery and receipt.
        for i in samplesMs.indices.sorted(by: { samplesMs[$0] > samplesMs[$1] }).prefix(3) {
            say(String(format: "  slow sample %d: %.2f ms, of which authoring %.2f ms", i, samplesMs[i], authoringMs[i]))
        }
        samplesMs.sort()
        return (samplesMs[samplesMs.count / 2], samplesMs[min(samplesMs.count - 1, Int(Double(samplesMs.count) * 0.99))])
    }

    /// RSS of an `accord serve` process left idle for a few seconds.
    func idleRSS() async throws -> Double {
        let root = NSTemporaryDirectory() + "accord-bench-rss-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = try FreePort.find()
        let config = NodeConfiguration(name: "idle", listenPort: port, profile: ProfileInfo(organisation: "Idle", country: "XI", roles: [.technical], languages: ["en"], hours: "24/7"))
        _ = try await DataDirectory(root).create(configuration: config)
        let p = try Subprocess.start(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), ["serve", "--data", root, "--log-level", "error"], error: .inherit)
        defer {
            p.terminate()
            p.wait()
        }
        let client = OperatorClient(url: "http://127.0.0.1:\(port)", token: "")
        for _ in 0..<100 {
            if (try? await client.send(.GET, "/healthz").status) == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(3))
        let status = try String(contentsOfFile: "/proc/\(p.pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "")
        else { throw AccordError(.unavailable, "cannot read the RSS of the node") }
        return kb / 1024
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
