import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Real nodes, real HTTP on loopback, real SQLite files.
@Suite(.serialized) struct FederationTests {
    @Test func aPreservationCaseEndsInIdenticalStateOnBothNodes() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]

            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            _ = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "acknowledge", "body": ["note": "On it"]])
            let request = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "request_information", "body": ["questions": "Which mailbox?"]])
            let requestID = try #require(request["event"]?.stringValue)
            _ = try await Fixtures.state(a, id) { $0["parties"]?["borealis"]?["status"]?.stringValue == "information_requested" }
            _ = try await a.client.post("/api/v1/cases/\(id)/steps", ["type": "provide_information", "body": ["information": "ops@example.net", "in_reply_to": .string(requestID)]])
            _ = try await Fixtures.state(b, id) { $0["parties"]?["borealis"]?["status"]?.stringValue == "acknowledged" }
            _ = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "answer", "body": ["outcome": "granted", "details": "Preserved for 90 days"]])
            _ = try await Fixtures.state(a, id) { $0["parties"]?["borealis"]?["status"]?.stringValue == "answered" }
            _ = try await a.client.post("/api/v1/cases/\(id)/steps", ["type": "close", "body": ["reason": "Preserved; MLA request follows"]])

            let onB = try await Fixtures.state(b, id) { $0["status"]?.stringValue == "closed" }
            let onA = try await Fixtures.state(a, id)
            #expect(CanonicalJSON.string(onA) == CanonicalJSON.string(onB))
            #expect(onA["parties"]?["borealis"]?["answer"]?["outcome"]?.stringValue == "granted")
            // Both hold the same six signed events, in the same order.
            let eventsA = try await a.client.get("/api/v1/cases/\(id)/events")
            let eventsB = try await b.client.get("/api/v1/cases/\(id)/events")
            #expect(eventsA.arrayValue?.count == 6)
            #expect(eventsA == eventsB)
            let statusA = try await a.node.store.deliveryStatus()
            #expect(statusA.first { $0.peer == "borealis" }?.pending == 0)
        }
    }

    /// Unpinning a peer stops delivery to it; pinning it again while the node runs resumes
    /// from the cursor, with what was authored in between.
    @Test func deliveryResumesWhenAPeerIsPinnedAgain() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"].node, b = cluster["borealis"].node
            let opened = try await a.open(OpenCaseRequest(kind: .notification, title: "Phishing", to: ["borealis"], fields: ["summary": "Phishing wave"]))
            try await b.waitForReceipt(of: opened.event.id)
            let pin = try #require(try await a.store.peer(named: "borealis"))
            #expect(try await a.store.removePeer(named: "borealis"))
            try await Task.sleep(for: .milliseconds(500))  // a batch already under way when the peer was unpinned may finish
            let step = try await a.step(.provideInformation, in: opened.event.id, body: ["information": "New sender domains"])
            try await Task.sleep(for: .seconds(3))  // the worker for borealis has stopped
            #expect(try await b.store.event(step.event.id) == nil)
            try await a.store.savePeer(pin)
            var arrived = false
            for _ in 0..<100 where !arrived {
                try await Task.sleep(for: .milliseconds(100))
                arrived = try await b.store.containsEvent(step.event.id)
            }
            #expect(arrived, "delivery did not resume within 10 s of pinning the peer again")
        }
    }

    @Test func aCaseAddressedToTwoNodes() async throws {
        try await TestCluster.with(["caledonia", "aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let c = cluster["caledonia"], a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await c.client.post("/api/v1/cases", [
                "kind": "notification", "title": "DDoS", "to": ["aurelia", "borealis"], "norms": ["13(h)"],
                "fields": ["summary": "DDoS against the electricity exchange", "severity": "high"],
            ])
            let id = try #require(opened["event"]?.stringValue)
            for m in [a, b] {
                _ = try await Fixtures.state(m, id)
                _ = try await m.client.post("/api/v1/cases/\(id)/steps", ["type": "acknowledge", "body": [:]])
            }
            let onC = try await Fixtures.state(c, id) { s in
                ["aurelia", "borealis"].allSatisfy { s["parties"]?[$0]?["status"]?.stringValue == "acknowledged" }
            }
            #expect(onC["addressees"] == ["aurelia", "borealis"])
            // Each addressee sees its own acknowledgement, not the other's: replies go to the initiator only.
            let onA = try await Fixtures.state(a, id)
            #expect(onA["parties"]?["aurelia"]?["status"]?.stringValue == "acknowledged")
            #expect(onA["parties"]?["borealis"]?["status"]?.stringValue == "awaiting_acknowledgement")
            #expect(try await a.node.store.events(inCase: EventID(hex: id)!).count == 2)
            #expect(try await c.node.store.events(inCase: EventID(hex: id)!).count == 3)
            // The initiator's follow-up to one addressee reaches only that addressee.
            _ = try await c.client.post("/api/v1/cases/\(id)/steps", ["type": "provide_information", "to": ["borealis"], "body": ["information": "IP list for Borealis"]])
            #expect(try await TestCluster.eventually { try await b.node.store.events(inCase: EventID(hex: id)!).count == 3 })
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await a.node.store.events(inCase: EventID(hex: id)!).count == 2)
        }
    }

    @Test func stepsAreRefusedBeforeSigning() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            var fields = Fixtures.preservationFields.objectValue!
            fields.removeValue(forKey: "custodian")
            do {
                _ = try await a.client.post("/api/v1/cases", ["kind": "preservation", "title": "x", "to": ["borealis"], "fields": .object(fields)])
                Issue.record("accepted a preservation request without custodian")
            } catch let e as AccordError {
                #expect(e.code == .missingField)
                #expect(e.field == "fields.custodian")
            }
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            let reply = try await a.client.send(.POST, "/api/v1/cases/\(id)/steps", body: CanonicalJSON.encode(["type": "answer", "body": ["outcome": "granted"]]))
            #expect(reply.status == 422)
            #expect(reply.json?["error"]?["code"]?.stringValue == "illegal_step")
            #expect(try await a.node.store.logSize() == 2)  // the profile and the opening, nothing more
        }
    }

    @Test func theSenderCatchesUpAfterItRestarts() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"], b = cluster["borealis"]
            // Authored while the receiver is down: kept in the outbox.
            let opened = try await a.node.open(OpenCaseRequest(kind: .check, title: "Check", to: ["borealis"], fields: [:]))
            try await Task.sleep(for: .milliseconds(200))
            await cluster.stop("aurelia")
            #expect(try await a.node.store.deliveryStatus().first?.pending == 1)
            try await cluster.start("borealis")
            try await cluster.start("aurelia")
            #expect(try await TestCluster.eventually { try await b.node.store.caseState(opened.event.id) != nil })
            #expect(try await TestCluster.eventually { try await a.node.store.deliveryStatus().first?.pending == 0 })
        }
    }
}
