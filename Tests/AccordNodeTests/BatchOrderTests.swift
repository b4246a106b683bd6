import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Two batches on the wire at once: the receiver applies the second (`after` the first) only
/// once it has processed the first, and refuses it if the first never comes.
@Suite(.serialized) struct BatchOrderTests {
    let raw = RawFederationClient()

    /// `orderWait`: the receiver's `delivery.order_wait_ms`.
    func withReceiver(orderWait: Int, _ body: (TestCluster.Member, TestCluster.Member) async throws -> Void) async throws {
        let delivery = DeliverySettings(orderWaitMilliseconds: orderWait, retryInitialMilliseconds: 20, retryMaxMilliseconds: 200)
        try await TestCluster.with(["aurelia", "borealis"], delivery: delivery) { c in
            try await c.start("borealis")  // aurelia's own delivery stays off: the test sends by hand
            try await body(c["aurelia"], c["borealis"])
        }
    }

    @Test func aBatchThatArrivesFirstWaitsForTheOneItFollows() async throws {
        // The default wait: a loaded machine may take a while over the first batch.
        try await withReceiver(orderWait: DeliverySettings().orderWaitMilliseconds) { a, b in
            let open = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            let step = Fixtures.event(a, .provideInformation, to: ["borealis"], caseID: open.id, body: ["information": "Indicators attached"])
            let first = Batch.id(for: [open.id])
            // The step's batch goes first; applied alone it would name an unknown case.
            async let second = raw.post(Batch.encode([step], after: first), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            try await Task.sleep(for: .milliseconds(300))
            let reply1 = try await raw.post(Batch.encode([open]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            let reply2 = try await second
            #expect(reply1.status == 200)
            #expect(reply2.status == 200)
            #expect(reply2.json?["results"]?.arrayValue?.first?["status"]?.stringValue == "accepted")
            #expect(try await b.node.store.containsEvent(step.id))
        }
    }

    @Test func aBatchWhosePredecessorNeverComesIsRefusedAndNothingIsStored() async throws {
        try await withReceiver(orderWait: 1500) { a, b in
            let open = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            let before = try await b.node.store.eventCount()
            let reply = try await raw.post(Batch.encode([open], after: "never-sent"), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.status == 409)
            #expect(reply.errorCode == "out_of_order")
            #expect(try await b.node.store.eventCount() == before)
            // Sent again without the claim (as a sender resuming from its cursor does), it is applied.
            let again = try await raw.post(Batch.encode([open]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(again.json?["results"]?.arrayValue?.first?["status"]?.stringValue == "accepted")
        }
    }

    @Test(arguments: ["{\"after\":\"b1\",\"batch\":\"b1\",\"events\":[{}]}", "{\"after\":\"no spaces\",\"batch\":\"b1\",\"events\":[{}]}", "{\"after\":7,\"batch\":\"b1\",\"events\":[{}]}"])
    func aBadAfterIsMalformed(body: String) {
        #expect(throws: AccordError.self) { _ = try Batch.parse(Array(body.utf8)) }
    }

    /// Real delivery with two batches in flight keeps per-case order across many batches.
    @Test func deliveryWithTwoBatchesInFlightKeepsOrder() async throws {
        let delivery = DeliverySettings(batchSize: 7, batchesInFlight: 2, retryInitialMilliseconds: 20, retryMaxMilliseconds: 200)
        try await TestCluster.with(["aurelia", "borealis"], delivery: delivery) { c in
            try await c.startAll()
            let a = c["aurelia"].node, b = c["borealis"].node
            let opened = try await a.open(OpenCaseRequest(kind: .notification, title: "Botnet", to: ["borealis"], fields: ["summary": "C2 takedown"]))
            var last: EventID = opened.event.id
            for round in 0..<10 {
                let steps = try await a.steps((0..<20).map { i in
                    StepRequest(type: .provideInformation, caseID: opened.event.id, body: ["information": .string("Update \(round)-\(i)")])
                })
                last = steps.last!.event.id
            }
            // 200 steps through batches of 7: a minute allowed for a loaded machine.
            #expect(try await TestCluster.eventually(timeout: .seconds(60)) { try await b.store.containsEvent(last) })
            #expect(try await TestCluster.eventually { try await a.store.pendingDeliveries(peer: "borealis", limit: 1).isEmpty })
            #expect(try await b.store.eventCount() == 1 + 1 + 200)  // borealis's profile, the case, 200 steps
            #expect(try await a.store.deliveryStatus().first { $0.peer == "borealis" }?.failures == 0)
            // Stored in the order authored: the case's event lists are identical on both nodes.
            let eventsA = try await c["aurelia"].client.get("/api/v1/cases/\(opened.event.id.hex)/events")
            let eventsB = try await c["borealis"].client.get("/api/v1/cases/\(opened.event.id.hex)/events")
            #expect(eventsA.arrayValue?.count == 201)
            #expect(eventsA == eventsB)
        }
    }
}
