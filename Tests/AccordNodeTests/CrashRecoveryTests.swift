import AccordCore
import AccordHTTP
import AccordNode
@testable import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// The receiver is killed (SIGKILL, a real process) while 1,000 events are in flight, then
/// restarted: every event arrives exactly once, in order per case, and the sender's cursor
/// ends at the end of its outbox.
@Suite(.serialized) struct CrashRecoveryTests {
    /// The `accord` executable built beside the test bundle (or $ACCORD_BIN).
    static func accordBinary() throws -> String { try AccordExecutable.path() }

    static func serve(_ member: TestCluster.Member) throws -> Subprocess {
        try AccordExecutable.serve(member.directory.url.path)
    }

    static func healthy(_ url: String) async -> Bool {
        let client = OperatorClient(url: url, token: "")
        return (try? await client.send(.GET, "/healthz").status) == 200
    }

    @Test func theReceiverIsKilledMidFlightAndRestarted() async throws {
        try await TestCluster.with(
            ["aurelia", "borealis"], delivery: DeliverySettings(batchSize: 10, retryInitialMilliseconds: 20, retryMaxMilliseconds: 200)
        ) { cluster in
            let a = cluster["aurelia"], b = cluster["borealis"]

            // 1,000 events in 10 cases, authored before delivery starts.
            var authored: [EventID: [EventID]] = [:]
            for c in 0..<10 {
                let open = try await a.node.open(OpenCaseRequest(kind: .notification, title: "Incident \(c)", to: ["borealis"], fields: ["summary": .string("Incident \(c)")]))
                authored[open.event.id] = [open.event.id]
                for i in 1..<100 {
                    let step = try await a.node.step(.provideInformation, in: open.event.id, body: ["information": .string("Update \(i) on incident \(c)")])
                    authored[open.event.id]!.append(step.event.id)
                }
            }
            #expect(authored.values.reduce(0) { $0 + $1.count } == 1000)

            var receiver = try Self.serve(b)
            #expect(await TestCluster.eventually(timeout: .seconds(30)) { await Self.healthy(b.url) })
            let observer = try b.directory.openStore()
            func received() async throws -> Int64 { try await observer.eventCount() - 1 }  // less its own profile

            try await cluster.start("aurelia")
            #expect(try await TestCluster.eventually(timeout: .seconds(30)) { try await received() >= 100 })
            receiver.signal(SIGKILL)
            receiver.wait()
            let atKill = try await received()
            #expect(atKill < 1000, "the receiver must die with events still in flight")

            try await Task.sleep(for: .milliseconds(300))  // the sender meets a dead peer and backs off
            receiver = try Self.serve(b)
            defer { receiver.terminate() }
            let delivered = try await TestCluster.eventually(timeout: .seconds(60)) {
                try await a.node.store.deliveryStatus().first { $0.peer == "borealis" }?.pending == 0
            }
            #expect(delivered)
            #expect(try await received() == 1000)
            for (caseID, ids) in authored {
                let got = try await observer.events(inCase: caseID).map(\.event.id)
                #expect(got == ids, "case \(caseID.short) arrived out of order or incomplete")
            }
            let status = try #require(try await a.node.store.deliveryStatus().first { $0.peer == "borealis" })
            let last = try #require(try await a.node.store.pendingDeliveries(peer: "borealis", limit: 1).isEmpty ? Optional(status.delivered) : nil)
            #expect(last == (try await a.node.store.eventCount()))  // the cursor sits on the last event authored
            #expect(status.rejected == 0)
            receiver.terminate()
            receiver.wait()
        }
    }

