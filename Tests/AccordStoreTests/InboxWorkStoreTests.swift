import AccordCore
import AccordStore
import Foundation
import Testing

/// The inbox read from the work rows kept beside each case: the same items, in deadline order,
/// as reading every open case would give, one page at a time, and never stale after a change.
@Suite struct InboxWorkStoreTests {
    let keys = NodeKeys.generate()
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func openCheck(_ i: Int, to: [String]) throws -> (Event, CaseState) {
        let at = Timestamp(milliseconds: t0.milliseconds + Int64(i) * 60_000)
        let body: [String: JSONValue] = [
            "kind": "check", "title": .string("Check \(i)"), "fields": [:], "deadlines": DeadlinePolicy.standard.deadlines(for: .check, openedAt: at).json,
        ]
        let e = Event.sign(type: .open, origin: "aurelia", to: to, caseID: nil, time: at, body: body, keys: keys)
        return (e, try CaseState.open(CaseStep(e)))
    }

    func openPreservation(_ i: Int, to: [String], days: Int = 90, urgent: Bool = false) throws -> (Event, CaseState) {
        let at = Timestamp(milliseconds: t0.milliseconds + Int64(i) * 60_000)
        let deadlines = DeadlinePolicy.standard.deadlines(for: .preservation, openedAt: at, preservationDays: days, urgent: urgent)
        let body: [String: JSONValue] = [
            "kind": "preservation", "title": .string("Preservation \(i)"), "urgent": .bool(urgent),
            "fields": ["authority": "Prosecutor", "offence": "Fraud", "facts": "Facts", "data": "Mailbox", "relationship": "Used", "custodian": "Mail Ltd",
                       "necessity": "Deletion", "mla_to_follow": true],
            "deadlines": deadlines.json,
        ]
        let e = Event.sign(type: .open, origin: "aurelia", to: to, caseID: nil, time: at, body: body, keys: keys)
        return (e, try CaseState.open(CaseStep(e)))
    }

    /// Every item of one inbox section, page by page forwards (each page after the last item
    /// of the one before), checked against the same pages read backwards from the end.
    func allPages(_ store: any Store, viewer: String, incoming: Bool, now: Timestamp, size: Int) async throws -> [InboxItem] {
        var pages: [InboxPage] = [try await store.inbox(viewer: viewer, incoming: incoming, now: now, paging: .first, limit: size)]
        while let last = pages.last, last.hasLater, let item = last.items.last {
            let next = try await store.inbox(viewer: viewer, incoming: incoming, now: now, paging: .after(InboxCursor(item)), limit: size)
            #expect(next.hasEarlier && !next.items.isEmpty)
            pages.append(next)
        }
        #expect(pages.dropLast().allSatisfy { $0.items.count == size })
        #expect(!pages[0].hasEarlier)
        // Backwards from the last page's first item: the same pages, shifted to end where it starts.
        let all = pages.flatMap(\.items)
        var back: [InboxItem] = pages.last!.items
        var earlier = pages.last!.hasEarlier
        while earlier, let first = back.first {
            let page = try await store.inbox(viewer: viewer, incoming: incoming, now: now, paging: .before(InboxCursor(first)), limit: size)
            #expect(page.hasLater && !page.items.isEmpty && page.items.count <= size)
            back = page.items + back
            earlier = page.hasEarlier
        }
        #expect(back.map { $0.work.key(caseID: $0.caseID) } == all.map { $0.work.key(caseID: $0.caseID) })
        return all
    }

