import AccordCore
import AccordStore
import AccordTestSupport
import Foundation
import Testing

@testable import AccordNode

/// Group commit on a real SQLite file: a group is written whole or not at all.
@Suite struct GroupCommitTests {
    let keys = NodeKeys.generate()
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func openCase(_ title: String) throws -> AuthoredCommit {
        let body: [String: JSONValue] = ["kind": "check", "title": .string(title), "fields": [:], "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: t0).json]
        let e = Event.sign(type: .open, origin: "aurelia", to: ["borealis"], caseID: nil, time: t0, body: body, keys: keys)
        return AuthoredCommit(event: e, caseState: try CaseState.open(CaseStep(e)))
    }

    @Test func aGroupIsCommittedInOrder() async throws {
        let dir = TemporaryDirectory("accord-group")
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/accord.sqlite")
        let commits = GroupCommit()
        let items = try (0..<5).map { try openCase("Case \($0)") }
        let tickets = try items.map { try commits.enqueue($0, epoch: commits.epoch) }
        await commits.drive(store: store, time: SystemTime())
        var indices: [Int64] = []
        for t in tickets { indices.append(try await t.value()) }
        #expect(indices == [0, 1, 2, 3, 4])
        for item in items { #expect(try await store.caseState(item.event.id) == item.caseState) }
    }

    @Test func aFailedGroupFailsWholeAndEverythingQueuedBehindIt() async throws {
        let dir = TemporaryDirectory("accord-group")
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/accord.sqlite")
        let stored = try openCase("Stored before")
        _ = try await store.commitAuthored([stored], now: t0)
        let commits = GroupCommit()
        let fresh = try openCase("Fresh")
        let before = commits.epoch
        let first = try commits.enqueue(fresh, epoch: before)
        // The same event again: the events table refuses it, so the whole transaction fails.
        let duplicate = try commits.enqueue(stored, epoch: before)
        #expect(commits.cached(fresh.event.id) != nil)
        await commits.drive(store: store, time: SystemTime())
        await #expect(throws: (any Error).self) { _ = try await first.value() }
        await #expect(throws: (any Error).self) { _ = try await duplicate.value() }
        // Nothing of the group was stored, and no state built on it is served any more.
        #expect(try await store.caseState(fresh.event.id) == nil)
        #expect(try await store.logSize() == 1)
        #expect(commits.cached(fresh.event.id) == nil)
        // A step prepared before the failure, on what was then the cached state, is refused.
        #expect(throws: AccordError.self) { _ = try commits.enqueue(try openCase("Built on the failed group"), epoch: before) }
        // The queue is usable again afterwards.
        let after = try openCase("After")
        let ticket = try commits.enqueue(after, epoch: commits.epoch)
        await commits.drive(store: store, time: SystemTime())
        #expect(try await ticket.value() == 1)
    }

    @Test func pendingStatesAreNeverEvicted() async throws {
        let dir = TemporaryDirectory("accord-group")
        defer { dir.remove() }
        let store = try SQLiteStore(path: dir.path + "/accord.sqlite")
        let commits = GroupCommit()
        let queued = try openCase("Queued")
        let ticket = try commits.enqueue(queued, epoch: commits.epoch)
        // More committed states than the cache holds, arriving while the event is still queued.
        for i in 0..<(GroupCommit.committedLimit + 10) {
            commits.remember(try openCase("Received \(i)").caseState!)
        }
        #expect(commits.cached(queued.event.id) == queued.caseState)
        await commits.drive(store: store, time: SystemTime())
        #expect(try await ticket.value() == 0)
        #expect(commits.cached(queued.event.id) == queued.caseState)
    }
}
