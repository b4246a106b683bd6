import AccordConsole
import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import Foundation
import Logging

/// Three fictional participants, their nodes, and a scripted scenario verified on every node.
final class Demo: Sendable {
    struct Participant: Sendable {
        let name: String
        let organisation: String
        let country: String
        let roles: [ProfileInfo.ContactRole]
    }

    static let participants = [
        Participant(name: "aurelia-247", organisation: "Aurelia National 24/7 Cybercrime Contact Point", country: "XA", roles: [.lawEnforcement247, .centralAuthority]),
        Participant(name: "borealis-247", organisation: "Borealis Police Cybercrime Unit (24/7)", country: "XB", roles: [.lawEnforcement247, .technical]),
        Participant(name: "caledonia-cert", organisation: "Caledonia National CERT", country: "XC", roles: [.technical, .diplomatic]),
    ]

    let nodes: [RunningNode]
    let clients: [String: OperatorClient]
    let tokens: [String: String]
    /// Each node's web console account's password (the account is `duty-officer`).
    let consolePasswords: [String: String]
    let directory: String

    static let consoleAccount = "duty-officer"

    init(nodes: [RunningNode], clients: [String: OperatorClient], tokens: [String: String], consolePasswords: [String: String], directory: String) {
        self.nodes = nodes
        self.clients = clients
        self.tokens = tokens
        self.consolePasswords = consolePasswords
        self.directory = directory
    }

    static func start(directory: String?) async throws -> Demo {
        let root = directory ?? (NSTemporaryDirectory() + "accord-demo-\(UUID().uuidString.prefix(8))")
        var logger = Logger(label: "accord.demo")
        logger.logLevel = .warning
        say("Accord demo — three nodes on 127.0.0.1, data in \(root)")
        var nodes: [RunningNode] = []
        var tokens: [String: String] = [:]
        var consolePasswords: [String: String] = [:]
        for p in participants {
            let port = try FreePort.find()
            let config = NodeConfiguration(
                name: p.name, listenHost: "127.0.0.1", listenPort: port,
                profile: ProfileInfo(organisation: p.organisation, country: p.country, roles: p.roles, languages: ["en"], hours: "24/7"),
                delivery: DeliverySettings(retryInitialMilliseconds: 100, retryMaxMilliseconds: 2000))
            let dir = DataDirectory(root + "/" + p.name)
            _ = try await dir.create(configuration: config)
            let node = try Node.open(dir, logger: logger)
            let (token, record) = OperatorTokens.make(name: "demo-officer", role: .admin, now: node.time.now())
            try await node.store.saveToken(record)
            tokens[p.name] = token
            // A web console account per node, signed in at <url>/console.
            let password = AccountCommand.newPassword()
            try await node.store.addConsoleAccount(
                try await ConsolePasswords.account(name: consoleAccount, role: .officer, password: password, cost: ConsoleSettings().bcryptCost, now: node.time.now()))
            consolePasswords[p.name] = password
            let running = try await RunningNode.start(node, port: port)
            nodes.append(running)
            say("  ● \(p.name) — \(p.organisation) (\(p.country)) at \(running.url), key \(node.keys.publicSigningKey.fingerprint.prefix(16))…")
        }
        var clients: [String: OperatorClient] = [:]
        for n in nodes { clients[n.node.name] = OperatorClient(url: n.url, token: tokens[n.node.name]!) }
        // Every node pins every other, confirming the fingerprint it was given "out of band".
        for a in nodes {
            for b in nodes where a !== b {
                _ = try await clients[a.node.name]!.post("/api/v1/peers", [
                    "url": .string(b.url), "fingerprint": .string(b.node.keys.publicSigningKey.fingerprint),
                ])
            }
        }
        say("  Each node pinned the other two after checking their fingerprints.\n")
        return Demo(nodes: nodes, clients: clients, tokens: tokens, consolePasswords: consolePasswords, directory: root)
    }

    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    func client(_ name: String) -> OperatorClient { clients[name]! }

    /// Runs the scenario; true only if every step was verified on every node concerned.
    func runScenario() async -> Bool {
        var verified = true
        do {
            let (preserved, answer) = try await preservationScenario()
            verified = preserved && verified
            verified = try await notificationAndConsultation() && verified
            verified = try await communicationCheck() && verified
            verified = try await verifySignaturesEverywhere() && verified
            verified = try await proveOffline(answer, by: "borealis-247", heldBy: "aurelia-247") && verified
        } catch {
            Self.say("✗ the scenario stopped: \(error)")
            return false
        }
        Self.say(verified ? "\n✓ Every step was signed, delivered, verified and stored identically on every node concerned." : "\n✗ Some steps could not be verified (see above).")
        return verified
    }

