import AccordCore
import AccordStore
import Synchronization

/// Commits authored events in groups: each author signs under the case lock, queues its event
/// and waits; whoever finds no commit running writes everything queued in one transaction,
/// in queue order, and repeats until the queue is empty. No background task is needed.
///
/// Case states of queued events are served from `cache` so the next step on the same case
/// builds on them. If a group fails, it and everything queued behind it fail, and the cache
/// is dropped: nothing built on an uncommitted event can be committed.
final class GroupCommit: Sendable {
    final class Ticket: Sendable {
        private let result = Mutex<Result<Int64, any Error>?>(nil)
        private let done = OneShot()

        func finish(_ r: Result<Int64, any Error>) {
            result.withLock { $0 = r }
            done.fire()
        }

        func value() async throws -> Int64 {
            await done.wait()
            return try result.withLock { $0! }.get()
        }
    }

    private struct State {
        var queue: [(AuthoredCommit, Ticket)] = []
        var committing = false
        var idleWaiters: [OneShot] = []
    }

    private let state = Mutex(State())
    /// Case states including queued events, bounded.
    let cache = Mutex<[EventID: CaseState]>([:])
    static let cacheLimit = 4096
    let maxGroup = 1000

    /// Queues an event; call under the case lock, then `drive` and await the ticket.
    func enqueue(_ commit: AuthoredCommit) -> Ticket {
        let ticket = Ticket()
        if let s = commit.caseState { remember(s) }
        state.withLock { $0.queue.append((commit, ticket)) }
        return ticket
    }

    func remember(_ s: CaseState) {
        cache.withLock { c in
            if c.count >= Self.cacheLimit { c.removeAll(keepingCapacity: true) }
            c[s.id] = s
        }
    }

    func cached(_ id: EventID) -> CaseState? { cache.withLock { $0[id] } }

    /// Commits queued events unless another caller is doing so already.
    func drive(store: any Store, time: any TimeSource) async {
        while true {
            let group: [(AuthoredCommit, Ticket)]? = state.withLock { s in
                if s.committing { return nil }
                if s.queue.isEmpty { return nil }
                s.committing = true
                let n = min(s.queue.count, maxGroup)
                let g = Array(s.queue.prefix(n))
                s.queue.removeFirst(n)
                return g
            }
            guard let group else { return }
            do {
                let indices = try await store.commitAuthored(group.map(\.0), now: time.now())
                for (i, item) in group.enumerated() { item.1.finish(.success(indices[i])) }
            } catch {
                cache.withLock { $0.removeAll() }
                let behind = state.withLock { s -> [(AuthoredCommit, Ticket)] in
                    defer { s.queue.removeAll() }
                    return s.queue
                }
                for item in group + behind { item.1.finish(.failure(error)) }
            }
            let idle = state.withLock { s -> [OneShot] in
                s.committing = false
                if s.queue.isEmpty {
                    defer { s.idleWaiters.removeAll() }
                    return s.idleWaiters
                }
                return []
            }
            for w in idle { w.fire() }
        }
    }

    /// Returns once everything queued so far is committed (or failed).
    func flush(store: any Store, time: any TimeSource) async {
        await drive(store: store, time: time)
        let waiter = OneShot()
        let idle = state.withLock { s -> Bool in
            if !s.committing && s.queue.isEmpty { return true }
            s.idleWaiters.append(waiter)
            return false
        }
        if !idle { await waiter.wait() }
    }
}
