import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Requests are what the officer meant (unknown members refused), and cases can be found:
/// short id prefixes over every case held, full-text search and filters.
@Suite(.serialized) struct CaseFindingTests {
    static func post(_ m: TestCluster.Member, _ path: String, _ body: String) async throws -> (Int, JSONValue?) {
        let r = try await m.client.send(.POST, path, body: Array(body.utf8))
        return (r.status, r.json?["error"])
    }

    @Test func unknownMembersAreRefusedOnEveryRouteFamily() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let fields = CanonicalJSON.string(Fixtures.preservationFields)
            // A misspelt member of a new case.
            var (status, e) = try await Self.post(a, "/api/v1/cases",
                "{\"kind\":\"preservation\",\"title\":\"x\",\"to\":[\"borealis\"],\"fields\":\(fields),\"urgnet\":true}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "urgnet")
            #expect(e?["message"]?.stringValue?.contains("\"urgnet\"") == true)
            // Nothing was signed.
            #expect(try await a.node.store.cases(CaseQuery()).isEmpty)
            // Several unknown members are all named.
            (status, e) = try await Self.post(a, "/api/v1/cases",
                "{\"kind\":\"check\",\"title\":\"x\",\"to\":[\"borealis\"],\"fields\":{},\"urgnet\":true,\"norm\":[\"13(a)\"]}")
            #expect(status == 400)
            #expect(e?["message"]?.stringValue?.contains("\"norm\", \"urgnet\"") == true)
            // Drafts take the same body.
            (status, e) = try await Self.post(a, "/api/v1/drafts", "{\"kind\":\"check\",\"title\":\"x\",\"to\":[\"borealis\"],\"fields\":{},\"exercize\":true}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "exercize")
            #expect(try await a.node.store.drafts().isEmpty)

            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseID = try #require(opened["event"]?.stringValue)
            let b = cluster["borealis"]
            _ = try await Fixtures.state(b, caseID)
            // A step field put beside `body` instead of inside it.
            (status, e) = try await Self.post(b, "/api/v1/cases/\(caseID)/steps", "{\"type\":\"acknowledge\",\"note\":\"on it\"}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "note")
            #expect(e?["message"]?.stringValue?.contains("body") == true)
            // An unknown member inside the body is named too.
            (status, e) = try await Self.post(b, "/api/v1/cases/\(caseID)/steps", "{\"type\":\"acknowledge\",\"body\":{\"note\":\"x\",\"notes\":\"y\"}}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "notes")
            #expect(try await b.node.store.events(inCase: EventID(hex: caseID)!).count == 1)

            (status, e) = try await Self.post(a, "/api/v1/checks", "{\"to\":[\"borealis\"],\"mesage\":\"hello\"}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "mesage")
            (status, e) = try await Self.post(a, "/api/v1/peers", "{\"url\":\"http://127.0.0.1:1\",\"fingerprint\":\"00\",\"replaces\":\"00\"}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "replaces")
            (status, e) = try await Self.post(a, "/api/v1/taxii/collections", "{\"title\":\"t\",\"share\":[\"borealis\"]}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "share")
            (status, e) = try await Self.post(a, "/api/v1/taxii/accounts", "{\"name\":\"n\",\"passwd\":\"x\"}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "passwd")
            // Garbage is refused as such.
            (status, e) = try await Self.post(a, "/api/v1/checks", "[1,2]")
            #expect(status == 400)
            (status, e) = try await Self.post(a, "/api/v1/checks", "\u{FF}")
            #expect(status == 400)

            // Every declared member is one the body really has: valid bodies still pass.
            let collection = try await a.client.post("/api/v1/taxii/collections", ["title": "Shared", "description": "d", "share_to": ["borealis"], "red_to": []])
            let collectionID = try #require(collection["id"]?.stringValue)
            _ = try await a.client.post("/api/v1/taxii/collections/\(collectionID)/sharing", ["share_to": ["borealis"], "red_to": []])
            (status, e) = try await Self.post(a, "/api/v1/taxii/collections/\(collectionID)/sharing", "{\"share_to\":[],\"red\":[]}")
            #expect(status == 400)
            _ = try await a.client.post("/api/v1/taxii/accounts", ["name": "reader", "password": "correct horse battery"])
            _ = try await a.client.post("/api/v1/taxii/accounts/reader/rights", ["collection": .string(collectionID), "read": true, "write": false])
            (status, e) = try await Self.post(a, "/api/v1/taxii/accounts/reader/rights", "{\"collection\":\"\(collectionID)\",\"read\":true,\"write\":false,\"admin\":true}")
            #expect(status == 400)
            #expect(e?["field"]?.stringValue == "admin")
            _ = try await a.client.post("/api/v1/checks", ["to": ["borealis"], "message": "ping"])
        }
    }

    @Test func shortPrefixesResolveOverEveryCase() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            // More cases than the old client-side lookup ever saw (it read the latest 1000) would
            // be slow to make over HTTP; the oldest of many is found through the index instead.
            var ids: [String] = []
            for i in 0..<30 {
                // Notifications: a communication check would expire and close on a slow machine
                // before the steps below are taken in one of them.
                let r = try await a.client.post("/api/v1/cases", ["kind": "notification", "title": .string("Incident \(i)"), "to": ["borealis"], "fields": ["summary": .string("incident \(i)")]])
                ids.append(try #require(r["event"]?.stringValue))
            }
            let oldest = ids[0]
            let detail = try await a.client.get("/api/v1/cases/\(oldest.prefix(8))")
            #expect(detail["state"]?["id"]?.stringValue == oldest)
            #expect(try await a.client.get("/api/v1/cases/\(oldest.prefix(6).uppercased())/events").arrayValue?.count == 1)
            // Too short, not hex, unknown.
            var r = try await a.client.send(.GET, "/api/v1/cases/\(oldest.prefix(5))")
            #expect(r.status == 400)
            r = try await a.client.send(.GET, "/api/v1/cases/zzzzzzzz")
            #expect(r.status == 400)
            let unused = (0..<4096).map { String(format: "%03x", $0) }.first { p in !ids.contains { $0.hasPrefix(p) } }!
            r = try await a.client.send(.GET, "/api/v1/cases/\(unused)000")
            #expect(r.status == 404)

            // An ambiguous prefix lists its candidates.
            let store = a.node.store
            // Two cases whose ids share their first 6 digits: signed until the ids collide.
            var seen: [String: Event] = [:]
            var pair: (Event, Event)? = nil
            let start = a.node.time.now()
            for i in 0..<40_000 where pair == nil {
                let body: [String: JSONValue] = ["kind": "check", "title": "Collision", "fields": [:],
                                                 "deadlines": a.node.policy.deadlines(for: .check, openedAt: start.adding(seconds: Int64(i) / 1000)).json]
                let e = Event.sign(type: .open, origin: "aurelia", to: ["borealis"], caseID: nil, time: start.adding(seconds: 0), body: body, keys: a.node.keys)
                let p = String(e.id.hex.prefix(IDPrefix.minimumLength))
                if let other = seen[p] { pair = (other, e) } else { seen[p] = e }
            }
            let (first, second) = try #require(pair)
            for e in [first, second] { _ = try await store.commitAuthored(e, caseState: try CaseState.open(CaseStep(e)), now: start) }
            let shared = String(first.id.hex.prefix(IDPrefix.minimumLength))
            r = try await a.client.send(.GET, "/api/v1/cases/\(shared)")
            #expect(r.status == 409)
            #expect(r.json?["error"]?["message"]?.stringValue?.contains(first.id.hex) == true)
            #expect(r.json?["error"]?["message"]?.stringValue?.contains(second.id.hex) == true)
            // One more digit (where they differ) picks one.
            let longer = (IDPrefix.minimumLength...64).first { first.id.hex.prefix($0) != second.id.hex.prefix($0) }!
            r = try await a.client.send(.GET, "/api/v1/cases/\(first.id.hex.prefix(longer))")
            #expect(r.status == 200)
            #expect(r.json?["state"]?["id"]?.stringValue == first.id.hex)
            // The store's prefix lookup itself: a 1-digit range would hold several; the index
            // answers with the ones starting with a given 6-digit prefix only.
            let found = try await store.ids(withPrefix: try IDPrefix(String(oldest.prefix(6))), among: .cases, limit: 10)
            #expect(found.contains(EventID(hex: oldest)!))
            #expect(found.allSatisfy { $0.hex.hasPrefix(String(oldest.prefix(6))) })

            // Steps and their references take prefixes: in_reply_to and proposal.
            let caseID = ids[1]
            _ = try await Fixtures.state(b, caseID)
            let ask = try await b.client.post("/api/v1/cases/\(caseID.prefix(10))/steps", ["type": "request_information", "body": ["questions": "Which mailbox?"]])
            let askID = try #require(ask["event"]?.stringValue)
            _ = try await Fixtures.state(a, caseID) { $0["information_requests"]?.arrayValue?.count == 1 }
            let reply = try await a.client.post("/api/v1/cases/\(caseID.prefix(7))/steps", [
                "type": "provide_information", "body": ["information": "the one named", "in_reply_to": .string(String(askID.prefix(8)))],
            ])
            let replyID = try #require(reply["event"]?.stringValue)
            let replyEvent = try #require(try await a.node.store.event(EventID(hex: replyID)!))
            // The signed event carries the full id.
            #expect(replyEvent.event.body["in_reply_to"]?.stringValue == askID)
            // A prefix of an event of another type is not a request.
            let bad = try await a.client.send(.POST, "/api/v1/cases/\(caseID)/steps", body: CanonicalJSON.encode([
                "type": "provide_information", "body": ["information": "x", "in_reply_to": .string(String(caseID.prefix(8)))],
            ]))
            #expect(bad.status == 404)
            #expect(bad.json?["error"]?["field"]?.stringValue == "in_reply_to")
            // proof export's route takes a prefix too.
            let proof = try await a.client.send(.GET, "/api/v1/proofs/\(oldest.prefix(8))")
            #expect(proof.status != 400 && proof.status != 404)
        }
    }

    @Test func searchAndFiltersFindCases() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"], b = cluster["borealis"]
            var pres = Fixtures.preservation(to: ["borealis"])
            pres = .object(pres.objectValue!.merging(["title": "Ransomware mailbox at Nordbank"]) { $1 })
            let p = try #require(try await a.client.post("/api/v1/cases", pres)["event"]?.stringValue)
            let n = try #require(try await a.client.post("/api/v1/cases", [
                "kind": "notification", "title": "Phishing wave", "to": ["caledonia"],
                "fields": ["summary": "Credential phishing against the Tallinn ministry", "severity": "high"],
            ])["event"]?.stringValue)
            let x = try #require(try await a.client.post("/api/v1/cases", [
                "kind": "check", "title": "Drill", "to": ["borealis"], "fields": ["message": "exercise ping"], "exercise": true, "urgent": true,
            ])["event"]?.stringValue)

            func list(_ query: String, on m: TestCluster.Member? = nil) async throws -> [String] {
                try await (m ?? a).client.get("/api/v1/cases?" + query).arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            #expect(try await list("q=ransomware") == [p])
            #expect(try await list("q=nordbank%20AND%20mailbox") == [p])
            #expect(try await list("q=tallinn") == [n])
            #expect(try await list("q=ransom*") == [p])
            #expect(Set(try await list("peer=borealis")) == [p, x])
            #expect(try await list("peer=caledonia") == [n])
            #expect(try await list("kind=notification") == [n])
            #expect(try await list("exercise=true") == [x])
            #expect(Set(try await list("exercise=false")) == [p, n])
            #expect(try await list("urgent=true") == [x])
            // Pages: newest first, the next page starts where the last one ended.
            let all = try await list("")
            #expect(all.count == 3)
            #expect(try await list("limit=2") + list("limit=2&offset=2") == all)
            #expect(try await list("offset=3").isEmpty)

            // Search follows received events too: the addressee's reply is searchable on both nodes.
            _ = try await Fixtures.state(b, p)
            _ = try await b.client.post("/api/v1/cases/\(p)/steps", ["type": "request_information", "body": ["questions": "Which quarantine folder?"]])
            #expect(try await TestCluster.eventually { try await list("q=quarantine") == [p] })
            #expect(try await list("q=quarantine", on: b) == [p])
            #expect(try await list("party_status=information_requested") == [p])
            #expect(try await list("peer=borealis&party_status=information_requested") == [p])
            #expect(try await list("peer=caledonia&party_status=information_requested").isEmpty)
            #expect(try await list("party_status=awaiting_acknowledgement&kind=notification") == [n])

            // Bad queries get a 400 naming the parameter, not a 500.
            for (query, field) in [("q=%22unterminated", "q"), ("q=AND", "q"), ("q=foo%20NEAR(", "q"), ("urgent=yes", "urgent"),
                                   ("party_status=done", "party_status"), ("sort=title", "sort"), ("peer=Bad%20Name", "peer"),
                                   ("offset=-1", "offset"), ("offset=ten", "offset")] {
                let r = try await a.client.send(.GET, "/api/v1/cases?" + query)
                #expect(r.status == 400, "\(query)")
                #expect(r.json?["error"]?["field"]?.stringValue == field, "\(query)")
            }
        }
    }
}
