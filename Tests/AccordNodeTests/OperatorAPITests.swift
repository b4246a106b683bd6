import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// The operator API: every route checks the role; errors are messages a person can act on.
@Suite(.serialized) struct OperatorAPITests {
    func token(_ m: TestCluster.Member, _ role: Role) async throws -> OperatorClient {
        let (token, record) = OperatorTokens.make(name: "t-\(role.rawValue)-\(UUID().uuidString.prefix(4))", role: role, now: m.node.time.now())
        try await m.node.store.saveToken(record)
        return OperatorClient(url: m.url, token: token)
    }

    @Test func everyRouteChecksTheRole() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let auditor = try await token(a, .auditor), analyst = try await token(a, .analyst), officer = try await token(a, .officer)
            let nobody = OperatorClient(url: a.url, token: "accord_" + String(repeating: "0", count: 64))
            let open = CanonicalJSON.encode(Fixtures.preservation(to: ["borealis"]))

            #expect(try await nobody.send(.GET, "/api/v1/cases").status == 401)
            #expect(try await OperatorClient(url: a.url, token: "").send(.GET, "/api/v1/cases").status == 401)
            #expect(try await auditor.send(.GET, "/api/v1/cases").status == 200)
            #expect(try await auditor.send(.GET, "/api/v1/overdue").status == 200)
            #expect(try await auditor.send(.POST, "/api/v1/cases", body: open).status == 403)
            #expect(try await analyst.send(.POST, "/api/v1/cases", body: open).status == 403)
            #expect(try await officer.send(.POST, "/api/v1/peers", body: CanonicalJSON.encode(["url": "http://127.0.0.1:1", "fingerprint": "00"])).status == 403)
            #expect(try await auditor.send(.GET, "/api/v1/drafts").status == 403)

            // An analyst drafts; an officer signs and sends.
            let draft = try await analyst.post("/api/v1/drafts", Fixtures.preservation(to: ["borealis"]))
            let draftID = try #require(draft["id"]?.stringValue)
            #expect(try await analyst.send(.POST, "/api/v1/drafts/\(draftID)/send").status == 403)
            let sent = try await officer.post("/api/v1/drafts/\(draftID)/send", [:])
            let caseID = try #require(sent["event"]?.stringValue)
            #expect(try await TestCluster.eventually { try await cluster["borealis"].node.store.caseState(EventID(hex: caseID)!) != nil })
            #expect(try await analyst.get("/api/v1/drafts").arrayValue?.isEmpty == true)

