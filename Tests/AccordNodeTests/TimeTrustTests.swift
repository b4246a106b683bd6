import AccordCore
import AccordHTTP
@testable import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Time you can trust, between real nodes: a backdated step is refused on receipt, and each
/// reply is shown with the time it claims, the time it was received and the time it is judged by.
@Suite(.serialized) struct TimeTrustTests {
    @Test func aBackdatedAcknowledgementIsRefusedAndRepliesShowWhenTheyCame() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseText = try #require(opened["event"]?.stringValue)
            let caseID = try #require(EventID(hex: caseText))
            _ = try await Fixtures.state(b, caseText)
            let openedAt = try #require(try await a.node.store.caseState(caseID)?.openedAt)

            // borealis's key signs an acknowledgement dated an hour before the case was opened.
            let backdated = Event.sign(
                type: .acknowledge, origin: "borealis", to: ["aurelia"], caseID: caseID, time: openedAt.adding(hours: -1), body: [:], keys: b.node.keys)
            let reply = try await RawFederationClient().post(Batch.encode([backdated]), to: a.url, recipient: "aurelia", sender: "borealis", keys: b.node.keys)
            #expect(reply.status == 200)
            let result = try #require(try BatchResponse(bytes: reply.body).results.first)
            #expect(result.status == .rejected)
            #expect(result.code == "illegal_step")
            #expect(result.message?.contains("before case") == true)
            #expect(try await a.node.store.containsEvent(backdated.id) == false)

            // An honest acknowledgement: shown with its claimed, received and attested times.
            _ = try await b.client.post("/api/v1/cases/\(caseText)/steps", ["type": "acknowledge", "body": [:]])
            _ = try await Fixtures.state(a, caseText) { $0["parties"]?["borealis"]?["status"]?.stringValue == "acknowledged" }
            let detail = try await a.client.get("/api/v1/cases/\(caseText)")
            let ack = try #require(detail["replies"]?.arrayValue?.first?["acknowledgement"])
            let claimed = try #require(ack["claimed"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            let received = try #require(ack["received"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            let attested = try #require(ack["attested"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            #expect(received >= claimed)
            #expect(attested >= claimed && attested <= received)
            #expect(ack["late"]?.boolValue == false)
            let entry = try #require(detail["timeline"]?.arrayValue?.first { $0["type"]?.stringValue == "case.acknowledge" })
            #expect(entry["received_at"]?.stringValue != nil)
        }
    }
}

/// `accord serve` exits non-zero, saying why, when the node cannot run.
@Suite(.serialized) struct ServeFailureTests {
    @Test func serveExitsNonZeroWhenItCannotListen() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            // The node's own port is taken by the node already running in this process.
            let run = try await CommandLineTests.accord(["serve", "--data", a.directory.url.path, "--log-level", "critical"])
            #expect(run.status != 0)
            #expect((run.out + run.err).contains("could not listen"), "\(run.out)\(run.err)")
        }
    }
}

/// The author's witnessed log bounds when an event can have been signed: an event that comes
/// after a checkpoint witnesses cosigned at T cannot claim a time well before T.
@Suite(.serialized) struct BackdatingFlagTests {
    @Test func anEventClaimingATimeBeforeACheckpointItFollowsIsFlagged() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], time: time, log: .onDemand) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseText = try #require(opened["event"]?.stringValue)
            let caseID = try #require(EventID(hex: caseText))
            _ = try await Fixtures.state(b, caseText)
            let t0 = time.now()

            // Two hours on, borealis sends aurelia a check; its log is checkpointed and witnessed
            // then, and aurelia observes that checkpoint with the receipt of the check.
            time.advance(hours: 2)
            let check = try await b.client.post("/api/v1/checks", ["to": ["aurelia"], "message": "Are you there?"])
            let checkID = try #require(check["sent"]?.arrayValue?.first?["check"]?.stringValue.flatMap(EventID.init(hex:)))
            #expect(try await TestCluster.eventually { try await a.node.store.containsEvent(checkID) })
            _ = try await b.client.post("/api/v1/log/checkpoints", [:])
            _ = try await a.client.post("/api/v1/receipts/fetch", [:])
            #expect(try await a.node.store.receipt(for: checkID) != nil)

            // borealis now signs an acknowledgement claiming to be five minutes after the opening,
            // appends it to its log and delivers it, as a node backdating its reply would.
            let claimed = t0.adding(seconds: 300)
            let ack = Event.sign(type: .acknowledge, origin: "borealis", to: ["aurelia"], caseID: caseID, time: claimed, body: [:], keys: b.node.keys)
            var state = try #require(try await b.node.store.caseState(caseID))
            try state.apply(CaseStep(ack))
            _ = try await b.node.store.commitAuthored(ack, caseState: state, now: time.now())
            b.node.wakeDelivery(for: ["aurelia"])
            #expect(try await TestCluster.eventually { try await a.node.store.containsEvent(ack.id) })
            _ = try await b.client.post("/api/v1/log/checkpoints", [:])
            _ = try await a.client.post("/api/v1/receipts/fetch", [:])
            #expect(try await a.node.store.receipt(for: ack.id) != nil)

            let detail = try await a.client.get("/api/v1/cases/\(caseText)")
            let reply = try #require(detail["replies"]?.arrayValue?.first?["acknowledgement"])
            #expect(reply["backdated"]?.boolValue == true)
            let notBefore = try #require(reply["not_before"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            #expect(notBefore > claimed)
            let attested = try #require(reply["attested"]?.stringValue.flatMap(Timestamp.init(rfc3339:)))
            #expect(attested >= notBefore)
            // The response time is measured to the attested time, not to the claim.
            #expect((reply["response_seconds"]?.doubleValue ?? 0) > 3600)
            let entry = try #require(detail["timeline"]?.arrayValue?.first { $0["event"]?.stringValue == ack.id.hex })
            #expect(entry["backdated"]?.boolValue == true)
        }
    }
}
