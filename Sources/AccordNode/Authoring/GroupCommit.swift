import AccordCore
import AccordStore
import Synchronization

/// Commits authored events in groups: each author signs under the case lock, queues its event
/// and waits; whoever finds no commit running writes everything queued in one transaction,
/// in queue order, and repeats until the queue is empty. No background task is needed.
///
/// Case states are served from two caches so the next step on the same case builds on them:
/// `pending` holds states built on queued, uncommitted events and is never evicted; `committed`
/// holds states whose events are all committed and is bounded (evicting it only costs a read).
/// If a group fails, it and everything queued behind it fail, `pending` is dropped and the
/// epoch advances, all in one critical section with `enqueue`: an author that read a state
/// before the failure (its epoch) cannot queue a step built on it afterwards.
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
        /// Advances on every failed group.
        var epoch: UInt64 = 0
        /// The latest state of each case with queued events, and how many are queued.
        var pending: [EventID: (state: CaseState, queued: Int)] = [:]
        var committed: [EventID: CaseState] = [:]
    }

    private let state = Mutex(State())
    static let committedLimit = 4096
    let maxGroup = 1000
    /// Counts what is committed (events authored, by type).
    let metrics: NodeMetrics?

    init(metrics: NodeMetrics? = nil) {
        self.metrics = metrics
    }

    /// The current epoch: read it before reading states a new step builds on, pass it to `enqueue`.
    var epoch: UInt64 { state.withLock { $0.epoch } }

    /// Queues an event; call under the case lock, then `drive` and await the ticket. Fails if a
    /// group failed since `epoch` was read: the step may have been built on an event that will
    /// never be stored.
    func enqueue(_ commit: AuthoredCommit, epoch: UInt64) throws(AccordError) -> Ticket {
        let ticket = Ticket()
        let ok = state.withLock { s -> Bool in
            guard s.epoch == epoch else { return false }
            if let c = commit.caseState {
                s.pending[c.id] = (c, (s.pending[c.id]?.queued ?? 0) + 1)
            }
            s.queue.append((commit, ticket))
            return true
        }
        guard ok else {
            throw AccordError(.storage, "an earlier write failed while this step was prepared; nothing was signed into the log, try again")
        }
        return ticket
    }

    /// Remembers a committed case state (from a received batch).
    func remember(_ s: CaseState) {
        state.withLock { st in
            // A case with queued authored steps keeps serving the pending state built on them.
            if st.pending[s.id] != nil { return }
            Self.putCommitted(&st, s)
        }
    }

    private static func putCommitted(_ st: inout State, _ s: CaseState) {
        if st.committed.count >= committedLimit, st.committed[s.id] == nil {
            // Evict about half, arbitrary entries: only committed states, re-read from the store on demand.
            for key in st.committed.keys.prefix(committedLimit / 2) { st.committed.removeValue(forKey: key) }
        }
        st.committed[s.id] = s
    }

    func cached(_ id: EventID) -> CaseState? {
        state.withLock { $0.pending[id]?.state ?? $0.committed[id] }
    }

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
                state.withLock { s in
                    for (commit, _) in group {
                        guard let c = commit.caseState, let p = s.pending[c.id] else { continue }
                        if p.queued <= 1 {
                            s.pending.removeValue(forKey: c.id)
                            Self.putCommitted(&s, p.state)
                        } else {
                            s.pending[c.id] = (p.state, p.queued - 1)
                        }
                    }
                }
                metrics?.authored(group.map(\.0.event.type))
                for (i, item) in group.enumerated() { item.1.finish(.success(indices[i])) }
            } catch {
                let behind = state.withLock { s -> [(AuthoredCommit, Ticket)] in
                    s.epoch &+= 1
                    s.pending.removeAll()
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
