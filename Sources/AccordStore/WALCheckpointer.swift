import Dispatch
import GRDB
import Synchronization

/// Copies the write-ahead log back into the database file in the background, on a connection
/// of its own, so that no commit pays for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages, and its
/// `fsync` of the database file (15–20 ms on this project's machines) then lands in that
/// commit's latency. The store turns the automatic checkpoint off on every connection and
/// runs this instead: a PASSIVE checkpoint `interval` after a write (one for all the writes of
/// that interval), which takes no write lock, so writers keep appending to the WAL while it
/// copies. An idle node runs none: its timer is armed only by a write. Checkpoints are
/// crash-safe: a process killed during one leaves the WAL to be replayed on the next open.
// The timer is set up in `init` and only cancelled in `deinit`; DispatchSource itself is thread-safe.
final class WALCheckpointer: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    private let interval: DispatchTimeInterval
    /// A checkpoint is scheduled and has not started yet.
    private let armed = Flag()

    final class Flag: Sendable {
        let value = Mutex(false)
    }

    init(path: String, interval: DispatchTimeInterval = .milliseconds(250)) throws {
        var config = Configuration()
        // Opening may meet a lock briefly (another connection starting up or closing); PASSIVE
        // checkpoints themselves never wait on the busy handler.
        config.busyMode = .timeout(10)
        config.label = "accord.checkpointer"
        let connection = try DatabaseQueue(path: path, configuration: config)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "accord.wal-checkpoint", qos: .utility))
        timer.schedule(deadline: .distantFuture, leeway: .milliseconds(50))
        let armed = self.armed
        timer.setEventHandler {
            // A write from now on schedules the next checkpoint; this one copies what came before.
            armed.value.withLock { $0 = false }
            // A checkpoint that cannot run now (another one is running) is retried after the next write.
            try? connection.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        }
        timer.resume()
        self.timer = timer
        self.interval = interval
        // What an earlier run left in the WAL is copied soon after opening.
        noteWrite()
    }

    /// A transaction committed: schedule a checkpoint unless one is already scheduled.
    func noteWrite() {
        let arm = armed.value.withLock { a -> Bool in
            if a { return false }
            a = true
            return true
        }
        if arm { timer.schedule(deadline: .now() + interval, leeway: .milliseconds(50)) }
    }

    deinit {
        timer.cancel()
    }
}