    /// A request left open for a person to handle in borealis-247's web console.
    func leaveWorkForTheConsole() async {
        do {
            let id = try await open("caledonia-cert", [
                "kind": "assistance", "title": "Help contain a botnet controller in your range", "to": ["borealis-247"], "urgent": true, "norms": ["13(h)"],
                "fields": [
                    "summary": "A command-and-control server at 192.0.2.77 (Borealis address space) steers bots attacking Caledonia's power utility.",
                    "assistance_sought": "Identify the hosting provider and ask it to take the server offline; share any logs you can.",
                    "critical_infrastructure": true,
                ],
            ])
            Self.say("\nLeft open for you: caledonia-cert asks borealis-247 for assistance (case \(id.prefix(12))); acknowledge and answer it in borealis-247's console.")
        } catch {
            Self.say("(could not leave a request open for the console: \(error))")
        }
    }

    func open(_ from: String, _ request: JSONValue) async throws -> String {
        let reply = try await client(from).post("/api/v1/cases", request)
        guard let id = reply["event"]?.stringValue else { throw AccordError(.malformed, "no case id in the reply") }
        return id
    }

    func step(_ by: String, _ caseID: String, _ type: String, _ body: JSONValue) async throws -> String {
        let reply = try await client(by).post("/api/v1/cases/\(caseID)/steps", ["type": .string(type), "body": body])
        Self.say("    \(reply["summary"]?.stringValue ?? "\(by): \(type)")")
        return reply["event"]?.stringValue ?? ""
    }

    /// Waits until `node` holds the case with `condition` true, and returns its state.
    func await(_ node: String, _ caseID: String, _ what: String, _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let reply = try await client(node).send(.GET, "/api/v1/cases/\(caseID)")
            if reply.status == 200, let state = reply.json?["state"], condition(state) { return state }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw AccordError(.unavailable, "\(node) did not see \(what) within 15 s")
    }

    func same(_ caseID: String, on names: [String]) async throws -> Bool {
        var states: [String] = []
        for n in names {
            let state = try await client(n).get("/api/v1/cases/\(caseID)")["state"] ?? .null
            states.append(CanonicalJSON.string(state))
        }
        let ok = Set(states).count == 1
        Self.say(ok ? "    ✓ identical case state on \(names.joined(separator: " and "))" : "    ✗ the case state differs between \(names.joined(separator: " and "))")
        return ok
    }

    /// Returns whether both sides agree, and the id of the answer event.
    func preservationScenario() async throws -> (Bool, String) {
        Self.say("1. Expedited preservation (Budapest Convention Art. 29): aurelia-247 → borealis-247")
        let id = try await open("aurelia-247", [
            "kind": "preservation", "title": "Preserve mailbox records of a ransomware operator", "to": ["borealis-247"],
            "urgent": true, "norms": ["13(d)"],
            "fields": [
                "authority": "Aurelia Public Prosecutor's Office, Cybercrime Division",
                "offence": "Unauthorised access and extortion (ransomware) against a regional hospital",
                "facts": "On 2026-11-20 the hospital's systems were encrypted; the ransom note named a mailbox hosted in Borealis.",
                "data": "Subscriber information, connection logs and stored messages of the mailbox named in the ransom note",
                "relationship": "The mailbox was used to negotiate the ransom and likely identifies the offenders",
                "custodian": "Borealis Mail Ltd., Northport (service provider hosting the mailbox)",
                "necessity": "The provider deletes logs after 30 days; without preservation the evidence will be lost",
                "mla_to_follow": true,
            ],
        ])
        Self.say("    aurelia-247: opened preservation request \(id.prefix(12))")
        _ = try await self.await("borealis-247", id, "the preservation request") { _ in true }
        Self.say("    borealis-247 received it (signature verified against aurelia-247's pinned key)")
        _ = try await step("borealis-247", id, "acknowledge", ["note": "Received by the duty officer; provider contacted."])
        _ = try await self.await("aurelia-247", id, "the acknowledgement") { $0["parties"]?["borealis-247"]?["status"]?.stringValue == "acknowledged" }
        let answer = try await step("borealis-247", id, "answer", ["outcome": "granted", "details": "Data preserved for 90 days under reference BP-2026-4411."])
        _ = try await self.await("aurelia-247", id, "the answer") { $0["parties"]?["borealis-247"]?["answer"]?["outcome"]?.stringValue == "granted" }
        return (try await same(id, on: ["aurelia-247", "borealis-247"]), answer)
    }

