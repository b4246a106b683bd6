import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// People away from the screen hear of new incoming work: signed webhooks and e-mail, sent
/// from an outbox to real receivers on loopback, retried on the node's clock.
@Suite(.serialized) struct NotificationTests {
    static let secret = "webhook-secret-of-borealis-0123456789"

    static func webhookSettings(_ url: String, secretFile: String, events: [NotificationSettings.Event]? = nil) -> NotificationSettings {
        NotificationSettings(
            webhooks: [.init(url: url, secretFile: secretFile, events: events)], maxAttempts: 5, retryInitialSeconds: 10, retryMaxSeconds: 100,
            consoleURL: "https://console.borealis.example")
    }

    @Test func aRequestReachesASignedWebhookAfterRetriesWithBackoffAndOnlyOnce() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            let receiver = try await WebhookReceiver(secret: Array(Self.secret.utf8), clock: time, failFirst: 2)
            defer { Task { await receiver.stop() } }
            let file = try NotificationFixtures.writeSecret(Self.secret, in: cluster["borealis"])
            let b = try ConfiguredNode(cluster["borealis"], time: time, notifications: Self.webhookSettings(receiver.url, secretFile: file, events: [.requestReceived, .stepReceived]))
            try await b.start()
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseID = try #require(opened["event"]?.stringValue)

            // Two refusals, then accepted: each retry waits for its backoff on the node's clock.
            #expect(try await NotificationFixtures.advance(time, by: 1) { receiver.accepted.count == 1 })
            let all = receiver.requests
            #expect(all.count == 3)
            #expect(all.filter { !$0.verified }.isEmpty, "a request's signature did not verify")
            #expect(Set(all.map(\.id)).count == 1, "a retry must carry the same id")
            let gaps = zip(all.dropFirst(), all).map { $0.timestamp - $1.timestamp }
            // retry_initial_s 10, doubling, plus up to a fifth of jitter; the clock moves in 1 s steps
            // (a node slow to take its turn may wake a few steps late, never early).
            #expect(gaps.count == 2 && (10...18).contains(gaps[0]) && (20...30).contains(gaps[1]), "backoff gaps \(gaps)")

            let body = try #require(receiver.accepted.first?.body)
            #expect(body["event"]?.stringValue == "request.received")
            #expect(body["id"]?.stringValue == all[0].id)
            #expect(body["node"]?.stringValue == "borealis")
            #expect(body["case"]?["id"]?.stringValue == caseID)
            #expect(body["case"]?["kind"]?.stringValue == "preservation")
            #expect(body["case"]?["title"]?.stringValue == "Preserve mailbox records")
            #expect(body["case"]?["initiator"]?.stringValue == "aurelia")
            #expect(body["needs_action"]?.boolValue == true)
            #expect(body["action"]?.stringValue == "acknowledge")
            #expect(body["deadline"]?["what"]?.stringValue == "acknowledgement")
            #expect(body["link"]?.stringValue == "https://console.borealis.example/cases/\(caseID)")
            // The facts stay in the console.
            let text = CanonicalJSON.string(body)
            #expect(!text.contains("ransom") && !text.contains("Borealis Mail Ltd."), "the payload carries case content: \(text)")

            let listed = try await b.deliveries()
            #expect(listed.count == 1)
            #expect(listed.first?["state"]?.stringValue == "delivered")
            #expect(listed.first?["attempts"]?.intValue == 3)
            #expect(listed.first?["target"]?.stringValue?.contains("receiver-side-secret") == false, "the API shows the webhook's query")

