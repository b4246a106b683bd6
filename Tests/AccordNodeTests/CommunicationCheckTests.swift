import AccordConsole
import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Communication checks on an injected clock, between real nodes over HTTP with real SQLite
/// files: on demand to one peer and to all, the schedule (and a restart), the human answer time
/// apart from the transport acknowledgement, expiry, closing, late answers, and no pile-up.
@Suite(.serialized) struct CommunicationCheckTests {
    static func record(_ node: Node, _ id: EventID) async throws -> CheckRecord? {
        try await node.checks(limit: 10_000).first { $0.id == id }
    }

    /// Moves the manual clock a second at a time until `condition` holds (delivery retries wait on it).
    @Test func onDemandToOnePeerThenToAllWithoutPilingUp() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], time: time) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            // To one peer, by the API.
            let one = try await a.client.post("/api/v1/checks", ["to": ["borealis"], "message": "Please answer."])
            let sent = try #require(one["sent"]?.arrayValue)
            #expect(sent.count == 1 && sent[0]["peer"]?.stringValue == "borealis")
            #expect(one["skipped"]?.arrayValue?.isEmpty == true)
            let first = try #require(sent[0]["check"]?.stringValue.flatMap(EventID.init(hex:)))
            let state = try #require(try await a.node.store.caseState(first))
            #expect(state.kind == .check && state.addressees == ["borealis"] && state.fields["message"]?.stringValue == "Please answer.")
            // The default expiry is the check kind's acknowledgement deadline (2 h).
            #expect(state.deadlines.acknowledgeBy == time.now().adding(seconds: 7200))

            // To all: caledonia gets one; borealis's is still running, so it is skipped, not doubled.
            let all = try await a.client.post("/api/v1/checks", ["all": true])
            #expect(all["sent"]?.arrayValue?.map { $0["peer"]?.stringValue } == ["caledonia"])
            #expect(all["skipped"]?.arrayValue?.first?["peer"]?.stringValue == "borealis")
            #expect(all["skipped"]?.arrayValue?.first?["open_check"]?.stringValue == first.hex)
            #expect(try await a.node.checks(openOnly: true).count == 2)

            // Everyone has a running check: refused as a whole, with the reason.
            let again = try await a.client.send(.POST, "/api/v1/checks", body: Array(#"{"to":["borealis"]}"#.utf8))
            #expect(again.status == 409)
            #expect(again.json?["error"]?["message"]?.stringValue?.contains("still running") == true)

            // Bad requests leave nothing signed.
            let before = try await a.node.store.eventCount()
            for (body, status, field) in [
                (#"{"to":["nobody"]}"#, 403, "to"), (#"{"to":[]}"#, 400, "to"), (#"{"to":["borealis"],"all":true}"#, 400, "all"),
                (#"{"peer":"borealis"}"#, 400, "peer"), (#"{"all":false}"#, 400, "to"), (#"{"to":["caledonia"],"expire_after_minutes":0}"#, 400, "expire_after_minutes"),
                (#"{"to":["caledonia"],"message":""}"#, 400, "fields.message"), ("[1", 400, nil),
            ] as [(String, Int, String?)] {
                let r = try await a.client.send(.POST, "/api/v1/checks", body: Array(body.utf8))
                #expect(r.status == status, "\(body) answered \(r.status)")
                if let field { #expect(r.json?["error"]?["field"]?.stringValue == field, "\(body): \(String(decoding: r.body, as: UTF8.self))") }
            }
            #expect(try await a.node.store.eventCount() == before)
        }
    }

    @Test func theHumanAnswerTimeIsMeasuredApartFromTheTransportAcknowledgement() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"], b = cluster["borealis"]
            let signedAt = time.now()
            let result = try await a.node.sendChecks(to: ["borealis"], message: "Weekly check", expireAfterMinutes: 60)
            let id = try #require(result.sent.first?.check)
            #expect(result.sent.first?.expiresAt == signedAt.adding(seconds: 3600))
            // borealis is down: no transport acknowledgement yet.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await Self.record(a.node, id)?.parties.first?.deliveredAt == nil)

            // borealis comes up 20 s later: its node accepts the check (the transport acknowledgement).
            time.advance(seconds: 20)
            try await cluster.start("borealis")
            #expect(try await TestCluster.eventually(advancing: time, by: 1000, pause: .milliseconds(100)) { try await b.node.store.caseState(id) != nil })
            #expect(try await TestCluster.eventually { try await Self.record(a.node, id)?.parties.first?.deliveredAt != nil })
            let delivered = try #require(try await Self.record(a.node, id))
            let deliveredAt = try #require(delivered.parties[0].deliveredAt)
            #expect(deliveredAt >= signedAt.adding(seconds: 20))
            #expect(delivered.parties[0].deliveredSeconds == Double(deliveredAt.milliseconds - signedAt.milliseconds) / 1000)
            #expect(delivered.status == .open && delivered.parties[0].answerSeconds == nil, "delivery is not an answer")

            // borealis's duty officer sees it as work to do, and answers 7 minutes after it was signed.
            let inbox = try await InboxView.build(node: b.node)
            #expect(inbox.incoming.items.contains { $0.caseID == id.hex && $0.answersCheck && $0.action.contains("communication check") })
            let received = try #require(try await Self.record(b.node, id))
            #expect(received.direction == "received" && received.receivedAt != nil && received.status == .open)
            time.advance(milliseconds: 7 * 60_000 - (time.now().milliseconds - signedAt.milliseconds))
            let answered = try await b.client.post("/api/v1/checks/\(id.hex.prefix(8))/answer", ["message": "On duty."])
            #expect(answered["state"]?["parties"]?["borealis"]?["status"]?.stringValue == "acknowledged")
            #expect(try await InboxView.build(node: b.node).incoming.items.allSatisfy { $0.caseID != id.hex }, "an answered check leaves the inbox")
            let again = try await b.client.send(.POST, "/api/v1/checks/\(id.hex)/answer", body: Array("{}".utf8))
            #expect(again.status == 409, "answered once")

            // aurelia: the human answer time is from the check's signed time to the answer's signed time.
            #expect(try await TestCluster.eventually { try await Self.record(a.node, id)?.status == .answered })
            let seen = try #require(try await Self.record(a.node, id))
            #expect(seen.parties[0].answerSeconds == 420)
            #expect(seen.parties[0].answeredAt == signedAt.adding(seconds: 420))
            #expect(seen.parties[0].deliveredAt == deliveredAt, "the transport acknowledgement is kept apart")
            #expect(seen.closed == false)

            // The initiator closes an answered check (here, or in its background round); both nodes then hold it closed.
            await a.node.closeChecks()
            // The node's background round may be closing it at the same moment: wait for the close to be stored.
            #expect(try await TestCluster.eventually { try await Self.closingReason(a.node, id) == CheckClosing.answered })
            #expect(try await TestCluster.eventually { try await b.node.store.caseState(id)?.status == .closed })
            #expect(try await Self.record(a.node, id)?.closed == true)
            #expect(try await Self.record(b.node, id)?.status == .answered)
            #expect(try await a.node.checks(openOnly: true).isEmpty)

            // The CLI lists it with both times.
            let listed = try await Self.cli(["check", "list", "--node", a.url, "--token", a.token])
            #expect(listed.contains("answered") && listed.contains("answered by a person after 420 s") && listed.contains("delivered after"), "\(listed)")
        }
    }

    @Test func anUnansweredCheckExpiresAndALateAnswerIsRefused() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let id = try #require(try await a.node.sendChecks(to: ["borealis"], expireAfterMinutes: 10).sent.first?.check)
            #expect(try await TestCluster.eventually { try await b.node.store.caseState(id) != nil })
            #expect(try await InboxView.build(node: b.node).incoming.items.contains { $0.caseID == id.hex })

            // Past the expiry: out of borealis's inbox, not open, counted as unanswered; an answer is refused.
            time.advance(seconds: 10 * 60 + 1)
            #expect(try await InboxView.build(node: b.node).incoming.items.allSatisfy { $0.caseID != id.hex })
            #expect(try await b.node.checks(openOnly: true).isEmpty)
            #expect(try await Self.record(b.node, id)?.status == .expired)
            let late = try await b.client.send(.POST, "/api/v1/checks/\(id.hex)/answer", body: Array(#"{"message":"sorry, late"}"#.utf8))
            #expect(late.status == 410)
            #expect(late.json?["error"]?["message"]?.stringValue?.contains("expired") == true)
            #expect(late.json?["error"]?["message"]?.stringValue?.contains("counts as unanswered") == true)
            // Through the generic step route too: the case rules refuse it, on every node.
            let step = try await b.client.send(.POST, "/api/v1/cases/\(id.hex)/steps", body: Array(#"{"type":"acknowledge"}"#.utf8))
            #expect(step.status == 422)
            #expect(try await b.node.store.caseState(id)?.parties["borealis"]?.status == .awaitingAcknowledgement)

            let sent = try #require(try await Self.record(a.node, id))
            #expect(sent.status == .expired && sent.parties[0].status == .expired && sent.parties[0].answerSeconds == nil && !sent.closed)
            // Within the grace for answers still on their way it stays open; then aurelia closes it as expired.
            #expect(await a.node.closeChecks().isEmpty)
            time.advance(seconds: Node.checkCloseGraceSeconds)
            await a.node.closeChecks()
            // The node's background round may be closing it at the same moment: wait for the close to be stored.
            #expect(try await TestCluster.eventually { try await Self.closingReason(a.node, id) == CheckClosing.expired })
            #expect(try await TestCluster.eventually { try await b.node.store.caseState(id)?.status == .closed })
            #expect(try await Self.record(b.node, id)?.status == .expired)
            let afterClose = try await b.client.send(.POST, "/api/v1/checks/\(id.hex)/answer", body: Array("{}".utf8))
            #expect(afterClose.status == 410)
            // Not listed as overdue work on either side once closed.
            #expect(try await a.node.overdue().isEmpty)
            #expect(try await b.node.overdue().isEmpty)
        }
    }

    @Test func scheduledChecksFireAtTheIntervalAndNotTwiceAfterARestart() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], time: time) { cluster in
            try await cluster.start("borealis")
            try await cluster.start("caledonia")
            let a = cluster["aurelia"]
            let settings = CheckSettings(intervalMinutes: 60, to: .peers(["borealis"]), expireAfterMinutes: 60, message: "Hourly check")
            let service = CheckService(node: a.node, settings: settings)
            func sentChecks(_ node: Node) async throws -> [CaseState] {
                try await node.store.cases(CaseQuery(kind: .check, limit: 100)).filter { $0.initiator == "aurelia" }
            }

            await service.pass()
            var checks = try await sentChecks(a.node)
            try #require(checks.count == 1)
            #expect(checks[0].addressees == ["borealis"] && checks[0].title == "Scheduled communication check")
            #expect(checks[0].fields["message"]?.stringValue == "Hourly check")
            #expect(try await a.node.lastScheduledChecks() == time.now())
            let start = time.now()

            // Again within the interval, and after a restart (a node opened anew from its data directory): nothing more.
            time.advance(seconds: 30 * 60)
            await service.pass()
            let reopened = try Node.open(a.directory, time: time, logger: TestCluster.logger("aurelia-reopened"))
            await CheckService(node: reopened, settings: settings).pass()
            #expect(try await sentChecks(a.node).count == 1)

            // At the interval: the first check has expired (expiry = interval) and is closed, and the next is sent.
            time.advance(seconds: 30 * 60)
            await CheckService(node: reopened, settings: settings).pass()
            checks = try await sentChecks(a.node)
            try #require(checks.count == 2)
            let (older, newer) = checks[0].openedAt < checks[1].openedAt ? (checks[0], checks[1]) : (checks[1], checks[0])
            #expect(older.status == .closed && older.checkStatus(at: time.now()) == .expired)
            #expect(newer.status == .open && newer.openedAt == start.adding(seconds: 3600))
            #expect(try await a.node.lastScheduledChecks() == start.adding(seconds: 3600))

            // A pass a little late keeps the rhythm: the next round is due at start + 2 h, not later.
            time.advance(seconds: 60 * 60 + 45)
            await service.pass()
            #expect(try await a.node.lastScheduledChecks() == start.adding(seconds: 7200))
            #expect(try await sentChecks(a.node).count == 3)

            // "all": every pinned peer; disabled: nothing.
            let everyone = CheckSettings(intervalMinutes: 60, to: .all, expireAfterMinutes: 30)
            time.advance(seconds: 3600)
            await CheckService(node: a.node, settings: everyone).pass()
            #expect(Set(try await a.node.checks(openOnly: true).flatMap { $0.parties.map(\.peer) }) == ["borealis", "caledonia"])
            time.advance(seconds: 3600)
            var off = everyone
            off.enabled = false
            await CheckService(node: a.node, settings: off).pass()
            #expect(try await a.node.checks(openOnly: true).isEmpty, "the previous round expired and nothing new was sent")
        }
    }

    @Test func aCheckIsNotAnsweredPastItsExpiryOnAnyNode() throws {
        let opened = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!
        let open = CaseStep(id: EventID(bytes: [UInt8](repeating: 7, count: 32)), type: .open, author: "aurelia", to: ["borealis"], time: opened, body: [
            "kind": "check", "title": "Communication check", "fields": [:],
            "deadlines": ["acknowledge_by": .string(opened.adding(seconds: 600).rfc3339)],
        ])
        let state = try CaseState.open(open)
        var onTime = state
        try onTime.apply(CaseStep(id: nil, type: .acknowledge, author: "borealis", to: ["aurelia"], time: opened.adding(seconds: 600), body: [:]))
        #expect(onTime.checkStatus(at: opened.adding(seconds: 601)) == .answered)
        #expect(onTime.checkAnswerSeconds(of: "borealis") == 600)
        var late = state
        #expect(throws: AccordError.self) {
            try late.apply(CaseStep(id: nil, type: .acknowledge, author: "borealis", to: ["aurelia"], time: opened.adding(seconds: 601), body: [:]))
        }
        #expect(throws: AccordError.self) {
            try late.apply(CaseStep(id: nil, type: .requestInformation, author: "borealis", to: ["aurelia"], time: opened.adding(seconds: 601), body: ["questions": "?"]))
        }
        #expect(state.checkStatus(at: opened.adding(seconds: 600)) == .open)
        #expect(state.checkStatus(at: opened.adding(seconds: 601)) == .expired)
        #expect(state.checkAwaitsAnswer(from: "borealis", at: opened.adding(seconds: 601)) == false)
    }

    @Test func theChecksSectionOfTheConfigurationNamesTheKeyAtFault() throws {
        let dir = TemporaryDirectory("accord-checks-config")
        defer { dir.remove() }
        let base = NodeConfiguration(name: "aurelia", profile: ProfileInfo(organisation: "A", country: "XA", roles: [.technical], languages: ["en"], hours: "24/7"))
        func load(_ checks: String) throws(AccordError) -> NodeConfiguration {
            var text = String(decoding: base.encoded(), as: UTF8.self)
            text = String(text.dropLast(text.hasSuffix("\n") ? 2 : 1)) + ", \"checks\": \(checks)}"
            let url = URL(fileURLWithPath: dir.path + "/accord.json")
            try? Data(text.utf8).write(to: url)
            return try NodeConfiguration.load(from: url)
        }
        let weekly = try load(#"{"schedule": "weekly", "to": "all"}"#)
        #expect(weekly.checks == CheckSettings(intervalMinutes: 10_080, to: .all, expireAfterMinutes: 120))
        let short = try load(#"{"interval_minutes": 30, "to": ["borealis"], "exercise": true, "message": "Drill"}"#)
        #expect(short.checks?.expireAfterMinutes == 30 && short.checks?.to == .peers(["borealis"]) && short.checks?.exercise == true)
        #expect(try load(#"{"schedule": "daily", "enabled": false}"#).checks?.enabled == false)
        #expect(base.checks == nil)
        for (json, key) in [
            (#"{"schedule": "monthly"}"#, "checks.schedule"), (#"{}"#, "checks.schedule"),
            (#"{"schedule": "daily", "interval_minutes": 5}"#, "checks.interval_minutes"),
            (#"{"schedule": "hourly", "expire_after_minutes": 61}"#, "checks.expire_after_minutes"),
            (#"{"schedule": "hourly", "to": "some"}"#, "checks.to"), (#"{"schedule": "hourly", "to": []}"#, "checks.to"),
            (#"{"schedule": "hourly", "to": ["Not A Name"]}"#, "checks.to"), (#"{"schedule": "hourly", "every": 5}"#, "checks.every"),
            (#"{"interval_minutes": 0}"#, "checks.interval_minutes"), (#"{"schedule": "hourly", "enabled": "yes"}"#, "checks.enabled"),
        ] {
            do {
                _ = try load(json)
                Issue.record("\(json) was accepted")
            } catch {
                #expect(error.message.contains(key), "\(json): \(error.message)")
            }
        }
        // Written back as read.
        let again = try JSONDecoder().decode(CheckSettings.self, from: JSONEncoder().encode(short.checks))
        #expect(again == short.checks)
    }

    @Test func analystsAndAuditorsReadChecksButDoNotSendOrAnswerThem() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let id = try #require(try await a.node.sendChecks(to: ["borealis"]).sent.first?.check)
            #expect(try await TestCluster.eventually { try await b.node.store.caseState(id) != nil })
            for role in [Role.analyst, .auditor] {
                let (token, record) = OperatorTokens.make(name: "reader-\(role.rawValue)", role: role, now: b.node.time.now())
                try await b.node.store.saveToken(record)
                let reader = OperatorClient(url: b.url, token: token)
                let list = try await reader.get("/api/v1/checks?open=true")
                #expect(list.arrayValue?.first?["id"]?.stringValue == id.hex)
                #expect(try await reader.send(.POST, "/api/v1/checks/\(id.hex)/answer", body: Array("{}".utf8)).status == 403)
                #expect(try await reader.send(.POST, "/api/v1/checks", body: Array("{}".utf8)).status == 403)
            }
            #expect(try await b.client.send(.GET, "/api/v1/checks?open=maybe").status == 400)
            #expect(try await b.client.send(.GET, "/api/v1/checks?limit=0").status == 400)
            // The initiator does not answer its own check.
            #expect(try await a.client.send(.POST, "/api/v1/checks/\(id.hex)/answer", body: Array("{}".utf8)).status == 409)
            #expect(try await b.client.send(.POST, "/api/v1/checks/\(id.hex)/answer", body: Array(#"{"note":"x"}"#.utf8)).status == 400)
        }
    }

    /// The reason signed into the close of check `id`, if it is closed.
    static func closingReason(_ node: Node, _ id: EventID) async throws -> String? {
        try await node.store.events(inCase: id).last { $0.event.type == .close }?.event.body["reason"]?.stringValue
    }

    /// Runs the real `accord` binary and returns what it printed.
    static func cli(_ args: [String]) async throws -> String {
        let out = try await ConsoleBrowserTests.accord(args)
        return out.out + out.err
    }
}