    func notificationAndConsultation() async throws -> Bool {
        Self.say("\n2. Incident notification: caledonia-cert → aurelia-247 and borealis-247, then a consultation")
        let id = try await open("caledonia-cert", [
            "kind": "notification", "title": "DDoS against the national electricity exchange traced to hosts in two states",
            "to": ["aurelia-247", "borealis-247"], "norms": ["13(c)", "13(g)", "13(h)"],
            "fields": [
                "summary": "Sustained DDoS since 03:10 UTC from about 2,000 hosts; 40% in Aurelia, 25% in Borealis.",
                "incident_time": "2026-11-26T03:10:00Z", "severity": "high", "affected": "Electricity exchange trading platform",
                "requested_action": "Help identify and take down the command-and-control servers",
            ],
        ])
        Self.say("    caledonia-cert: notified both (case \(id.prefix(12)))")
        var ok = true
        for peer in ["aurelia-247", "borealis-247"] {
            _ = try await self.await(peer, id, "the notification") { _ in true }
            _ = try await step(peer, id, "acknowledge", .object([:]))
        }
        let state = try await self.await("caledonia-cert", id, "both acknowledgements") { s in
            ["aurelia-247", "borealis-247"].allSatisfy { s["parties"]?[$0]?["status"]?.stringValue == "acknowledged" }
        }
        Self.say("    ✓ caledonia-cert holds both acknowledgements (\(state["parties"]?.objectValue?.count ?? 0) parties)")

        let consult = try await open("aurelia-247", [
            "kind": "consultation", "title": "Consultations on the DDoS against Caledonia's electricity exchange",
            "to": ["caledonia-cert"], "norms": ["13(b)", "13(h)"],
            "fields": [
                "subject": "Attribution and mitigation of the DDoS of 26 November; hosts in Aurelia's territory",
                "proposed_dates": ["2026-11-28T10:00:00Z", "2026-11-29T14:00:00Z"],
                "participants": ["Aurelia MFA cyber envoy", "Aurelia 24/7 contact point", "Caledonia CERT lead"],
            ],
        ])
        Self.say("    aurelia-247: requested consultations (case \(consult.prefix(12)))")
        _ = try await self.await("caledonia-cert", consult, "the consultation request") { _ in true }
        _ = try await step("caledonia-cert", consult, "acknowledge", .object([:]))
        let proposal = try await step("caledonia-cert", consult, "propose_conditions", ["conditions": "TLP:AMBER+STRICT — findings shared in the consultations stay within the participating agencies."])
        _ = try await self.await("aurelia-247", consult, "the proposed conditions") { ($0["conditions"]?.arrayValue?.count ?? 0) == 1 }
        _ = try await step("aurelia-247", consult, "accept_conditions", ["proposal": .string(proposal)])
        _ = try await self.await("caledonia-cert", consult, "the acceptance") { $0["conditions"]?.arrayValue?.first?["responses"]?["aurelia-247"]?.stringValue == "accepted" }
        _ = try await step("caledonia-cert", consult, "answer", ["outcome": "granted", "details": "Agreed: 28 November, 10:00 UTC, by secure video."])
        _ = try await self.await("aurelia-247", consult, "the answer") { $0["parties"]?["caledonia-cert"]?["status"]?.stringValue == "answered" }
        ok = try await same(consult, on: ["aurelia-247", "caledonia-cert"]) && ok
        return ok
    }

    func communicationCheck() async throws -> Bool {
        Self.say("\n3. Communication check: borealis-247 → all peers (one check per peer)")
        let reply = try await client("borealis-247").post("/api/v1/checks", ["all": true, "message": "Monthly check: please answer."])
        let sent = reply["sent"]?.arrayValue ?? []
        guard sent.count == 2 else { return false }
        for s in sent {
            guard let id = s["check"]?.stringValue, let peer = s["peer"]?.stringValue else { return false }
            _ = try await self.await(peer, id, "the check") { _ in true }
            _ = try await client(peer).post("/api/v1/checks/\(id)/answer", ["message": "On duty."])
            let state = try await self.await("borealis-247", id, "the answer") { $0["parties"]?[peer]?["status"]?.stringValue == "acknowledged" }
            let seconds = state["parties"]?[peer]?["response_seconds"]?.doubleValue ?? -1
            Self.say(String(format: "    ✓ %@ answered in %.2f s", peer, seconds))
        }
        return true
    }