            // A restart sends nothing again.
            await b.stop()
            try await b.start()
            time.advance(seconds: 500)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests.count == 3)

            // While the receiver refuses, a step is queued; the node restarts; it arrives once.
            receiver.setFailFirst(1000)
            _ = try await a.client.post("/api/v1/cases/\(caseID)/steps", ["type": "extend", "body": ["answer_by": "2026-12-30T09:00:00.000Z", "reason": "The custodian needs more time"]])
            #expect(try await NotificationFixtures.advance(time, by: 1) { receiver.requests.count >= 4 })
            await b.stop()
            receiver.setFailFirst(0)
            try await b.start()
            #expect(try await NotificationFixtures.advance(time, by: 5) { receiver.accepted.count == 2 })
            time.advance(seconds: 500)
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.accepted.count == 2, "a delivered notification was sent again")
            let step = try #require(receiver.accepted.last?.body)
            #expect(step["event"]?.stringValue == "step.received")
            #expect(step["step"]?["type"]?.stringValue == "case.extend")
            #expect(step["needs_action"]?.boolValue == false)
            await b.stop()
        }
    }

    @Test func deadlinesAboutToPassAndPassedAreAnnouncedOnce() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            let receiver = try await WebhookReceiver(secret: Array(Self.secret.utf8), clock: time)
            defer { Task { await receiver.stop() } }
            let file = try NotificationFixtures.writeSecret(Self.secret, in: cluster["borealis"])
            let b = try ConfiguredNode(cluster["borealis"], time: time, notifications: Self.webhookSettings(receiver.url, secretFile: file, events: [.deadlineApproaching, .deadlineOverdue]))
            try await b.start()
            try await cluster.start("aurelia")
            let opened = try await cluster["aurelia"].client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseID = try #require(opened["event"]?.stringValue)
            #expect(try await TestCluster.eventually(timeout: .seconds(60)) { try await b.node.store.caseState(EventID(hex: caseID)!) != nil })
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests.isEmpty, "request.received is not among this webhook's events")

            // The acknowledgement is due 24 h after opening; the warning comes 60 min before.
            time.advance(hours: 22)
            try await Task.sleep(for: .milliseconds(300))
            #expect(receiver.requests.isEmpty)
            time.advance(seconds: 3600 + 120)
            // A scan still running when the clock moved sleeps from the new time: the clock moves
            // on a second at a time (at most ~50 minutes, before the deadline itself) until it wakes.
            #expect(try await TestCluster.eventually(advancing: time, by: 1000) { receiver.accepted.count == 1 })
            let warning = try #require(receiver.accepted.first?.body)
            #expect(warning["event"]?.stringValue == "deadline.approaching")
            #expect(warning["deadline"]?["what"]?.stringValue == "acknowledgement")
            #expect(warning["deadline"]?["owed_by"]?.stringValue == "borealis")
            // Later scans find the same deadline and queue nothing new.
            for _ in 0..<3 { time.advance(seconds: 61); try await Task.sleep(for: .milliseconds(100)) }
            #expect(receiver.accepted.count == 1)
            time.advance(hours: 1)
            #expect(try await TestCluster.eventually(advancing: time, by: 1000) { receiver.accepted.count == 2 })
            #expect(receiver.accepted.last?.body["event"]?.stringValue == "deadline.overdue")
            for _ in 0..<3 { time.advance(seconds: 61); try await Task.sleep(for: .milliseconds(100)) }
            #expect(receiver.accepted.count == 2)
            await b.stop()
        }
    }

    @Test func eMailGoesThroughTheSendmailCommandWithProperHeaders() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            let tmp = TemporaryDirectory("accord-mail")
            defer { tmp.remove() }
            let sendmail = try NotificationFixtures.fakeSendmail(in: tmp.path)
            let settings = NotificationSettings(
                email: .init(command: "\(sendmail) -t -i", to: ["duty@borealis.example", "lead@borealis.example"], from: "accord@borealis.example"),
                consoleURL: "https://console.borealis.example/")
            let b = try ConfiguredNode(cluster["borealis"], time: time, notifications: settings)
            try await b.start()
            try await cluster.start("aurelia")
            let opened = try await cluster["aurelia"].client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseID = try #require(opened["event"]?.stringValue)
            #expect(try await TestCluster.eventually(timeout: .seconds(60)) { NotificationFixtures.mails(in: tmp.path).count == 1 })
            let (message, args) = try #require(NotificationFixtures.mails(in: tmp.path).first)
            #expect(args == "-t -i")
            let parts = message.components(separatedBy: "\n\n")
            let lines = parts[0].components(separatedBy: "\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 78 })
            // Unfolded: a line starting with a space continues the header before it.
            let headers = parts[0].replacingOccurrences(of: "\n ", with: " ").components(separatedBy: "\n")
            let body = parts.dropFirst().joined(separator: "\n\n")
            func header(_ name: String) -> String? { headers.first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) } }
            #expect(header("From") == "accord@borealis.example")
            #expect(header("To") == "duty@borealis.example, lead@borealis.example")
            #expect(header("Subject") == "New request for borealis: Expedited preservation request from aurelia")
            #expect(header("Date") == "Fri, 27 Nov 2026 09:00:00 +0000")
            #expect(header("Message-ID")?.hasPrefix("<ntf-") == true)
            #expect(header("MIME-Version") == "1.0")
            #expect(header("Content-Type") == "text/plain; charset=utf-8")
            #expect(header("Auto-Submitted") == "auto-generated")
            #expect(body.contains("Case id:   \(caseID)"))
            #expect(body.contains("Preserve mailbox records"))
            #expect(body.contains("Deadline:  acknowledgement by 2026-11-28T09:00:00"))
            #expect(body.contains("Open:      https://console.borealis.example/cases/\(caseID)"))
            #expect(!body.contains("ransom") && !body.contains("Borealis Mail Ltd."), "the e-mail carries case content")
            // The message is stored by the command just before it exits and the node records it.
            #expect(try await TestCluster.eventually { try await b.deliveries("?state=delivered").count == 1 })
            await b.stop()
        }
    }

    @Test func aRefusingMailCommandIsGivenUpVisiblyInTheAPIAndTheCommandLine() async throws {
        let time = ManualTime()
        try await TestCluster.with(["borealis"], time: time) { cluster in
            let tmp = TemporaryDirectory("accord-mail")
            defer { tmp.remove() }
            let sendmail = try NotificationFixtures.fakeSendmail(in: tmp.path, failing: true)
            let settings = NotificationSettings(
                email: .init(command: sendmail, to: ["duty@borealis.example"], from: "accord@borealis.example"), maxAttempts: 2, retryInitialSeconds: 5)
            let b = try ConfiguredNode(cluster["borealis"], time: time, notifications: settings)
            try await b.start()
            let queued = try await b.member.client.post("/api/v1/notifications/test", [:])
            let id = try #require(queued["id"]?.stringValue)
            #expect(queued["destinations"] == ["email"])
            #expect(try await NotificationFixtures.advance(time, by: 2) { try await b.deliveries("?state=failed").count == 1 })
            let failed = try #require(try await b.deliveries("?state=failed").first)
            #expect(failed["id"]?.stringValue == id)
            #expect(failed["attempts"]?.intValue == 2)
            #expect(failed["last_error"]?.stringValue?.contains("exited with status 75: sendmail: 550 mailbox unavailable") == true)

            let run = try await CommandLineTests.accord(["notify", "list", "--state", "failed", "--node", b.member.url, "--token", b.member.token])
            #expect(run.status == 0, "\(run.err)")
            #expect(run.out.contains(id) && run.out.contains("failed after 2 attempt(s)") && run.out.contains("550 mailbox unavailable"), "\(run.out)")

            // Retried on request: attempts start again.
            let retried = try await b.member.client.post("/api/v1/notifications/\(id)/retry", [:])
            #expect(retried["requeued"]?.intValue == 1)
            #expect(try await b.deliveries("?state=pending").first?["attempts"]?.intValue ?? 0 <= 1)
            let unknown = try await b.member.client.send(.POST, "/api/v1/notifications/ntf-00000000000000000000000000000000/retry", body: Array("{}".utf8))
            #expect(unknown.status == 404)
            await b.stop()
        }
    }

    @Test func aTestNotificationWithoutDestinationsIsRefusedAndOnlyAdminsSeeTheOutbox() async throws {
        try await TestCluster.with(["borealis"]) { cluster in
            try await cluster.start("borealis")
            let b = cluster["borealis"]
            let reply = try await b.client.send(.POST, "/api/v1/notifications/test", body: Array("{}".utf8))
            #expect(reply.status == 409)
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("notifications.webhooks") == true)
            let (token, record) = OperatorTokens.make(name: "officer", role: .officer, now: b.node.time.now())
            try await b.node.store.saveToken(record)
            let officer = OperatorClient(url: b.url, token: token)
            #expect(try await officer.send(.GET, "/api/v1/notifications").status == 403)
            let bad = try await b.client.send(.GET, "/api/v1/notifications?state=lost")
            #expect(bad.status == 400 && bad.json?["error"]?["field"]?.stringValue == "state")
        }
    }

    @Test func garbageConfigurationIsRefusedNamingTheKey() async throws {
        let tmp = TemporaryDirectory("accord-config")
        defer { tmp.remove() }
        let base: [String: Any] = [
            "name": "borealis", "listen_host": "127.0.0.1", "listen_port": 7400, "public_url": "http://127.0.0.1:7400", "max_body_bytes": 8 << 20,
            "profile": ["organisation": "B", "country": "XB", "roles": ["technical"], "languages": ["en"], "hours": "24/7"],
            "deadlines": try JSONSerialization.jsonObject(with: JSONEncoder().encode(DeadlinePolicy.standard)),
            "delivery": [:] as [String: Any],
        ]
        func load(_ notifications: Any) -> String {
            var config = base
            config["notifications"] = notifications
            let url = URL(fileURLWithPath: tmp.path + "/accord.json")
            try? JSONSerialization.data(withJSONObject: config).write(to: url)
            do {
                _ = try NodeConfiguration.load(from: url)
                return "loaded"
            } catch {
                return error.message
            }
        }
        #expect(load(["webhooks": [["secret": "0123456789abcdef0123"]]]).contains("notifications.webhooks[0].url is missing"))
        #expect(load(["webhooks": [["url": 5, "secret": "0123456789abcdef0123"]]]).contains("notifications.webhooks[0].url must be a string"))
        #expect(load(["webhooks": [["url": "ftp://x", "secret": "0123456789abcdef0123"]]]).contains("notifications.webhooks[0].url must be an http(s) URL"))
        #expect(load(["webhooks": [["url": "https://h.example/x", "secert": "0123456789abcdef0123"]]]).contains("notifications.webhooks[0].secert is not a setting"))
        #expect(load(["webhooks": [["url": "https://h.example/x"]]]).contains("needs exactly one of secret and secret_file"))
        #expect(load(["webhooks": [["url": "https://h.example/x", "secret": "short"]]]).contains("notifications.webhooks[0].secret must be at least 16 bytes"))
        #expect(load(["webhooks": [["url": "https://h.example/x", "secret": "0123456789abcdef0123", "events": ["case.opened"]]]]).contains("notifications.webhooks[0].events lists \"case.opened\""))
        #expect(load(["email": ["command": "sendmail -t", "to": "a@b.example", "from": "c@d.example"]]).contains("notifications.email.command must start with the program's absolute path"))
        #expect(load(["email": ["command": "/usr/sbin/sendmail -t", "to": "a@b.example\nBcc: x@y.example", "from": "c@d.example"]]).contains("is not a plain e-mail address"))
        #expect(load(["email": ["command": "/usr/sbin/sendmail", "to": ["a@b.example"]]]).contains("notifications.email.from is missing"))
        #expect(load(["max_attempts": "ten"]).contains("notifications.max_attempts must be a whole number"))
        #expect(load(["max_attempts": 0]).contains("notifications.max_attempts must be 1–100"))
        #expect(load("all of them").contains("notifications must be an object"))
        #expect(load(["webhooks": [["url": "https://h.example/x", "secret_file": "hook.secret", "events": ["request.received"]]], "console_url": "https://c.example"]) == "loaded")
    }

    @Test func aSecretFileOthersCanReadStopsTheNodeFromOpening() async throws {
        try await TestCluster.with(["borealis"]) { cluster in
            let m = cluster["borealis"]
            let file = try NotificationFixtures.writeSecret(Self.secret, in: m, mode: 0o644)
            _ = try ConfiguredNode(m, time: SystemTime(), notifications: Self.webhookSettings("https://hooks.example/accord", secretFile: file))
            do {
                _ = try Node.open(m.directory)
                Issue.record("the node opened with a secret file others can read")
            } catch let e as AccordError {
                #expect(e.message.contains("notifications.webhooks[0].secret_file") && e.message.contains("chmod 600"))
                #expect(!e.message.contains(Self.secret))
            }
        }
    }

    @Test func aReceiverRefusesForgedTamperedAndReplayedRequests() {
        let secret = Array(Self.secret.utf8), body = Array(#"{"id":"ntf-1","event":"test"}"#.utf8)
        let header = WebhookSignature.sign(body: body, secret: secret, timestamp: 1_800_000_000)
        #expect(WebhookSignature.verify(header: header, body: body, secret: secret, now: 1_800_000_010))
        #expect(!WebhookSignature.verify(header: header, body: body + [0x20], secret: secret, now: 1_800_000_010), "a changed body")
        #expect(!WebhookSignature.verify(header: header, body: body, secret: Array("another-secret-0123456789".utf8), now: 1_800_000_010), "another key")
        #expect(!WebhookSignature.verify(header: header, body: body, secret: secret, now: 1_800_000_301), "replayed after 5 minutes")
        #expect(!WebhookSignature.verify(header: header.replacingOccurrences(of: "t=1800000000", with: "t=1800000100"), body: body, secret: secret, now: 1_800_000_100), "a moved timestamp")
        #expect(!WebhookSignature.verify(header: "garbage", body: body, secret: secret, now: 1_800_000_000))
    }

}
