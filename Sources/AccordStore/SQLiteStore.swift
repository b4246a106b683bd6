import AccordCore
import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite file per node, in WAL mode, with versioned migrations.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    let checkpointer: WALCheckpointer
    public let path: String
    /// The pinned peers as last read, with a generation that every change through this store
    /// bumps. Entries expire after `peerCacheLifetime`, for changes made by another process
    /// (`accord peer add` on the data directory while the node runs).
    let peerCache = Mutex<(generation: Int, peers: [Peer]?, readAt: ContinuousClock.Instant)>((0, nil, .now))
    static let peerCacheLifetime: Duration = .seconds(5)

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// A new database file is created owner-only (0600) before SQLite opens it; SQLite gives
    /// the `-wal` and `-shm` files the database file's permissions.
    public init(path: String) throws {
        self.path = path
        Self.createOwnerOnly(path)
        var config = Configuration()
        config.prepareDatabase { db in
            // Every commit is on disk (the WAL fsynced) before it returns: what the node
            // acknowledges to a peer (a batch answered 200, a cosigned checkpoint, a witness's
            // state) survives a power loss, not only a process crash. Group commit shares the
            // fsync among the events written together.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Checkpoints run in the background (WALCheckpointer), not inside commits.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // Once checkpointed, a WAL file that grew under load is cut back to 64 MiB.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        // Opening is idempotent (the migrations are transactions): an I/O error while the
        // machine is busy gets one more try before the node gives up.
        var attempt = 0
        while true {
            do {
                (pool, checkpointer) = try Self.openPool(path, config)
                break
            } catch let e as DatabaseError where e.resultCode == .SQLITE_IOERR && attempt == 0 {
                attempt += 1
                usleep(100_000)
            } catch {
                throw AccordError(.storage, "cannot open the database at \(path): \(Self.describe(error))")
            }
        }
        // The database holds tokens' hashes and case contents: owner-only.
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            chmod(path + suffix, 0o600)
        }
    }

    static func openPool(_ path: String, _ config: Configuration) throws -> (DatabasePool, WALCheckpointer) {
        let pool = try DatabasePool(path: path, configuration: config)
        // GRDB sets NORMAL on the writer when it turns WAL on, after prepareDatabase: set FULL again.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try SQLiteSchema.migrator.migrate(pool)
        return (pool, try WALCheckpointer(path: path))
    }

    /// Creates an empty file with mode 0600 if none exists, so the database is never
    /// readable by others, not even between its creation and a later chmod.
    static func createOwnerOnly(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 { close(fd) }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            // The extended code says which I/O step failed (e.g. 4874, SQLITE_IOERR_SHMSIZE).
            let code = e.extendedResultCode != e.resultCode ? " (SQLite \(e.extendedResultCode.rawValue))" : ""
            return (e.message ?? "SQLite error \(e.resultCode.rawValue)") + code
        }
        return String(describing: error)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            defer { checkpointer.noteWrite() }
            return try await pool.write(body)
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.storage, "the database refused a write: \(Self.describe(error))")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.storage, "the database refused a read: \(Self.describe(error))")
        }
    }

    // MARK: Metadata

    public func metadata(_ key: String) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMetadata(_ key: String, _ value: String) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
        }
    }

    // MARK: Peers

    /// A pinned peer, or nil for one pinned without an encryption key by an earlier version
    /// (it counts as not pinned until pinned again).
    static func peer(_ row: Row) throws -> Peer? {
        guard let enc = row["encryption_key"] as Data? else { return nil }
        return Peer(
            name: row["name"], url: row["url"],
            signingKey: try PublicSigningKey(raw: [UInt8](row["signing_key"] as Data)),
            encryptionKey: try PublicEncryptionKey(raw: [UInt8](enc)),
            addedAt: Timestamp(milliseconds: row["added_at"]),
            profile: (row["profile"] as Data?).map { [UInt8]($0) })
    }

    /// Read often (every exchange, receipt and checkpoint round), changed rarely: served from
    /// memory while fresh.
    public func peers() async throws -> [Peer] {
        let (generation, cached) = peerCache.withLock { c in
            (c.generation, c.peers.flatMap { ContinuousClock.now - c.readAt < Self.peerCacheLifetime ? $0 : nil })
        }
        if let cached { return cached }
        let list = try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM peers ORDER BY name").compactMap(Self.peer) }
        // A change committed while this read ran bumped the generation: keep nothing stale.
        peerCache.withLock { c in if c.generation == generation { c = (generation, list, .now) } }
        return list
    }

    func peersChanged() {
        peerCache.withLock { c in c = (c.generation + 1, nil, .now) }
    }

    public func peer(named name: String) async throws -> Peer? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM peers WHERE name = ?", arguments: [name]).flatMap(Self.peer) }
    }

    public func savePeer(_ peer: Peer) async throws {
        defer { peersChanged() }
        try await write { db in try Self.upsertPeer(db, peer) }
    }

    static func upsertPeer(_ db: Database, _ peer: Peer) throws {
        try db.execute(
            sql: """
                INSERT INTO peers(name, url, signing_key, encryption_key, added_at, profile) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET url = excluded.url, signing_key = excluded.signing_key,
                  encryption_key = excluded.encryption_key, profile = excluded.profile
                """,
            arguments: [peer.name, peer.url, Data(peer.signingKey.raw), Data(peer.encryptionKey.raw), peer.addedAt.milliseconds, peer.profile.map { Data($0) }])
        try db.execute(sql: "INSERT INTO cursors(peer, delivered) VALUES (?, 0) ON CONFLICT(peer) DO NOTHING", arguments: [peer.name])
    }

    public func replacePeer(_ peer: Peer, replacing old: PublicSigningKey, by actor: String, at time: Timestamp) async throws {
        defer { peersChanged() }
        try await write { db in
            let current = try Data.fetchOne(db, sql: "SELECT signing_key FROM peers WHERE name = ?", arguments: [peer.name])
            guard current == Data(old.raw) else {
                throw AccordError(.conflict, "the key pinned for \(peer.name) changed while it was being replaced; look again")
            }
            try Self.upsertPeer(db, peer)
            try db.execute(
                sql: "INSERT INTO peer_replacements(name, old_signing_key, new_signing_key, replaced_by, replaced_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [peer.name, Data(old.raw), Data(peer.signingKey.raw), actor, time.milliseconds])
        }
    }

    public func peerReplacements() async throws -> [PeerReplacement] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM peer_replacements ORDER BY seq").map { row in
                PeerReplacement(
                    name: row["name"], oldKey: try PublicSigningKey(raw: [UInt8](row["old_signing_key"] as Data)),
                    newKey: try PublicSigningKey(raw: [UInt8](row["new_signing_key"] as Data)),
                    by: row["replaced_by"], at: Timestamp(milliseconds: row["replaced_at"]))
            }
        }
    }

    public func removePeer(named name: String) async throws -> Bool {
        defer { peersChanged() }
        return try await write { db in
            try db.execute(sql: "DELETE FROM peers WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    // MARK: Events

    /// Stores an event; `logIndex` is its leaf in this node's log, for events it authored.
    static func insertEvent(_ db: Database, _ event: Event, now: Timestamp, logIndex: Int64? = nil) throws -> Int64 {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO events(id, origin, type, case_id, time, received_at, body, log_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        try statement.execute(arguments: [
            Data(event.id.bytes), event.origin, event.type.rawValue, event.caseID.map { Data($0.bytes) } ?? (event.type == .open ? Data(event.id.bytes) : nil),
            event.time.milliseconds, now.milliseconds, Data(event.canonical), logIndex,
        ])
        let seq = db.lastInsertedRowID
        try indexEventText(db, event, seq: seq)
        return seq
    }

    static func saveCase(_ db: Database, _ state: CaseState, encoder: JSONEncoder = JSONEncoder()) throws {
        let data = try encoder.encode(state)
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO cases(id, kind, status, initiator, opened_at, updated_at, state, urgent, exercise) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, state = excluded.state
                """)
        try statement.execute(arguments: [
            Data(state.id.bytes), state.kind.rawValue, state.status.rawValue, state.initiator, state.openedAt.milliseconds,
            state.updatedAt.milliseconds, data, state.urgent ? 1 : 0, state.isExercise ? 1 : 0,
        ])
        try indexCase(db, state)
        try indexWork(db, state)
        try indexTimings(db, state)
    }

    public func commitAuthored(_ items: [AuthoredCommit], now: Timestamp) async throws -> [Int64] {
        try await write { db in
            var indices: [Int64] = []
            indices.reserveCapacity(items.count)
            let outbox = try db.cachedStatement(sql: "INSERT INTO outbox(peer, position) VALUES (?, ?)")
            // A case touched several times in the group is written once, in its latest state.
            var latest: [EventID: CaseState] = [:]
            for item in items {
                let index = try Self.appendToLog(db, eventID: item.event.id, markEvent: false)
                let seq = try Self.insertEvent(db, item.event, now: now, logIndex: index)
                indices.append(index)
                for peer in item.event.to { try outbox.execute(arguments: [peer, seq]) }
                if let state = item.caseState { latest[state.id] = state }
                if let share = item.settles { try Self.settleShare(db, share) }
            }
            let encoder = JSONEncoder()
            for state in latest.values { try Self.saveCase(db, state, encoder: encoder) }
            return indices
        }
    }

    public func commitReceived(_ receipt: InboundReceipt) async throws {
        defer { if !receipt.keyChanges.isEmpty || receipt.profile != nil { peersChanged() } }
        try await write { db in
            // A batch id seen before has been applied: replays change nothing.
            let seen = try Int.fetchOne(db, sql: "SELECT 1 FROM inbound_batches WHERE peer = ? AND batch_id = ?", arguments: [receipt.peer, receipt.batchID])
            if seen != nil { return }
            for event in receipt.events { _ = try Self.insertEvent(db, event, now: receipt.now) }
            try Self.applyInbound(db, receipt.taxii, now: receipt.now)
            _ = try Self.insertNotifications(db, receipt.notifications)
            for state in receipt.caseStates { try Self.saveCase(db, state) }
            for change in receipt.keyChanges {
                try db.execute(sql: "UPDATE peers SET signing_key = ? WHERE name = ?", arguments: [Data(change.key.raw), change.peer])
            }
            if let p = receipt.profile {
                try db.execute(
                    sql: "UPDATE peers SET encryption_key = ?, profile = ? WHERE name = ? AND signing_key = ?",
                    arguments: [Data(p.encryptionKey.raw), p.profile.map { Data($0) }, p.name, Data(p.signingKey.raw)])
            }
            try db.execute(
                sql: "INSERT INTO inbound_batches(peer, batch_id, result, received_at) VALUES (?, ?, ?, ?)",
                arguments: [receipt.peer, receipt.batchID, Data(receipt.result), receipt.now.milliseconds])
        }
    }

    public func inboundBatchResult(peer: String, batchID: String) async throws -> [UInt8]? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT result FROM inbound_batches WHERE peer = ? AND batch_id = ?", arguments: [peer, batchID]).map { [UInt8]($0) }
        }
    }

    public func existingEvents(_ ids: [EventID]) async throws -> Set<EventID> {
        if ids.isEmpty { return [] }
        return try await read { db in
            var found = Set<EventID>()
            // Chunks stay under SQLite's limit on bound parameters.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)]
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Data.fetchAll(db, sql: "SELECT id FROM events WHERE id IN (\(marks))", arguments: StatementArguments(chunk.map { Data($0.bytes) }))
                for d in rows { found.insert(EventID(bytes: [UInt8](d))) }
            }
            return found
        }
    }

    public func containsEvent(_ id: EventID) async throws -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT 1 FROM events WHERE id = ?", arguments: [Data(id.bytes)]) != nil }
    }

    static func storedEvent(_ row: Row) throws -> StoredEvent {
        StoredEvent(
            event: try Event(bytes: [UInt8](row["body"] as Data)), sequence: row["seq"],
            receivedAt: Timestamp(milliseconds: row["received_at"]), logIndex: row["log_index"])
    }

    static let eventColumns = "e.seq, e.body, e.received_at, e.log_index"

    public func event(_ id: EventID) async throws -> StoredEvent? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.eventColumns) FROM events e WHERE e.id = ?",
                arguments: [Data(id.bytes)]
            ).map(Self.storedEvent)
        }
    }

    public func events(inCase id: EventID) async throws -> [StoredEvent] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.eventColumns) FROM events e WHERE e.case_id = ? ORDER BY e.seq",
                arguments: [Data(id.bytes)]
            ).map(Self.storedEvent)
        }
    }

    public func events(ofType type: String) async throws -> [StoredEvent] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.eventColumns) FROM events e WHERE e.type = ? ORDER BY e.seq", arguments: [type]
            ).map(Self.storedEvent)
        }
    }

    static func caseState(_ data: Data) throws -> CaseState {
        try JSONDecoder().decode(CaseState.self, from: data)
    }

    public func caseState(_ id: EventID) async throws -> CaseState? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT state FROM cases WHERE id = ?", arguments: [Data(id.bytes)]).map(Self.caseState)
        }
    }

    public func cases(_ query: CaseQuery) async throws -> [CaseState] {
        if query.search != nil { return try await searchCases(query) }
        return try await read { db in
            let (filter, args) = Self.filter(query)
            let sql = "SELECT c.state FROM cases c WHERE \(filter) ORDER BY c.updated_at DESC, c.id LIMIT ? OFFSET ?"
            return try Self.searching(query) {
                try Data.fetchAll(db, sql: sql, arguments: StatementArguments(args + [query.limit, query.offset])).map(Self.caseState)
            }
        }
    }

    public func eventCount() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    public func logSize() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx), 0) FROM log_leaves") ?? 0 }
    }

    // MARK: Delivery

    public func pendingDeliveries(peer: String, after position: Int64?, limit: Int) async throws -> [OutboxEntry] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.position, e.id, e.type, e.body, e.time FROM outbox o
                    JOIN cursors c ON c.peer = o.peer
                    JOIN events e ON e.seq = o.position
                    WHERE o.peer = ? AND o.position > MAX(c.delivered, ?)
                    ORDER BY o.position LIMIT ?
                    """,
                arguments: [peer, position ?? 0, limit])
            return try rows.map { row in
                guard let type = EventType(rawValue: row["type"]) else { throw AccordError(.storage, "the outbox holds an event of unknown type") }
                return OutboxEntry(position: row["position"], id: EventID(bytes: [UInt8](row["id"] as Data)), type: type, canonical: [UInt8](row["body"] as Data),
                                   time: Timestamp(milliseconds: row["time"]))
            }
        }
    }

    public func acknowledgeDelivery(peer: String, through position: Int64, rejections: [DeliveryRejection], now: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO cursors(peer, delivered, failures, last_error, next_attempt) VALUES (?, ?, 0, NULL, NULL)
                    ON CONFLICT(peer) DO UPDATE SET delivered = MAX(delivered, excluded.delivered), failures = 0, last_error = NULL, next_attempt = NULL
                    """,
                arguments: [peer, position])
            for r in rejections {
                try db.execute(
                    sql: "INSERT INTO delivery_rejections(peer, event_id, code, message, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [peer, Data(r.event.bytes), r.code, r.message, now.milliseconds])
            }
            // The transport acknowledgement of communication checks (CheckStore).
            try Self.markChecksDelivered(db, peer: peer, through: position, at: now)
        }
    }

    public func recordDeliveryFailure(peer: String, error: String, nextAttempt: Timestamp, now: Timestamp) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE cursors SET failures = failures + 1, last_error = ?, next_attempt = ? WHERE peer = ?",
                arguments: [error, nextAttempt.milliseconds, peer])
        }
    }

    public func deliveryStatus() async throws -> [DeliveryStatus] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.peer, c.delivered, c.failures, c.last_error, c.next_attempt,
                      (SELECT COUNT(*) FROM outbox o WHERE o.peer = c.peer AND o.position > c.delivered) AS pending,
                      (SELECT COUNT(*) FROM delivery_rejections r WHERE r.peer = c.peer) AS rejected
                    FROM cursors c ORDER BY c.peer
                    """
            ).map { row in
                DeliveryStatus(
                    peer: row["peer"], delivered: row["delivered"], pending: row["pending"], rejected: row["rejected"],
                    failures: row["failures"], lastError: row["last_error"],
                    nextAttempt: (row["next_attempt"] as Int64?).map { Timestamp(milliseconds: $0) })
            }
        }
    }

    public func parkedDeliveries(peer: String) async throws -> [ParkedDelivery] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.event_id, e.seq, e.type, r.code, r.message, r.at FROM delivery_rejections r
                    JOIN events e ON e.id = r.event_id WHERE r.peer = ? ORDER BY e.seq
                    """,
                arguments: [peer]
            ).map { row in
                ParkedDelivery(
                    event: EventID(bytes: [UInt8](row[0] as Data)), position: row[1], type: row[2], code: row[3], message: row[4],
                    at: Timestamp(milliseconds: row[5]))
            }
        }
    }

    public func rewindDelivery(peer: String) async throws -> Int64? {
        try await write { db in
            guard let first = try Int64.fetchOne(
                db, sql: "SELECT MIN(e.seq) FROM delivery_rejections r JOIN events e ON e.id = r.event_id WHERE r.peer = ?", arguments: [peer])
            else { return nil }
            try db.execute(sql: "UPDATE cursors SET delivered = ?, failures = 0, next_attempt = NULL WHERE peer = ?", arguments: [first - 1, peer])
            try db.execute(sql: "DELETE FROM delivery_rejections WHERE peer = ?", arguments: [peer])
            return first - 1
        }
    }

    // MARK: Tokens and drafts

    static func token(_ row: Row) -> TokenRecord {
        TokenRecord(
            hash: [UInt8](row["hash"] as Data), name: row["name"], role: Role(rawValue: row["role"]) ?? .auditor,
            createdAt: Timestamp(milliseconds: row["created_at"]), revoked: row["revoked"])
    }

    public func saveToken(_ token: TokenRecord) async throws {
        try await write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM tokens WHERE name = ? AND revoked = 0", arguments: [token.name]) != nil {
                throw AccordError(.conflict, "a token named \(token.name) exists already; revoke it first or choose another name")
            }
            try db.execute(
                sql: "INSERT INTO tokens(hash, name, role, created_at, revoked) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(token.hash), token.name, token.role.rawValue, token.createdAt.milliseconds, token.revoked])
        }
    }

    public func token(hash: [UInt8]) async throws -> TokenRecord? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE hash = ?", arguments: [Data(hash)]).map(Self.token) }
    }

    public func tokens() async throws -> [TokenRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at").map(Self.token) }
    }

    public func revokeToken(name: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE tokens SET revoked = 1 WHERE name = ? AND revoked = 0", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func saveDraft(_ draft: Draft) async throws {
        let data = try JSONEncoder().encode(draft)
        try await write { db in
            try db.execute(
                sql: "INSERT INTO drafts(id, created_at, body) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                arguments: [draft.id, draft.createdAt.milliseconds, data])
        }
    }

    public func drafts() async throws -> [Draft] {
        try await read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM drafts ORDER BY created_at").map { try JSONDecoder().decode(Draft.self, from: $0) }
        }
    }

    public func draft(_ id: String) async throws -> Draft? {
        try await read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM drafts WHERE id = ?", arguments: [id]).map { try JSONDecoder().decode(Draft.self, from: $0) }
        }
    }

    public func deleteDraft(_ id: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM drafts WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }
}

extension SQLiteStore {
    /// The encryption key the node's latest authored profile announces, read synchronously at start-up.
    public func latestProfileEncryptionKey() throws -> [UInt8]? {
        try pool.read { db in
            guard let data = try Data.fetchOne(
                    db, sql: "SELECT body FROM events WHERE type = 'node.profile' AND log_index IS NOT NULL ORDER BY log_index DESC LIMIT 1"),
                let e = try? Event(bytes: [UInt8](data)), let k = e.body["encryption_key"]?.stringValue
            else { return nil }
            return Encoding.unbase64(k)
        }
    }

    /// The signing keys this node's own rotation events announced (read at start-up, before the node runs).
    public func announcedSigningKeys() throws -> [[UInt8]] {
        try pool.read { db in
            try Data.fetchAll(db, sql: "SELECT e.body FROM events e WHERE e.log_index IS NOT NULL AND e.type = 'node.key_rotation'")
                .compactMap { data in
                    guard let e = try? Event(bytes: [UInt8](data)), let k = e.body["signing_key"]?.stringValue else { return nil }
                    return Encoding.unbase64(k)
                }
        }
    }
}

extension SQLiteStore {
    /// SQLite's `synchronous` setting on a writer connection (2 = FULL), for checks of durability.
    func synchronousSetting() async throws -> Int {
        try await write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}

extension SQLiteStore {
    /// Every stored response to an inbound batch, for checks that each event was applied once.
    func inboundBatchResults() async throws -> [[UInt8]] {
        try await read { db in try Data.fetchAll(db, sql: "SELECT result FROM inbound_batches").map { [UInt8]($0) } }
    }
}
