import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import ArgumentParser
import Foundation

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Responsiveness statistics: time to acknowledge and answer, per peer and per kind of case.",
        subcommands: [StatsShowCommand.self, StatsSeedCommand.self], defaultSubcommand: StatsShowCommand.self)
}

struct StatsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the statistics of a period as tables (the default), CSV or JSON.",
        discussion: "Cases opened in the period count; times are medians and 90th percentiles (nearest rank). Exercise cases are left out unless --exercise-only.")
    @OptionGroup var api: APIOptions
    @Option(help: "Start of the period: a date (2026-01-01) or an RFC 3339 UTC time (default: 90 days before --to).") var from: String?
    @Option(help: "End of the period: a date (to the end of that day) or an RFC 3339 UTC time (default: now).") var to: String?
    @Option(help: "Only cases with this peer.") var peer: String?
    @Option(help: "Only this kind of case.") var kind: String?
    @Flag(help: "Exercise cases only, instead of real cases.") var exerciseOnly = false
    @Flag(help: "Print CSV (one line per direction and group).") var csv = false

    func query(format: String?) -> String {
        var c = URLComponents()
        var items: [URLQueryItem] = []
        for (k, v) in [("from", from), ("to", to), ("peer", peer), ("kind", kind), ("format", format)] { if let v { items.append(URLQueryItem(name: k, value: v)) } }
        if exerciseOnly { items.append(URLQueryItem(name: "exercise", value: "only")) }
        c.queryItems = items
        return items.isEmpty ? "" : "?" + (c.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    func run() async throws {
        try await reporting {
            let client = try api.client()
            if csv {
                let reply = try await client.send(.GET, "/api/v1/stats" + query(format: "csv"))
                guard reply.status == 200 else {
                    let e = reply.json?["error"]
                    throw AccordError(AccordError.Code(rawValue: e?["code"]?.stringValue ?? "http_\(reply.status)"), e?["message"]?.stringValue ?? "the node answered HTTP \(reply.status)", field: e?["field"]?.stringValue)
                }
                FileHandle.standardOutput.write(Data(reply.body))
                return
            }
            let reply = try await client.get("/api/v1/stats" + query(format: nil))
            if api.json { return printJSON(reply) }
            let report = try JSONDecoder().decode(StatsReport.self, from: Data(CanonicalJSON.encode(reply)))
            print(StatsTable.text(report))
        }
    }
}

/// The statistics as plain-text tables, for a terminal.
enum StatsTable {
    static func text(_ r: StatsReport) -> String {
        var out: [String] = []
        let scope = [r.peer.map { "peer \($0)" }, r.kind.map { "kind \($0.rawValue)" }].compactMap { $0 }
        out.append("Responsiveness of \(r.node): cases opened from \(shown(r.from.rfc3339)) to \(shown(r.to.rfc3339))"
            + (scope.isEmpty ? "" : " (" + scope.joined(separator: ", ") + ")"))
        if r.exercise == .only { out.append(exerciseBanner + " — exercise cases only") }
        out.append("Medians and 90th percentiles by nearest rank; 'in time' is the share done by the deadline.")
        for (title, d) in [("Requests this node sent: how fast peers answered", r.sent), ("Requests this node received: how fast it answered", r.received)] {
            out.append("")
            out.append(title)
            let header = ["", "requests", "ack'd", "ack median", "ack p90", "ack in time", "answered", "ans median", "ans p90", "ans in time", "overdue", "checks", "check median", "check p90"]
            var rows: [[String]] = [header]
            func row(_ name: String, _ f: StatsFigures) -> [String] {
                [name, String(f.requests), String(f.acknowledged), StatsFormat.duration(f.acknowledgeMedianSeconds), StatsFormat.duration(f.acknowledgeP90Seconds),
                 StatsFormat.share(f.acknowledgedWithinDeadline), "\(f.answered)/\(f.answerOwed)", StatsFormat.duration(f.answerMedianSeconds),
                 StatsFormat.duration(f.answerP90Seconds), StatsFormat.share(f.answeredWithinDeadline),
                 String(f.overdueAcknowledgements + f.overdueAnswers), "\(f.checks.answered)/\(f.checks.sent)",
                 StatsFormat.duration(f.checks.answerMedianSeconds), StatsFormat.duration(f.checks.answerP90Seconds)]
            }
            rows.append(row("all", d.total))
            for p in d.byPeer { rows.append(row("peer " + p.name, p.figures)) }
            for k in d.byKind { rows.append(row("kind " + k.name, k.figures)) }
            let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
            for cells in rows {
                out.append(cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - c.count) + c }
                    .joined(separator: "  "))
            }
            let outcomes = d.total.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            if !outcomes.isEmpty { out.append("Outcomes: " + outcomes.joined(separator: ", ")) }
            let grounds = d.total.refusalGrounds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            if !grounds.isEmpty { out.append("Refusal grounds: " + grounds.joined(separator: ", ")) }
        }
        return out.joined(separator: "\n")
    }
}