    @Test(arguments: StoreBackend.allCases) func pagesGiveWhatEveryOpenCaseOwesInDeadlineOrder(backend: StoreBackend) async throws {
        let (store, remove) = try backend.open()
        defer { remove() }
        var states: [CaseState] = []
        for i in 0..<130 {
            // Some urgent (shorter acknowledgement deadline), some to two addressees.
            let to = i % 3 == 0 ? ["borealis", "caldera"] : ["borealis"]
            let (e, state) = i % 10 == 5 ? try openCheck(i, to: to) : try openPreservation(i, to: to, days: 60 + i, urgent: i % 7 == 0)
            _ = try await store.commitAuthored(e, caseState: state, now: e.time)
            states.append(state)
        }
        // After 30 minutes (checks can be answered), day 3 (some deadlines passed, checks expired
        // and gone) and day 50 (all passed; preservations of 60 to 64 days in their last two weeks).
        for now in [1_800_000, 3 * 86_400_000, 50 * 86_400_000].map({ Timestamp(milliseconds: t0.milliseconds + $0) }) {
        for (viewer, incoming) in [("borealis", true), ("caldera", true), ("aurelia", false)] {
            let expected = states.flatMap { s in
                s.work().filter { $0.viewer == viewer && $0.incoming == incoming && ($0.showFrom ?? now) <= now && now <= ($0.showUntil ?? now) }.map { (s.id, $0) }
            }.sorted { a, b in
                let (da, db) = (a.1.due?.milliseconds ?? .max, b.1.due?.milliseconds ?? .max)
                return da != db ? da < db : a.0.bytes.lexicographicallyPrecedes(b.0.bytes) || (a.0 == b.0 && (a.1.code, a.1.counterpart) < (b.1.code, b.1.counterpart))
            }
            let pages = try await allPages(store, viewer: viewer, incoming: incoming, now: now, size: 50)
            #expect(pages.map { $0.work.key(caseID: $0.caseID) } == expected.map { $0.1.key(caseID: $0.0) }, "\(viewer)")
            #expect(pages.map(\.work.due) == expected.map(\.1.due))
            let first = try await store.inbox(viewer: viewer, incoming: incoming, now: now, paging: .first, limit: 50)
            #expect(first.total == expected.count)
            #expect(first.overdue == expected.filter { ($0.1.due.map { $0 < now }) ?? false }.count)
            #expect(expected.count > 50, "the test must span pages")
            let checks = pages.filter { $0.kind == .check }.count
            #expect(now.milliseconds - t0.milliseconds < 7_200_000 ? checks > 0 : checks == 0)
        }
        }
        // A preservation in its last two weeks shows as the initiator's work; one ending later does not yet.
        let now = Timestamp(milliseconds: t0.milliseconds + 50 * 86_400_000)
        let expiring = try await allPages(store, viewer: "aurelia", incoming: false, now: now, size: 50).filter { $0.work.code == "preserve" }
        #expect(expiring.count == states.filter { s in s.deadlines.preserveUntil.map { $0.milliseconds - now.milliseconds < 14 * 86_400_000 } ?? false }.count)
        #expect(!expiring.isEmpty)
        // After the very last place there is nothing, and the total stays.
        let end = InboxCursor(due: .max, caseID: EventID(bytes: [UInt8](repeating: 0xff, count: 32)), code: "~", counterpart: "~")
        let beyond = try await store.inbox(viewer: "borealis", incoming: true, now: now, paging: .after(end), limit: 50)
        #expect(beyond.items.isEmpty && beyond.total > 0 && beyond.hasEarlier && !beyond.hasLater)
        // A place is carried in links as a token: read back exactly, anything else refused.
        let place = InboxCursor(due: 1_795_000_000_000, caseID: states[0].id, code: "answer", counterpart: "caldera")
        #expect(InboxCursor(token: place.token) == place)
        for bad in ["", "abc", place.token + "=", place.token + "!", String(repeating: "A", count: 600), Encoding.base64url(Array("1\nzz\nack\nx".utf8))] {
            #expect(InboxCursor(token: bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: StoreBackend.allCases) func aStepChangesTheWorkAndAClosedCaseLeavesTheInbox(backend: StoreBackend) async throws {
        let (store, remove) = try backend.open()
        defer { remove() }
        let (open, state) = try openPreservation(0, to: ["borealis"])
        _ = try await store.commitAuthored(open, caseState: state, now: open.time)
        let now = Timestamp(milliseconds: t0.milliseconds + 60_000)
        #expect(try await store.inbox(viewer: "borealis", incoming: true, now: now, paging: .first, limit: 10).items.map(\.work.code) == ["ack", "answer"])
        #expect(try await store.inbox(viewer: "aurelia", incoming: false, now: now, paging: .first, limit: 10).items.map(\.work.code) == ["await-ack"])

        let ackAt = Timestamp(milliseconds: t0.milliseconds + 120_000)
        let ack = Event.sign(type: .acknowledge, origin: "borealis", to: ["aurelia"], caseID: open.id, time: ackAt, body: [:], keys: keys)
        var acked = state
        try acked.apply(CaseStep(ack))
        _ = try await store.commitAuthored(ack, caseState: acked, now: ackAt)
        #expect(try await store.inbox(viewer: "borealis", incoming: true, now: now, paging: .first, limit: 10).items.map(\.work.code) == ["answer"])
        #expect(try await store.inbox(viewer: "aurelia", incoming: false, now: now, paging: .first, limit: 10).items.map(\.work.code) == ["await-answer"])

        // Deadline scans read only the cases with a deadline inside their window.
        #expect(try await store.openCases(withDeadlineBy: t0).isEmpty)
        #expect(try await store.openCases(withDeadlineBy: acked.deadlines.answerBy!).map(\.id) == [open.id])

        let closeAt = Timestamp(milliseconds: t0.milliseconds + 180_000)
        let close = Event.sign(type: .withdraw, origin: "aurelia", to: ["borealis"], caseID: open.id, time: closeAt, body: ["reason": "no longer needed"], keys: keys)
        var closed = acked
        try closed.apply(CaseStep(close))
        #expect(closed.status != .open)
        _ = try await store.commitAuthored(close, caseState: closed, now: closeAt)
        for (viewer, incoming) in [("borealis", true), ("aurelia", false)] {
            let page = try await store.inbox(viewer: viewer, incoming: incoming, now: now, paging: .first, limit: 10)
            #expect(page.items.isEmpty && page.total == 0 && page.overdue == 0)
        }
        #expect(try await store.openCases(withDeadlineBy: Timestamp(milliseconds: .max / 2)).isEmpty)
        #expect(try await store.latestEventSequence() == 3)
    }
}
