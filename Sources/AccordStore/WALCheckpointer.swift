import Dispatch
import GRDB

/// Copies the write-ahead log back into the database file in the background, on a connection
/// of its own, so that no commit pays for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages, and its
/// `fsync` of the database file (15–20 ms on this project's machines) then lands in that
/// commit's latency. The store turns the automatic checkpoint off on every connection and
/// runs this instead: a PASSIVE checkpoint every `interval`, which takes no write lock, so
/// writers keep appending to the WAL while it copies. Checkpoints are crash-safe: a process
/// killed during one leaves the WAL to be replayed on the next open.
// The timer is set up in `init` and only cancelled in `deinit`; DispatchSource itself is thread-safe.
final class WALCheckpointer: @unchecked Sendable {
    private let timer: any DispatchSourceTimer
    init(path: String, interval: DispatchTimeInterval = .milliseconds(250)) throws {
        var config = Configuration()
        // Opening may meet a lock briefly (another connection starting up or closing); PASSIVE
        // checkpoints themselves never wait on the busy handler.
        config.busyMode = .timeout(10)
        config.label = "accord.checkpointer"
        let connection = try DatabaseQueue(path: path, configuration: config)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "accord.wal-checkpoint", qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler {
            // A checkpoint that cannot run now (another one is running) is retried next round.
            try? connection.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        }
        timer.resume()
        self.timer = timer
    }

    deinit {
        timer.cancel()
    }
}