/// Fills a data directory with a realistic history of cases, for measuring the statistics
/// page (scripts/bench-stats). Writes case states straight into the store, in large
/// transactions, through the store's own write path; no event is signed or sent.
struct StatsSeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Store a generated history of cases for benchmarks (never on a node in service).",
        discussion: "Cases are built with the case machine (open, acknowledge, answer, close) at generated times over --days, half sent by this node and half received, about 3% exercises.")
    @OptionGroup var data: DataOption
    @Option(help: "Cases to store (besides the checks).") var cases: Int = 100_000
    @Option(help: "Communication checks to store.") var checks: Int = 10_000
    @Option(help: "Peers to spread them over.") var peers: Int = 12
    @Option(help: "Days of history, ending now.") var days: Int = 365
    @Option(help: "Cases per transaction.") var batch: Int = 5_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 7

    func validate() throws {
        guard cases >= 0, checks >= 0, (1...500).contains(peers), days > 0, batch > 0 else { throw ValidationError("--cases and --checks >= 0, --peers 1–500, --days and --batch > 0") }
    }

    func run() async throws {
        try await reporting {
            let dir = DataDirectory(data.directory)
            let me = try dir.loadConfiguration().name
            let store = try SQLiteStore(path: dir.databasePath)
            var gen = StatsSeed(me: me, peers: (1...peers).map { String(format: "peer%03d", $0) }, days: Int64(days), rng: seed)
            let started = Date()
            var pending: [CaseState] = []
            let total = cases + checks
            for i in 0..<total {
                pending.append(try gen.next(check: i >= cases))
                if pending.count == batch || i == total - 1 {
                    try await store.importCaseStates(pending)
                    pending.removeAll(keepingCapacity: true)
                    FileHandle.standardError.write(Data(String(format: "  %d/%d stored (%.0f s)\n", i + 1, total, Date().timeIntervalSince(started)).utf8))
                }
            }
            print("Stored \(cases) cases and \(checks) checks for \(me) in \(Int(Date().timeIntervalSince(started))) s.")
        }
    }
}

/// Generated case histories: answer times spread from minutes to weeks, some late, some never.
struct StatsSeed {
    let me: String
    let peers: [String]
    let days: Int64
    var rng: UInt64
    let now = Timestamp(Date())
    let policy = DeadlinePolicy.standard

