import AccordCore
import AccordLog
import Foundation
import Crypto
import GRDB
import GRDBSQLite
import Synchronization

/// Reads perfect-subtree hashes of this node's log from `log_nodes`, inside a transaction.
struct SQLiteMerkleNodes: MerkleNodeReader {
    let statement: Statement

    init(_ db: Database) throws {
        statement = try db.cachedStatement(sql: "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?")
    }

    func node(level: Int, index: Int64) throws -> [UInt8] {
        // Bound and read through SQLite directly: proofs make dozens of these lookups.
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, Int64(level))
        sqlite3_bind_int64(s, 2, index)
        defer { sqlite3_reset(s) }
        let rc = sqlite3_step(s)
        guard rc == SQLITE_ROW else {
            if rc == SQLITE_DONE { throw AccordError(.storage, "the log has no Merkle node at level \(level), index \(index)") }
            throw AccordError(.storage, "reading the Merkle node at level \(level), index \(index) failed (SQLite \(rc))")
        }
        let count = Int(sqlite3_column_bytes(s, 0))
        guard count > 0, let bytes = sqlite3_column_blob(s, 0) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: bytes, count: count))
    }
}

extension SQLiteStore {
    // MARK: Appending

    /// Appends one event id to this node's log: its leaf row and every Merkle node the leaf
    /// completes, in the caller's transaction. Returns the leaf's 0-based index.
    ///
    /// Call it once per authored event, inside the transaction that stores the event.
    /// With `markEvent` false the caller writes the index into the event's row itself (it
    /// inserts the row after this call), which saves rewriting the row.
    static func appendToLog(_ db: Database, eventID: EventID, markEvent: Bool = true) throws -> Int64 {
        // The hot path binds through SQLite directly: GRDB's argument handling would cost more
        // than the inserts themselves.
        let leaf = try db.cachedStatement(sql: "INSERT INTO log_leaves(event_id) VALUES (?)")
        try step(db, leaf) { s in bind(s, 1, eventID.bytes) }
        let index = db.lastInsertedRowID - 1
        try appendNodes(db, leafHash: Merkle.leafHash(eventID.bytes), at: index)
        guard markEvent else { return index }
        let mark = try db.cachedStatement(sql: "UPDATE events SET log_index = ? WHERE id = ?")
        try step(db, mark) { s in
            sqlite3_bind_int64(s, 1, index)
            bind(s, 2, eventID.bytes)
        }
        return index
    }

    /// Stores the Merkle nodes the leaf at `index` completes (`Merkle.nodesToAppend`), using the
    /// log's right border (at most 64 hashes) kept from the previous append when it is for this
    /// size, or read from the tree otherwise (after a rollback, another writer, a restart).
    static func appendNodes(_ db: Database, leafHash: [UInt8], at index: Int64) throws {
        let key = databaseKey(db)
        var border: [(level: Int, hash: [UInt8])]
        if let cached = frontiers.withLock({ $0[key] }), cached.size == index {
            border = cached.nodes
        } else {
            border = try frontier(db, size: index)
        }
        let insert = try db.cachedStatement(sql: "INSERT INTO log_nodes(level, idx, hash) VALUES (?, ?, ?)")
        var entry = (level: 0, hash: leafHash)
        try store(db, insert, level: 0, index: index, hash: leafHash)
        while let last = border.last, last.level == entry.level {
            border.removeLast()
            entry = (last.level + 1, Merkle.nodeHash(last.hash, entry.hash))
            try store(db, insert, level: entry.level, index: index >> entry.level, hash: entry.hash)
        }
        border.append(entry)
        let next = (size: index + 1, nodes: border)
        frontiers.withLock { $0[key] = next }
    }

    /// The right border of the tree of `size` leaves: its perfect subtrees, largest first.
    static func frontier(_ db: Database, size: Int64) throws -> [(level: Int, hash: [UInt8])] {
        let reader = try SQLiteMerkleNodes(db)
        var nodes: [(level: Int, hash: [UInt8])] = []
        var position: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (Int64(1) << level) != 0 {
            nodes.append((level, try reader.node(level: level, index: position >> level)))
            position += Int64(1) << level
        }
        return nodes
    }