    /// Authors `cases` × `perCase` events on `member` without delivering them.
    static func author(_ member: TestCluster.Member, cases: Int, perCase: Int) async throws -> [EventID: [EventID]] {
        var authored: [EventID: [EventID]] = [:]
        for c in 0..<cases {
            let open = try await member.node.open(OpenCaseRequest(kind: .notification, title: "Incident \(c)", to: ["borealis"], fields: ["summary": .string("Incident \(c)")]))
            authored[open.event.id] = [open.event.id]
            for i in 1..<perCase {
                let step = try await member.node.step(.provideInformation, in: open.event.id, body: ["information": .string("Update \(i) on incident \(c)")])
                authored[open.event.id]!.append(step.event.id)
            }
        }
        return authored
    }

    /// Both sides are real processes, killed with SIGKILL in turn while batches are in flight:
    /// the sender twice, the receiver once, then both at once. Every event is applied exactly
    /// once — counted from the receiver's own stored batch answers, where a second apply would
    /// show as a second `accepted`, not hidden by the events table's unique key — and in order.
    @Test func senderAndReceiverAreKilledAtSeveralPoints() async throws {
        try await TestCluster.with(
            ["aurelia", "borealis"], delivery: DeliverySettings(batchSize: 10, retryInitialMilliseconds: 20, retryMaxMilliseconds: 200)
        ) { cluster in
            let a = cluster["aurelia"], b = cluster["borealis"]
            let authored = try await Self.author(a, cases: 8, perCase: 100)
            let total = authored.values.reduce(0) { $0 + $1.count }
            let observer = try b.directory.openStore()
            func received() async throws -> Int { Int(try await observer.eventCount() - 1) }

            var receiver = try Self.serve(b)
            #expect(await TestCluster.eventually(timeout: .seconds(30)) { await Self.healthy(b.url) })
            var sender = try Self.serve(a)
            #expect(await TestCluster.eventually(timeout: .seconds(30)) { await Self.healthy(a.url) })

            // (who to kill, once the receiver holds at least this many events)
            let plan: [(kill: String, after: Int)] = [("sender", 100), ("receiver", 250), ("sender", 400), ("both", 550)]
            for step in plan {
                #expect(try await TestCluster.eventually(timeout: .seconds(60)) { try await received() >= step.after }, "never reached \(step.after)")
                if step.kill != "receiver" {
                    sender.signal(SIGKILL)
                    sender.wait()
                }
                if step.kill != "sender" {
                    receiver.signal(SIGKILL)
                    receiver.wait()
                }
                #expect(try await received() < total, "a kill must land with events still in flight")
                if step.kill != "sender" {
                    receiver = try Self.serve(b)
                    #expect(await TestCluster.eventually(timeout: .seconds(30)) { await Self.healthy(b.url) })
                }
                if step.kill != "receiver" {
                    sender = try Self.serve(a)
                    #expect(await TestCluster.eventually(timeout: .seconds(30)) { await Self.healthy(a.url) })
                }
            }
            defer {
                sender.terminate()
                receiver.terminate()
            }
            let delivered = try await TestCluster.eventually(timeout: .seconds(90)) {
                try await a.node.store.deliveryStatus().first { $0.peer == "borealis" }?.pending == 0
            }
            #expect(delivered)
            #expect(try await received() == total)
            for (caseID, ids) in authored {
                let got = try await observer.events(inCase: caseID).map(\.event.id)
                #expect(got == ids, "case \(caseID.short) arrived out of order or incomplete")
            }
            // Exactly once, by the receiver's own account of every batch it answered.
            var accepted: [String: Int] = [:]
            for bytes in try await observer.inboundBatchResults() {
                for r in try BatchResponse(bytes: bytes).results where r.status == .accepted {
                    accepted[r.id ?? "?", default: 0] += 1
                }
            }
            let all = Set(authored.values.flatMap { $0 }.map(\.hex))
            #expect(Set(accepted.keys) == all)
            #expect(accepted.values.allSatisfy { $0 == 1 }, "an event was applied more than once")
            #expect(try #require(try await a.node.store.deliveryStatus().first { $0.peer == "borealis" }).rejected == 0)
            sender.terminate()
            receiver.terminate()
            sender.wait()
            receiver.wait()
        }
    }
}