    mutating func random() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(random() >> 11) / Double(1 << 53) }
    mutating func id() -> EventID {
        var bytes: [UInt8] = []
        for _ in 0..<4 { let v = random(); for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        return EventID(bytes: bytes)
    }
    /// Seconds, log-uniform between `low` and `high`.
    mutating func delay(_ low: Double, _ high: Double) -> Int64 { Int64(exp(log(low) + uniform() * (log(high) - log(low)))) }

    static let kinds: [CaseKind] = [.notification, .assistance, .preservation, .disclosure, .mla, .consultation]
    static let grounds: [Ground] = Ground.refusal

    static func fields(_ kind: CaseKind) -> [String: JSONValue] {
        switch kind {
        case .notification: ["summary": "Phishing wave against ministries"]
        case .assistance: ["summary": "DDoS on a registrar", "assistance_sought": "Filter traffic from listed networks"]
        case .preservation:
            ["authority": "Public Prosecutor", "offence": "Extortion", "facts": "Ransom demanded by e-mail", "data": "Subscriber data and logs",
             "relationship": "Used in the extortion", "custodian": "Mail provider", "necessity": "Logs are deleted after 30 days", "mla_to_follow": true]
        case .disclosure: ["authority": "Public Prosecutor", "offence": "Extortion", "data": "Traffic data preserved", "purpose": "Identify the path of the communication"]
        case .mla: ["authority": "Ministry of Justice", "subject": "Extortion investigation", "facts": "Ransom demands", "assistance_sought": "Subscriber records", "purpose": "Evidence for trial"]
        case .consultation: ["subject": "Scanning from shared infrastructure", "proposed_dates": ["2026-12-01T10:00:00Z"], "participants": ["duty officers"]]
        case .check: [:]
        }
    }

    mutating func next(check: Bool) throws(AccordError) -> CaseState {
        let kind = check ? .check : Self.kinds[Int(random() % UInt64(Self.kinds.count))]
        let peer = peers[Int(random() % UInt64(peers.count))]
        let sent = check || random() % 2 == 0
        let (from, to) = sent ? (me, peer) : (peer, me)
        let opened = now.adding(seconds: -Int64(uniform() * Double(days * 86400)))
        let urgent = !check && random() % 10 == 0
        let deadlines = policy.deadlines(for: kind, openedAt: opened, urgent: urgent)
        var d: [String: JSONValue] = ["acknowledge_by": .string(deadlines.acknowledgeBy.rfc3339)]
        if let a = deadlines.answerBy { d["answer_by"] = .string(a.rfc3339) }
        if let p = deadlines.preserveUntil { d["preserve_until"] = .string(p.rfc3339) }
        var body: [String: JSONValue] = ["kind": .string(kind.rawValue), "title": .string(check ? "Communication check" : "\(kind.title) \(random() % 100_000)"),
                                         "fields": .object(Self.fields(kind)), "deadlines": .object(d)]
        if urgent { body["urgent"] = true }
        if random() % 33 == 0 { body["exercise"] = true }
        var state = try CaseState.open(CaseStep(id: id(), type: .open, author: from, to: [to], time: opened, body: body))
        func at(_ seconds: Int64) -> Timestamp? {
            let t = opened.adding(seconds: max(seconds, 1))
            return t < now ? t : nil
        }
        // Acknowledged in 93% of cases, from a minute to two days.
        var last: Int64 = 0
        // A check answered after its expiry is refused by the case rules: it stays unanswered.
        if random() % 100 < 93, let t = at(delay(check ? 20 : 60, check ? 4 * 3600 : 2 * 86400)), !check || t <= state.deadlines.acknowledgeBy {
            try state.apply(CaseStep(id: id(), type: .acknowledge, author: to, to: [from], time: t, body: [:]))
            last = t.milliseconds - opened.milliseconds
        } else { return state }
        guard kind.takesAnswer, random() % 100 < 80 else { return state }
        let answerSeconds = max(last / 1000 + 1, delay(3600, 120 * 86400))
        guard let t = at(answerSeconds) else { return state }
        let roll = random() % 100
        var answer: [String: JSONValue]
        if roll < 60 {
            answer = ["outcome": "granted"]
        } else if roll < 72 {
            answer = ["outcome": "partially_granted", "reason": "Only part of the data is held"]
        } else if roll < 80 {
            answer = ["outcome": "postponed", "grounds": ["prejudice_to_proceedings"], "reason": "Domestic proceedings first"]
        } else {
            answer = ["outcome": "refused", "grounds": [.string(Self.grounds[Int(random() % UInt64(Self.grounds.count))].rawValue)], "reason": "Refused on stated grounds"]
        }
        try state.apply(CaseStep(id: id(), type: .answer, author: to, to: [from], time: t, body: answer))
        if answer["outcome"] != "postponed", random() % 2 == 0, let c = at(answerSeconds + 3600) {
            try state.apply(CaseStep(id: id(), type: .close, author: from, to: [to], time: c, body: [:]))
        }
        return state
    }
}