    /// Right borders by database file; each is at most 64 hashes, whatever the log's size.
    static let frontiers = Mutex<[String: (size: Int64, nodes: [(level: Int, hash: [UInt8])])]>([:])

    static func databaseKey(_ db: Database) -> String {
        guard let c = db.sqliteConnection, let name = sqlite3_db_filename(c, "main") else { return "" }
        return String(cString: name)
    }

    /// Forgets the cached border (after the log was rewritten underneath).
    static func forgetFrontier(_ db: Database) {
        let key = databaseKey(db)
        frontiers.withLock { $0[key] = nil }
    }

    static func store(_ db: Database, _ insert: Statement, level: Int, index: Int64, hash: [UInt8]) throws {
        try step(db, insert) { s in
            sqlite3_bind_int64(s, 1, Int64(level))
            sqlite3_bind_int64(s, 2, index)
            bind(s, 3, hash)
        }
    }

    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func bind(_ s: OpaquePointer, _ i: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = sqlite3_bind_blob(s, i, $0.baseAddress, Int32($0.count), transient) }
    }

    static func bind(_ s: OpaquePointer, _ i: Int32, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // A nil pointer would bind NULL, not the empty string.
            guard let base = utf8.baseAddress else { return _ = sqlite3_bind_text(s, i, "", 0, transient) }
            _ = sqlite3_bind_text(s, i, base, Int32(utf8.count), transient)
        }
    }

    /// Binds, runs to completion and resets a prepared statement.
    static func step(_ db: Database, _ statement: Statement, _ bindings: (OpaquePointer) -> Void) throws {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        bindings(s)
        let rc = sqlite3_step(s)
        sqlite3_reset(s)
        guard rc == SQLITE_DONE else {
            let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(rc)"
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
    }

    /// Builds the tree nodes of a log written before they were kept (migration v2).
    static func backfillLogNodes(_ db: Database) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT idx, event_id FROM log_leaves ORDER BY idx")
        var expected: Int64 = 1
        while let row = try cursor.next() {
            let idx: Int64 = row["idx"]
            guard idx == expected else { throw AccordError(.storage, "the log has a gap before leaf \(idx)") }
            try appendNodes(db, leafHash: Merkle.leafHash([UInt8](row["event_id"] as Data)), at: idx - 1)
            expected += 1
        }
    }

    /// Appends event ids to this node's log in one transaction (benchmarks, tests, imports).
    /// Returns the index of the first.
    @discardableResult
    public func appendLogLeaves(_ ids: [EventID]) async throws -> Int64 {
        try await write { db in
            var first: Int64 = -1
            for id in ids {
                let index = try Self.appendToLog(db, eventID: id)
                if first < 0 { first = index }
            }
            return first
        }
    }

    // MARK: Tree

    static func logSize(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx), 0) FROM log_leaves") ?? 0
    }

    static func requireSize(_ db: Database, _ size: Int64) throws {
        let have = try logSize(db)
        guard size >= 0, size <= have else {
            throw AccordError(.invalidField, "the log has \(have) leaves; there is no tree of size \(size)", field: "size")
        }
    }

    public func logRoot(size: Int64) async throws -> [UInt8] {
        try await read { db in
            try Self.requireSize(db, size)
            return try Merkle.root(size: size, reader: SQLiteMerkleNodes(db))
        }
    }

    public func inclusionProof(index: Int64, size: Int64) async throws -> [[UInt8]] {
        try await read { db in
            try Self.requireSize(db, size)
            return try Merkle.inclusionProof(index: index, size: size, reader: SQLiteMerkleNodes(db))
        }
    }

    public func consistencyProof(from oldSize: Int64, to newSize: Int64) async throws -> [[UInt8]] {
        try await read { db in
            try Self.requireSize(db, newSize)
            return try Merkle.consistencyProof(from: oldSize, to: newSize, reader: SQLiteMerkleNodes(db))
        }
    }

    public func logIndex(of event: EventID) async throws -> Int64? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT log_index FROM events WHERE id = ?", arguments: [Data(event.bytes)])
        }
    }

    public func logLeaves(from index: Int64, limit: Int) async throws -> [EventID] {
        try await read { db in
            try Data.fetchAll(db, sql: "SELECT event_id FROM log_leaves WHERE idx > ? ORDER BY idx LIMIT ?", arguments: [index, limit])
                .map { EventID(bytes: [UInt8]($0)) }
        }
    }

    // MARK: Checkpoints

    public func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO log_checkpoints(size, root, note, issued_at) VALUES (?, ?, ?, ?) ON CONFLICT(size) DO NOTHING",
                arguments: [checkpoint.size, Data(checkpoint.root), checkpoint.note, checkpoint.issuedAt.milliseconds])
        }
    }

    static func checkpoint(_ db: Database, _ row: Row) throws -> StoredCheckpoint {
        let size: Int64 = row["size"]
        let lines = try Row.fetchAll(db, sql: "SELECT witness, line FROM log_cosignatures WHERE size = ? ORDER BY witness", arguments: [size])
        let note: String = row["note"]
        return StoredCheckpoint(
            size: size, root: [UInt8](row["root"] as Data), note: note + lines.map { $0["line"] as String }.joined(),
            issuedAt: Timestamp(milliseconds: row["issued_at"]), cosigners: lines.map { $0["witness"] },
            witnessedAt: (row["witnessed_at"] as Int64?).map { Timestamp(milliseconds: $0) })
    }

    public func latestCheckpoint() async throws -> StoredCheckpoint? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM log_checkpoints ORDER BY size DESC LIMIT 1").map { try Self.checkpoint(db, $0) }
        }
    }

    public func latestWitnessedCheckpoint() async throws -> StoredCheckpoint? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM log_checkpoints WHERE witnessed_at IS NOT NULL ORDER BY size DESC LIMIT 1")
                .map { try Self.checkpoint(db, $0) }
        }
    }

    public func checkpoint(size: Int64) async throws -> StoredCheckpoint? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM log_checkpoints WHERE size = ?", arguments: [size]).map { try Self.checkpoint(db, $0) }
        }
    }

    public func addCosignatures(size: Int64, _ cosignatures: [StoredCosignature], quorum: Int, now: Timestamp) async throws -> StoredCheckpoint? {
        try await write { db in
            guard let note = try String.fetchOne(db, sql: "SELECT note FROM log_checkpoints WHERE size = ?", arguments: [size]) else { return nil }
            for c in cosignatures {
                try db.execute(
                    sql: """
                        INSERT INTO log_cosignatures(size, witness, line, timestamp) VALUES (?, ?, ?, ?)
                        ON CONFLICT(size, witness) DO UPDATE SET line = excluded.line, timestamp = excluded.timestamp
                        """,
                    arguments: [size, c.witness, c.line, c.timestamp])
            }
            // The shared quorum rule (AccordLog.WitnessQuorum): distinct witnesses, never the log's origin.
            let witnesses = try String.fetchAll(db, sql: "SELECT witness FROM log_cosignatures WHERE size = ?", arguments: [size])
            let origin = String(note.prefix { $0 != "\n" })
            if WitnessQuorum.isMet(by: witnesses, origin: origin, required: quorum) {
                try db.execute(
                    sql: "UPDATE log_checkpoints SET witnessed_at = ? WHERE size = ? AND witnessed_at IS NULL", arguments: [now.milliseconds, size])
            }
            return try Row.fetchOne(db, sql: "SELECT * FROM log_checkpoints WHERE size = ?", arguments: [size]).map { try Self.checkpoint(db, $0) }
        }
    }

    public func keyRotations(origin: String) async throws -> [Event] {
        try await read { db in
            // Rotations carry no case: the events_by_case index narrows the scan to case-less events.
            try Row.fetchAll(
                db, sql: "SELECT \(Self.eventColumns) FROM events e WHERE e.case_id IS NULL AND e.origin = ? AND e.type = ? ORDER BY e.seq",
                arguments: [origin, EventType.keyRotation.rawValue]
            ).map { try Self.storedEvent($0).event }
        }
    }

    public func lastCosignedSize(by witness: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(size), 0) FROM log_cosignatures WHERE witness = ?", arguments: [witness]) ?? 0
        }
    }

    // MARK: Witness state

    static func witnessState(_ row: Row) -> WitnessState {
        WitnessState(
            origin: row["origin"], size: row["size"], root: [UInt8](row["root"] as Data), note: row["note"],
            updatedAt: Timestamp(milliseconds: row["updated_at"]))
    }

    public func witnessState(origin: String) async throws -> WitnessState? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM witness_state WHERE origin = ?", arguments: [origin]).map(Self.witnessState)
        }
    }

    public func witnessStates() async throws -> [WitnessState] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM witness_state ORDER BY origin").map(Self.witnessState) }
    }

    public func updateWitnessState<T: Sendable>(
        origin: String, _ decide: @escaping @Sendable (WitnessState?) throws -> (WitnessState?, T)
    ) async throws -> T {
        try await write { db in
            let current = try Row.fetchOne(db, sql: "SELECT * FROM witness_state WHERE origin = ?", arguments: [origin]).map(Self.witnessState)
            let (next, result) = try decide(current)
            if let next {
                try db.execute(
                    sql: """
                        INSERT INTO witness_state(origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, updated_at = excluded.updated_at
                        """,
                    arguments: [next.origin, next.size, Data(next.root), next.note, next.updatedAt.milliseconds])
            }
            return result
        }
    }

    // MARK: Checkpoint notes (stored once)

    /// Stores a signed checkpoint note once, under the SHA-256 of its text, and returns that
    /// key: receipts and observed checkpoints refer to it instead of each holding a copy.
    static func saveNote(_ db: Database, _ note: String) throws -> Data {
        let hash = Data(SHA256.hash(data: Array(note.utf8)))
        try db.execute(sql: "INSERT INTO checkpoint_notes(hash, note) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [hash, note])
        return hash
    }

    public func saveObservedCheckpoint(_ o: ObservedCheckpoint) async throws {
        try await write { db in
            let hash = try Self.saveNote(db, o.note)
            try db.execute(
                sql: """
                    INSERT INTO observed_checkpoints(origin, size, root, note_hash, source, observed_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(origin, size, root) DO UPDATE SET note_hash = excluded.note_hash
                    """,
                arguments: [o.origin, o.size, Data(o.root), hash, o.source, o.observedAt.milliseconds])
        }
    }

    public func observedCheckpoint(origin: String, atMost size: Int64) async throws -> ObservedCheckpoint? {
        try await read { db in
            try Row.fetchOne(
                db, sql: """
                    SELECT o.*, n.note FROM observed_checkpoints o JOIN checkpoint_notes n ON n.hash = o.note_hash
                    WHERE o.origin = ? AND o.size <= ? ORDER BY o.size DESC, o.observed_at LIMIT 1
                    """,
                arguments: [origin, size]
            ).map { row in
                ObservedCheckpoint(
                    origin: row["origin"], size: row["size"], root: [UInt8](row["root"] as Data), note: row["note"], source: row["source"],
                    observedAt: Timestamp(milliseconds: row["observed_at"]))
            }
        }
    }

    // MARK: Receipts

    public func saveReceipt(_ r: Receipt) async throws {
        try await write { db in
            let hash = try Self.saveNote(db, r.checkpoint)
            try db.execute(
                sql: """
                    INSERT INTO receipts(event_id, origin, leaf_index, tree_size, proof, note_hash, obtained_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(event_id) DO UPDATE SET leaf_index = excluded.leaf_index, tree_size = excluded.tree_size,
                      proof = excluded.proof, note_hash = excluded.note_hash, obtained_at = excluded.obtained_at
                    """,
                arguments: [Data(r.event.bytes), r.origin, r.leafIndex, r.treeSize, Data(r.proof.flatMap { $0 }), hash, r.obtainedAt.milliseconds])
        }
    }

    public func receiptCheckpoint(origin: String, atMost size: Int64) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                db, sql: """
                    SELECT n.note FROM receipts r JOIN checkpoint_notes n ON n.hash = r.note_hash
                    WHERE r.origin = ? AND r.tree_size <= ? ORDER BY r.tree_size DESC LIMIT 1
                    """,
                arguments: [origin, size])
        }
    }

    public func receipt(for event: EventID) async throws -> Receipt? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT r.*, n.note FROM receipts r JOIN checkpoint_notes n ON n.hash = r.note_hash WHERE r.event_id = ?",
                arguments: [Data(event.bytes)]
            ).map { row in
                let proof = [UInt8](row["proof"] as Data)
                return Receipt(
                    event: event, origin: row["origin"], leafIndex: row["leaf_index"], treeSize: row["tree_size"],
                    proof: stride(from: 0, to: proof.count, by: Merkle.hashSize).map { Array(proof[$0..<min($0 + Merkle.hashSize, proof.count)]) },
                    checkpoint: row["note"], obtainedAt: Timestamp(milliseconds: row["obtained_at"]))
            }
        }
    }

    public func eventsAwaitingReceipt(origin: String, after sequence: Int64, limit: Int) async throws -> [AwaitingReceipt] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.seq, e.id, e.origin FROM events e
                    WHERE e.origin = ? AND e.seq > ?
                      AND e.log_index IS NULL
                      AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.event_id = e.id)
                    ORDER BY e.seq LIMIT ?
                    """,
                arguments: [origin, sequence, limit]
            ).map { AwaitingReceipt(sequence: $0["seq"], event: EventID(bytes: [UInt8]($0["id"] as Data)), origin: $0["origin"]) }
        }
    }

    // MARK: Alerts

    public func raiseAlert(_ a: EquivocationAlert) async throws -> Bool {
        try await write { db in
            // One alert per pair of checkpoints, by (size, root), in either order: the same two
            // checkpoints with other cosignature lines are the same equivocation.
            let key = Self.alertKey(a.first, a.second)
            let held = try Row.fetchAll(db, sql: "SELECT first_note, second_note FROM alerts WHERE origin = ?", arguments: [a.origin])
            for row in held where Self.alertKey(row["first_note"], row["second_note"]) == key { return false }
            try db.execute(
                sql: "INSERT INTO alerts(kind, origin, detected_via, message, first_note, second_note, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [a.kind, a.origin, a.detectedVia, a.message, a.first, a.second, a.raisedAt.milliseconds])
            return true
        }
    }

    public func alerts() async throws -> [EquivocationAlert] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY id").map { row in
                EquivocationAlert(
                    id: row["id"], kind: row["kind"], origin: row["origin"], detectedVia: row["detected_via"], message: row["message"],
                    first: row["first_note"], second: row["second_note"], raisedAt: Timestamp(milliseconds: row["raised_at"]))
            }
        }
    }
}

extension SQLiteStore {
    /// Rewrites this node's log from leaf `keeping` on with `appending` made-up leaves, as a
    /// dishonest node would to show another history (tests of equivocation detection only).
    /// With `forgetCheckpoints`, also drops the checkpoints it signed and their cosignatures.
    func forkLog(keeping: Int64, appending: [EventID], forgetCheckpoints: Bool) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM log_nodes WHERE ((idx + 1) << level) > ?", arguments: [keeping])
            try db.execute(sql: "DELETE FROM log_leaves WHERE idx > ?", arguments: [keeping])
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = ? WHERE name = 'log_leaves'", arguments: [keeping])
            try db.execute(sql: "UPDATE events SET log_index = NULL WHERE log_index >= ?", arguments: [keeping])
            Self.forgetFrontier(db)
            for id in appending { _ = try Self.appendToLog(db, eventID: id) }
            if forgetCheckpoints {
                try db.execute(sql: "DELETE FROM log_cosignatures")
                try db.execute(sql: "DELETE FROM log_checkpoints")
            }
        }
    }
}

extension SQLiteStore {
    /// Sets the page cache of the writing connection (benchmarks: how much appends gain from it).
    public func setWriterCache(megabytes: Int) async throws {
        try await write { db in try db.execute(sql: "PRAGMA cache_size = \(-1024 * max(1, megabytes))") }
    }
}

extension SQLiteStore {
    /// The checkpoints an alert names, as an unordered pair of (size, root); the note text when
    /// a note does not parse (an alert about something that is not a checkpoint).
    static func alertKey(_ first: String, _ second: String) -> Set<String> {
        func id(_ note: String) -> String {
            guard let parsed = try? SignedNote(parsing: note), let c = try? Checkpoint(body: parsed.text) else { return "text:" + note }
            return "\(c.size):\(Encoding.hex(c.rootHash))"
        }
        return [id(first), id(second)]
    }

    /// Deletes what only grows with traffic and nothing needs any more (docs/operations.md,
    /// Retention), in one transaction. Returns the rows deleted per table.
    public func prune(_ policy: RetentionPolicy, now: Timestamp) async throws -> [String: Int] {
        try await write { db in
            var deleted: [String: Int] = [:]
            // A batch id older than this that comes again is applied again, harmlessly: every
            // event in it is held already and answered `duplicate`.
            try db.execute(
                sql: "DELETE FROM inbound_batches WHERE received_at < ?",
                arguments: [now.milliseconds - Int64(policy.inboundBatchDays) * 86_400_000])
            deleted["inbound_batches"] = db.changesCount
            // Observed checkpoints: the latest per origin is kept whatever its age.
            try db.execute(
                sql: """
                    DELETE FROM observed_checkpoints WHERE observed_at < ?
                      AND size < (SELECT MAX(o.size) FROM observed_checkpoints o WHERE o.origin = observed_checkpoints.origin)
                    """,
                arguments: [now.milliseconds - Int64(policy.observedCheckpointDays) * 86_400_000])
            deleted["observed_checkpoints"] = db.changesCount
            // Notes no receipt and no observed checkpoint refers to any more. A receipt's note
            // is never removed: bundles for received events are built from it.
            try db.execute(
                sql: """
                    DELETE FROM checkpoint_notes WHERE hash NOT IN (SELECT note_hash FROM receipts)
                      AND hash NOT IN (SELECT note_hash FROM observed_checkpoints)
                    """)
            deleted["checkpoint_notes"] = db.changesCount
            // Alerts: the newest `alertsPerOrigin` of each origin.
            try db.execute(
                sql: """
                    DELETE FROM alerts WHERE id IN (
                      SELECT id FROM (
                        SELECT id, ROW_NUMBER() OVER (PARTITION BY origin ORDER BY id DESC) AS n FROM alerts
                      ) WHERE n > ?)
                    """,
                arguments: [policy.alertsPerOrigin])
            deleted["alerts"] = db.changesCount
            // TAXII status resources: a client reads its POST's status soon after, or never.
            try db.execute(
                sql: "DELETE FROM taxii_status WHERE created_at < ?", arguments: [now.milliseconds - Int64(policy.taxiiStatusDays) * 86_400_000])
            deleted["taxii_status"] = db.changesCount
            // Notifications settled (delivered or given up) long enough ago; pending ones stay.
            let settled = now.milliseconds - Int64(policy.notificationDays) * 86_400_000
            try db.execute(
                sql: "DELETE FROM notification_outbox WHERE COALESCE(delivered_at, failed_at) < ?", arguments: [settled])
            deleted["notification_outbox"] = db.changesCount
            return deleted
        }
    }
}