    /// Every event every node holds verifies against the pinned key of its origin.
    func verifySignaturesEverywhere() async throws -> Bool {
        Self.say("\n4. Verifying every stored event on every node")
        var ok = true
        var keys: [String: PublicSigningKey] = [:]
        for n in nodes { keys[n.node.name] = n.node.keys.publicSigningKey }
        for n in nodes {
            var count = 0
            for state in try await n.node.store.cases(CaseQuery(limit: 10_000)) {
                for stored in try await n.node.store.events(inCase: state.id) {
                    count += 1
                    guard let key = keys[stored.event.origin], stored.event.isSigned(by: key) else {
                        Self.say("    ✗ \(n.node.name): event \(stored.event.id.short) does not verify")
                        ok = false
                        continue
                    }
                }
            }
            let status = try await n.node.store.deliveryStatus()
            let pending = status.reduce(0) { $0 + $1.pending }
            let rejected = status.reduce(0) { $0 + $1.rejected }
            Self.say("    \(ok ? "✓" : "✗") \(n.node.name): \(count) case events verified; outbox: \(pending) pending, \(rejected) rejected")
            ok = ok && pending == 0 && rejected == 0
        }
        return ok
    }

    /// The origin checkpoints its log, its peers witness it, the receiver fetches an inclusion
    /// proof; the bundle is then verified with nothing but the keys.
    func proveOffline(_ eventID: String, by origin: String, heldBy holder: String) async throws -> Bool {
        Self.say("\n5. Proof that \(origin) sent its answer \(eventID.prefix(12)), checked offline")
        var bundleText: [UInt8]?
        for _ in 0..<20 where bundleText == nil {
            _ = try await client(origin).post("/api/v1/log/checkpoints", [:])
            _ = try await client(holder).post("/api/v1/receipts/fetch", [:])
            let reply = try await client(holder).send(.GET, "/api/v1/proofs/\(eventID)")
            if reply.status == 200 { bundleText = reply.body } else { try await Task.sleep(for: .milliseconds(200)) }
        }
        guard let bundleText else {
            Self.say("    ✗ \(holder) could not obtain a witnessed inclusion proof")
            return false
        }
        let bundle = try ProofBundle(json: JSONParser.parse(bundleText))
        var trusted: [String: PublicSigningKey] = [:]
        for n in nodes { trusted[n.node.name] = n.node.keys.publicSigningKey }
        do {
            let v = try bundle.verify(policy: TrustPolicy(trusting: trusted))
            Self.say("    \(origin) signed a checkpoint of \(bundle.treeSize) leaves; witnessed by \(v.witnesses.map(\.name).joined(separator: ", "))")
            Self.say("    ✓ \(holder)'s bundle verifies offline: event signature, checkpoint, cosignatures, inclusion proof (leaf \(bundle.leafIndex))")
            return true
        } catch {
            Self.say("    ✗ the bundle does not verify: \(error.message)")
            return false
        }
    }

    func printAccess() {
        Self.say("\nThe nodes stay up. Try, for example:")
        for n in nodes {
            Self.say("  \(n.node.name): ACCORD_URL=\(n.url) ACCORD_TOKEN=\(tokens[n.node.name]!)")
        }
        Self.say("  then: accord case list · accord case show <id> · accord overdue · accord check")
        Self.say("\nWeb console (sign in as \(Self.consoleAccount), role officer):")
        for n in nodes {
            Self.say("  \(n.node.name): \(n.url)/console  password \(consolePasswords[n.node.name]!)")
        }
        Self.say("Press Ctrl-C to stop.")
    }

    func waitForInterrupt() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT)
        let term = DispatchSource.makeSignalSource(signal: SIGTERM)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            let handler = { if once.set() { c.resume() } }
            source.setEventHandler(handler: handler)
            term.setEventHandler(handler: handler)
            source.resume()
            term.resume()
        }
        Self.say("\nStopping the nodes…")
    }

    func stop() async {
        for n in nodes { await n.stop() }
    }
}

final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func set() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