            // A revoked token stops working at once.
            try #require(try await a.node.store.tokens().contains { $0.role == .officer })
            let officerName = try await a.node.store.tokens().first { $0.role == .officer }!.name
            #expect(try await a.node.store.revokeToken(name: officerName))
            #expect(try await officer.send(.GET, "/api/v1/cases").status == 401)
        }
    }

    @Test func errorsNameWhatIsWrong() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            func error(_ path: String, _ body: String) async throws -> (Int, JSONValue?) {
                let r = try await a.client.send(.POST, path, body: Array(body.utf8))
                return (r.status, r.json?["error"])
            }
            var (status, e) = try await error("/api/v1/cases", "{\"kind\":\"preservation\"")
            #expect(status == 400)
            #expect(e?["message"]?.stringValue?.contains("malformed JSON") == true)
            (status, e) = try await error("/api/v1/cases", "{\"kind\":\"preservation\",\"title\":\"x\",\"fields\":{}}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "to")
            (status, e) = try await error("/api/v1/cases", "{\"kind\":\"smuggling\",\"title\":\"x\",\"to\":[\"borealis\"],\"fields\":{}}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "kind")
            (status, e) = try await error("/api/v1/cases", "{\"kind\":\"check\",\"title\":\"x\",\"to\":[\"nowhere\"],\"fields\":{}}")
            #expect(status == 403)
            #expect(e?["message"]?.stringValue?.contains("accord peer add") == true)
            (status, e) = try await error("/api/v1/cases", "{\"kind\":\"check\",\"title\":\"x\",\"to\":[\"borealis\"],\"fields\":{},\"norms\":[\"13(z)\"]}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "norms")
            (status, e) = try await error("/api/v1/cases/" + String(repeating: "a", count: 64) + "/steps", "{\"type\":\"acknowledge\"}")
            #expect(status == 404)
            (status, e) = try await error("/api/v1/cases/nothex/steps", "{\"type\":\"acknowledge\"}")
            #expect(status == 400)
            let big = "{\"kind\":\"check\",\"title\":\"" + String(repeating: "x", count: a.node.configuration.maxBodyBytes) + "\"}"
            (status, e) = try await error("/api/v1/cases", big)
            #expect(status == 413)
            #expect(try await a.node.store.logSize() == 1)  // only the profile: nothing half-written
        }
    }

    @Test func overdueFollowsAnInjectedClock() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            #expect(try await a.client.get("/api/v1/overdue").arrayValue?.isEmpty == true)
            time.advance(hours: 25)
            let overdueA = try await a.client.get("/api/v1/overdue").arrayValue ?? []
            #expect(overdueA.map { $0["what"]?.stringValue } == ["acknowledgement"])
            #expect(overdueA.first?["owed_by"]?.stringValue == "borealis")
            // The addressee sees the same debt from its side.
            #expect(try await b.client.get("/api/v1/overdue").arrayValue?.first?["owed_by"]?.stringValue == "borealis")
            _ = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "acknowledge", "body": [:]])
            _ = try await Fixtures.state(a, id) { $0["parties"]?["borealis"]?["status"]?.stringValue == "acknowledged" }
            #expect(try await a.client.get("/api/v1/overdue").arrayValue?.isEmpty == true)
            time.advance(hours: 48)
            #expect(try await a.client.get("/api/v1/overdue").arrayValue?.map { $0["what"]?.stringValue } == ["answer"])
        }
    }

    @Test func aCommunicationCheckGoesToEveryPeer() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let sent = try await a.client.post("/api/v1/checks", ["message": "Please acknowledge"])
            let checks = try #require(sent["sent"]?.arrayValue)
            // One check per peer, each answered by that peer's person on duty.
            #expect(checks.compactMap { $0["peer"]?.stringValue }.sorted() == ["borealis", "caledonia"])
            for check in checks {
                let id = try #require(check["check"]?.stringValue), peer = try #require(check["peer"]?.stringValue)
                _ = try await Fixtures.state(cluster[peer], id)
                _ = try await cluster[peer].client.post("/api/v1/checks/\(id)/answer", [:])
                let state = try await Fixtures.state(a, id) { s in s["parties"]?[peer]?["response_seconds"]?.doubleValue != nil }
                #expect(state["kind"]?.stringValue == "check" && state["addressees"]?.arrayValue?.count == 1)
            }
        }
    }

    @Test func peersArePinnedOnlyWithTheRightFingerprint() async throws {
        try await TestCluster.with(["aurelia", "borealis"], pin: false) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let wrong = try await a.client.send(.POST, "/api/v1/peers", body: CanonicalJSON.encode(["url": .string(b.url), "fingerprint": .string(String(repeating: "ab", count: 32))]))
            #expect(wrong.status == 400)
            #expect(wrong.json?["error"]?["field"]?.stringValue == "fingerprint")
            #expect(try await a.node.store.peers().isEmpty)
            let ok = try await a.client.post("/api/v1/peers", ["url": .string(b.url), "fingerprint": .string(b.node.keys.publicSigningKey.displayFingerprint)])
            #expect(ok["name"]?.stringValue == "borealis")
            #expect(try await a.node.store.peer(named: "borealis")?.signingKey == b.node.keys.publicSigningKey)
        }
    }
}
