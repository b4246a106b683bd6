import AccordCore
import AccordNode
import AccordStore
import ArgumentParser
import Foundation

/// `accord bench seed`: fills two stopped nodes with many cases, as if each had been opened on
/// the first and delivered to the second: events signed with the first node's key, appended to
/// its log in groups, received whole by the second, and the first node's delivery cursor moved
/// past them. Benchmarks of the console, statistics and the directory need 100,000 cases; through
/// the API that takes hours on a small machine, this takes minutes.
struct BenchSeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Fill two stopped nodes with cases from the first to the second, for benchmarks.",
        discussion: """
            Both nodes must be stopped and pinned to each other. Requests of every kind are opened \
            over the past --days days (preservation requests most often), all still open: the worst \
            case for an inbox. Each carries a findable ticket number (ticketNNNNNN) in its text.
            """)

    @Option(help: "The sending node's data directory.") var from: String
    @Option(help: "The receiving node's data directory.") var to: String
    @Option(help: "Cases to open.") var cases: Int = 100_000
    @Option(help: "Cases per transaction.") var group: Int = 2_000
    @Option(help: "Spread the opening times over this many past days.") var days: Int = 60

    func validate() throws {
        guard cases > 0, group > 0, days > 0 else { throw ValidationError("--cases, --group and --days must be positive") }
    }

    static let words = ["ransomware", "mailbox", "botnet", "phishing", "exfiltration", "wiper", "credential", "hospital", "registrar", "pipeline"]

    func run() async throws {
        try await reporting {
            let sender = try Node.open(DataDirectory(from)), receiver = try Node.open(DataDirectory(to))
            let (a, b) = (sender.name, receiver.name)
            guard try await sender.store.peer(named: b) != nil, let pinned = try await receiver.store.peer(named: a),
                pinned.signingKey == sender.keys.publicSigningKey
            else { throw ValidationError("pin the nodes to each other first ('accord peer add'): \(a) must know \(b), and \(b) must hold \(a)'s current key") }
            let now = SystemTime().now()
            let start = now.adding(days: -Int64(days))
            let step = max(1, Int64(days) * 86_400_000 / Int64(cases))
            let clock = ContinuousClock.now
            var done = 0
            while done < cases {
                let n = min(group, cases - done)
                var commits: [AuthoredCommit] = []
                commits.reserveCapacity(n)
                for i in done..<(done + n) {
                    let at = Timestamp(milliseconds: start.milliseconds + Int64(i) * step)
                    let event = Event.sign(type: .open, origin: a, to: [b], caseID: nil, time: at, body: Self.body(i, at: at), keys: sender.keys)
                    commits.append(AuthoredCommit(event: event, caseState: try CaseState.open(CaseStep(event))))
                }
                _ = try await sender.store.commitAuthored(commits, now: now)
                try await receiver.store.commitReceived(InboundReceipt(
                    peer: a, batchID: "seed-\(UUID().uuidString)", events: commits.map(\.event), caseStates: commits.compactMap(\.caseState),
                    keyChanges: [], result: Array("{}".utf8), now: now))
                done += n
                FileHandle.standardError.write(Data("\r\(done) of \(cases) cases".utf8))
            }
            // Delivered: the sender's outbox towards the receiver is empty.
            try await sender.store.acknowledgeDelivery(peer: b, through: try await sender.store.latestEventSequence(), rejections: [], now: now)
            let seconds = Double((ContinuousClock.now - clock).components.seconds)
            print("\n\(cases) cases from \(a) to \(b) in \(Int(seconds)) s")
        }
    }

    /// Request `i`: a kind, a title and fields as an officer would write them, with a ticket number.
    static func body(_ i: Int, at: Timestamp) -> [String: JSONValue] {
        let w = words[i % words.count]
        let ticket = String(format: "ticket%06d", i)
        let kind: CaseKind = [.preservation, .preservation, .preservation, .assistance, .notification, .disclosure, .mla, .check][i % 8]
        let fields: [String: JSONValue]
        switch kind {
        case .preservation:
            fields = [
                "authority": "Aurelia Public Prosecutor's Office", "offence": .string("Extortion (\(w))"),
                "facts": .string("Case \(i): a \(w) incident; \(ticket) names an account."), "data": "Subscriber data and logs",
                "relationship": "Used in the incident", "custodian": "Borealis Mail Ltd.", "necessity": "Logs are deleted after 30 days", "mla_to_follow": true,
            ]
        case .assistance:
            fields = ["summary": .string("A \(w) campaign against a hospital (\(ticket))."), "assistance_sought": "Take down the command servers"]
        case .notification:
            fields = ["summary": .string("A \(w) incident seen from your address space (\(ticket))."), "severity": "high"]
        case .disclosure:
            fields = ["authority": "Aurelia Public Prosecutor's Office", "offence": .string("Fraud (\(w))"), "data": .string("Traffic data for \(ticket)"),
                      "purpose": "Identify the service providers and the path of the communication"]
        case .mla:
            fields = ["authority": "Aurelia Ministry of Justice", "subject": .string("Investigation of a \(w) group"), "facts": .string("See \(ticket)."),
                      "assistance_sought": "Search and seizure of a server", "purpose": "Evidence for the trial"]
        default:
            fields = ["message": .string("Communication check \(ticket)")]
        }
        let deadlines = DeadlinePolicy.standard.deadlines(for: kind, openedAt: at, urgent: i % 20 == 0)
        return [
            "kind": .string(kind.rawValue), "title": .string("\(kind.title) \(i) (\(w))"), "fields": .object(fields), "urgent": .bool(i % 20 == 0),
            "deadlines": deadlines.json,
        ]
    }
}
