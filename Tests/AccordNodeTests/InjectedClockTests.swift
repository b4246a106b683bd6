import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Retries and schedules run on the node's clock: with a clock moved by hand, a failed
/// delivery is retried only when the clock passes its backoff.
@Suite(.serialized) struct InjectedClockTests {
    @Test func deliveryRetriesWaitForTheInjectedClock() async throws {
        let time = ManualTime()
        let slow = DeliverySettings(retryInitialMilliseconds: 60_000, retryMaxMilliseconds: 60_000)
        try await TestCluster.with(["aurelia", "borealis"], delivery: slow, time: time) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue.flatMap(EventID.init(hex:)))
            // borealis is down: the first attempt fails and a 60 s backoff starts, on the manual clock.
            #expect(try await TestCluster.eventually { (try await a.node.store.deliveryStatus().first { $0.peer == "borealis" }?.failures ?? 0) >= 1 })
            try await cluster.start("borealis")
            try await Task.sleep(for: .seconds(1))
            #expect(try await b.node.store.caseState(id) == nil, "retried before the injected clock moved")
            time.advance(seconds: 61)
            // Under load the failed attempt may have gone to sleep only after the clock moved:
            // the clock goes on moving until the retry comes.
            #expect(try await TestCluster.eventually(advancing: time, by: 61_000) { try await b.node.store.caseState(id) != nil })
        }
    }
}
