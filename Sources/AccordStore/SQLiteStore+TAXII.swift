import AccordCore
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteStore {
    public func saveCollection(_ c: TAXIICollection) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO taxii_collections(id, title, description, share_to, red_to, inbound_peer, restricted, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET title = excluded.title, description = excluded.description,
                      share_to = excluded.share_to, red_to = excluded.red_to
                    """,
                arguments: [c.id, c.title, c.description, Self.names(c.shareTo), Self.names(c.redTo), c.inboundPeer, c.restricted, c.createdAt.milliseconds])
        }
    }

    public func collections() async throws -> [TAXIICollection] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM taxii_collections ORDER BY created_at, id").map(Self.collection) }
    }

    public func collection(_ id: String) async throws -> TAXIICollection? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM taxii_collections WHERE id = ?", arguments: [id]).map(Self.collection) }
    }

    public func addObjects(
        _ objects: [TAXIINewObject], to collection: String, now: MicroTime, holdForSharing: Bool,
        status: @escaping @Sendable ([TAXIIAddResult]) -> TAXIIStatusRecord
    ) async throws -> (results: [TAXIIAddResult], status: TAXIIStatusRecord, pendingShare: Int64?) {
        try await write { db in
            let results = try Self.addObjects(db, objects, to: collection, now: now)
            let record = status(results)
            try Self.saveStatus(db, record)
            var pending: Int64?
            // date_added increases along the envelope: the first and last added bound them all.
            let added = results.compactMap { if case .added(_, let at) = $0 { at } else { nil } }
            if holdForSharing, let from = added.first, let through = added.last {
                pending = try Self.holdShare(db, collection: collection, added: (from, through), deleted: nil, at: now / 1000)
            }
            return (results, record, pending)
        }
    }

    /// Records a share owed to peers; `at` in milliseconds.
    static func holdShare(_ db: Database, collection: String, added: (MicroTime, MicroTime)?, deleted: [TAXIIDeleted]?, at: Int64) throws -> Int64 {
        let tombstones = deleted.map { items in
            Data(CanonicalJSON.encode(.array(items.map { .object(["id": .string($0.id), "version": .number(Double($0.version))]) })))
        }
        try db.cachedStatement(sql: "INSERT INTO taxii_pending_shares(collection, added_from, added_through, deleted, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [collection, added?.0, added?.1, tombstones, at])
        return db.lastInsertedRowID
    }

    static func settleShare(_ db: Database, _ id: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM taxii_pending_shares WHERE id = ?").execute(arguments: [id])
    }

    public func settleShare(_ id: Int64) async throws {
        try await write { db in try Self.settleShare(db, id) }
    }

    public func pendingShares() async throws -> [TAXIIPendingShare] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM taxii_pending_shares ORDER BY id").map { row in
                let work: TAXIIPendingShare.Work
                if let from: Int64 = row["added_from"], let through: Int64 = row["added_through"] {
                    work = .added(from: from, through: through)
                } else {
                    let data: Data = row["deleted"] ?? Data()
                    let items = (try? JSONParser.parse([UInt8](data)))?.arrayValue ?? []
                    work = .deleted(items.compactMap { item in
                        guard let id = item["id"]?.stringValue, let version = item["version"]?.intValue else { return nil }
                        return TAXIIDeleted(id: id, version: MicroTime(version))
                    })
                }
                return TAXIIPendingShare(id: row["id"], collection: row["collection"], work: work, createdAt: Timestamp(milliseconds: row["created_at"]))
            }
        }
    }

    public func pendingShareCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM taxii_pending_shares") ?? 0 }
    }

    public func objectsAdded(to collection: String, from: MicroTime, through: MicroTime) async throws -> [TAXIIStoredObject] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT object_id, version, date_added, body, tlp, origin FROM taxii_objects WHERE collection = ? AND date_added BETWEEN ? AND ? ORDER BY date_added",
                arguments: [collection, from, through]
            ).map { r in
                TAXIIStoredObject(id: r[0], version: r[1], dateAdded: r[2], body: [UInt8](r[3] as Data), tlp: r[4], origin: r[5])
            }
        }
    }

    /// Adds objects inside the caller's transaction (a TAXII POST, or a peer's shares in the
    /// transaction that stores its batch).
    static func addObjects(_ db: Database, _ objects: [TAXIINewObject], to collection: String, now: MicroTime) throws -> [TAXIIAddResult] {
        guard let lastAdded = try Int64.fetchOne(db.cachedStatement(sql: "SELECT last_added FROM taxii_collections WHERE id = ?"), arguments: [collection]) else {
            throw AccordError(.notFound, "no collection \(collection)")
        }
        // date_added strictly increases within a collection, even when the clock does not.
        var next = max(now, lastAdded + 1)
        var results: [TAXIIAddResult] = []
        results.reserveCapacity(objects.count)
        // Prepared once per connection (cached) and bound through SQLite directly: for an
        // envelope of many objects GRDB's argument and row handling cost more than the lookups
        // and inserts themselves. One lookup per object gives the id's first and last versions
        // and the stored bytes of this version, if any.
        let known = try db.cachedStatement(
            sql: """
                SELECT MIN(version), MAX(version),
                  (SELECT body FROM taxii_objects WHERE collection = ?1 AND object_id = ?2 AND version = ?3)
                FROM taxii_objects WHERE collection = ?1 AND object_id = ?2
                """)
        let sameBody = try db.cachedStatement(sql: "SELECT version FROM taxii_objects WHERE collection = ? AND object_id = ? AND body = ?")
        let unmarkLast = try db.cachedStatement(sql: "UPDATE taxii_objects SET is_last = 0 WHERE collection = ? AND object_id = ? AND version = ?")
        let unmarkFirst = try db.cachedStatement(sql: "UPDATE taxii_objects SET is_first = 0 WHERE collection = ? AND object_id = ? AND version = ?")
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO taxii_objects(collection, object_id, type, version, spec_version, date_added, is_last, is_first, tlp, origin, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for o in objects {
            if o.version == nil, let v = try Int64.fetchOne(sameBody, arguments: [collection, o.id, Data(o.body)]) {
                // An object without timestamps (an SCO) posted again unchanged.
                results.append(.duplicate(version: v))
                continue
            }
            let version = o.version ?? next
            let s = known.sqliteStatement
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
            bind(s, 1, collection)
            bind(s, 2, o.id)
            sqlite3_bind_int64(s, 3, version)
            let rc = sqlite3_step(s)
            guard rc == SQLITE_ROW else {
                sqlite3_reset(s)
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
            }
            let lo = sqlite3_column_type(s, 0) == SQLITE_NULL ? nil : sqlite3_column_int64(s, 0)
            let hi = sqlite3_column_type(s, 1) == SQLITE_NULL ? nil : sqlite3_column_int64(s, 1)
            let stored = o.version == nil || sqlite3_column_type(s, 2) == SQLITE_NULL ? nil : sameBytes(s, 2, o.body)
            sqlite3_reset(s)
            if let stored {
                results.append(stored ? .duplicate(version: version) : .conflict(version: version))
                continue
            }
            let isLast = hi.map { version > $0 } ?? true
            let isFirst = lo.map { version < $0 } ?? true
            // The previous last (first) version is exactly `hi` (`lo`): one row by the unique key,
            // never a scan of the collection's last (first) versions.
            if isLast, let hi { try step(db, unmarkLast) { s in bindVersion(s, collection, o.id, hi) } }
            if isFirst, let lo { try step(db, unmarkFirst) { s in bindVersion(s, collection, o.id, lo) } }
            try step(db, insert) { s in
                bind(s, 1, collection)
                bind(s, 2, o.id)
                bind(s, 3, o.type)
                sqlite3_bind_int64(s, 4, version)
                bind(s, 5, o.specVersion)
                sqlite3_bind_int64(s, 6, next)
                sqlite3_bind_int64(s, 7, isLast ? 1 : 0)
                sqlite3_bind_int64(s, 8, isFirst ? 1 : 0)
                if let tlp = o.tlp { sqlite3_bind_int64(s, 9, Int64(tlp)) }
                if let origin = o.origin { bind(s, 10, origin) }
                bind(s, 11, o.body)
            }
            results.append(.added(version: version, dateAdded: next))
            next += 1
        }
        if next - 1 > lastAdded {
            try db.cachedStatement(sql: "UPDATE taxii_collections SET last_added = ? WHERE id = ?").execute(arguments: [next - 1, collection])
        }
        return results
    }

    /// The SQL of one page and its arguments. Every filter combination runs on an index that
    /// starts at the collection and the first filter, so a page costs the same with a million
    /// objects stored as with a hundred (StoreTAXIIQueryPlanTests).
    static func objectsQuery(_ q: TAXIIObjectQuery) -> (String, StatementArguments) {
        // Read by position in `objects`: keep the columns in this order.
        var sql = "SELECT object_id, version, date_added, body, tlp, origin FROM taxii_objects WHERE collection = ?"
        var args: [(any DatabaseValueConvertible)?] = [q.collection]
        // With ids named, the unique (collection, object_id, version) index finds their few rows,
        // which are then sorted; the unary + on the other columns keeps the planner off the
        // (collection, date_added) and (collection, is_last, date_added) indexes, which walk the
        // collection in date order.
        let mark = q.ids.isEmpty ? "" : "+"
        if let after = q.addedAfter {
            sql += " AND \(mark)date_added > ?"
            args.append(after)
        }
        func any(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            sql += " AND \(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))"
            args.append(contentsOf: values.map { $0 as (any DatabaseValueConvertible)? })
        }
        any("object_id", q.ids)
        any("type", q.types)
        any("spec_version", q.specVersions)
        sql += versionCondition(q.versions.isEmpty ? TAXIIVersionFilter(last: true) : q.versions, mark: mark, args: &args)
        sql += " ORDER BY \(mark)date_added LIMIT ?"
        args.append(q.limit + 1)
        return (sql, StatementArguments(args))
    }

    /// ` AND (…)` selecting the versions `v` names (nothing when it names all, or none); `mark`
    /// is "+" where an id is named, to keep the planner on the id index (see `objectsQuery`).
    static func versionCondition(_ v: TAXIIVersionFilter, mark: String, args: inout [(any DatabaseValueConvertible)?]) -> String {
        guard !v.all, !v.isEmpty else { return "" }
        var terms: [String] = []
        if v.last { terms.append("\(mark)is_last = 1") }
        if v.first { terms.append("\(mark)is_first = 1") }
        if !v.exact.isEmpty {
            terms.append("version IN (\(Array(repeating: "?", count: v.exact.count).joined(separator: ",")))")
            args.append(contentsOf: v.exact.map { $0 as (any DatabaseValueConvertible)? })
        }
        return terms.count == 1 ? " AND \(terms[0])" : " AND (\(terms.joined(separator: " OR ")))"
    }

    public func objects(_ q: TAXIIObjectQuery) async throws -> TAXIIPage {
        try await read { db in
            let (sql, args) = Self.objectsQuery(q)
            // The same few filter shapes come again and again: each prepared once per connection.
            // Rows are read in place from the cursor, columns by position (GRDB finds a column
            // by name through a case-insensitive search: most of a page's time).
            let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: args)
            var objects: [TAXIIStoredObject] = []
            objects.reserveCapacity(min(q.limit + 1, 1000))
            while let r = try rows.next() {
                let body = try r.withUnsafeData(atIndex: 3) { data in data.map { [UInt8]($0) } ?? [] }
                objects.append(TAXIIStoredObject(id: r[0], version: r[1], dateAdded: r[2], body: body, tlp: r[4], origin: r[5]))
            }
            let more = objects.count > q.limit
            if more { objects.removeLast() }
            return TAXIIPage(objects: objects, more: more)
        }
    }

    public func deleteObject(
        _ id: String, versions: TAXIIVersionFilter, from collection: String, holdForSharing: Bool, now: Timestamp
    ) async throws -> (deleted: [TAXIIDeleted], pendingShare: Int64?) {
        try await write { db in
            let gone = try Self.deleteObject(db, id, versions: versions, from: collection)
            guard holdForSharing, !gone.isEmpty else { return (gone, nil) }
            return (gone, try Self.holdShare(db, collection: collection, added: nil, deleted: gone, at: now.milliseconds))
        }
    }

    static func deleteObject(_ db: Database, _ id: String, versions: TAXIIVersionFilter, from collection: String) throws -> [TAXIIDeleted] {
        var args: [(any DatabaseValueConvertible)?] = [collection, id]
        let condition = versionCondition(versions, mark: "+", args: &args)
        let gone = try Int64.fetchAll(db, sql: "SELECT version FROM taxii_objects WHERE collection = ? AND object_id = ?\(condition)", arguments: StatementArguments(args))
        guard !gone.isEmpty else { return [] }
        try db.execute(sql: "DELETE FROM taxii_objects WHERE collection = ? AND object_id = ?\(condition)", arguments: StatementArguments(args))
        // The versions left keep their first and last marks right.
        try db.execute(
            sql: """
                UPDATE taxii_objects SET
                  is_last = (version = (SELECT MAX(version) FROM taxii_objects WHERE collection = ?1 AND object_id = ?2)),
                  is_first = (version = (SELECT MIN(version) FROM taxii_objects WHERE collection = ?1 AND object_id = ?2))
                WHERE collection = ?1 AND object_id = ?2
                """,
            arguments: [collection, id])
        return gone.map { TAXIIDeleted(id: id, version: $0) }
    }

    /// Where one object version came from: a lookup in the index of received objects only
    /// (`taxii_objects_received`), which objects posted here never enter.
    static let provenanceSQL = "SELECT origin, tlp FROM taxii_objects WHERE object_id = ? AND version = ? AND origin IS NOT NULL LIMIT 1"

    public func provenance(of keys: [TAXIIObjectKey]) async throws -> [TAXIIObjectKey: TAXIIProvenance] {
        guard !keys.isEmpty else { return [:] }
        return try await read { db in
            let statement = try db.cachedStatement(sql: Self.provenanceSQL)
            let s = statement.sqliteStatement
            defer { sqlite3_reset(s) }
            var found: [TAXIIObjectKey: TAXIIProvenance] = [:]
            // Bound and read through SQLite directly, as in addObjects: one lookup per object of an envelope.
            for key in Set(keys) {
                sqlite3_reset(s)
                Self.bind(s, 1, key.id)
                sqlite3_bind_int64(s, 2, key.version)
                let rc = sqlite3_step(s)
                if rc == SQLITE_ROW, let origin = sqlite3_column_text(s, 0) {
                    let tlp = sqlite3_column_type(s, 1) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(s, 1))
                    found[key] = TAXIIProvenance(origin: String(cString: origin), tlp: tlp)
                } else if rc != SQLITE_DONE && rc != SQLITE_ROW {
                    throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
                }
            }
            return found
        }
    }

    public func saveAccount(_ a: TAXIIAccount) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO taxii_accounts(name, password_hash, token_hash, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, token_hash = excluded.token_hash
                    """,
                arguments: [a.name, a.passwordHash, a.tokenHash.map { Data($0) }, a.createdAt.milliseconds])
        }
    }

    public func account(named name: String) async throws -> TAXIIAccount? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM taxii_accounts WHERE name = ?", arguments: [name]).map(Self.account) }
    }

    public func account(tokenHash: [UInt8]) async throws -> TAXIIAccount? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM taxii_accounts WHERE token_hash = ?", arguments: [Data(tokenHash)]).map(Self.account) }
    }

    public func taxiiAccess(_ credential: TAXIICredential, collection: String?) async throws -> TAXIIAccess? {
        try await read { db in
            let row: Row?
            switch credential {
            case .tokenHash(let hash): row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM taxii_accounts WHERE token_hash = ?"), arguments: [Data(hash)])
            case .name(let name): row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM taxii_accounts WHERE name = ?"), arguments: [name])
            }
            guard let row else { return nil }
            let account = Self.account(row)
            guard let collection else { return TAXIIAccess(account: account, collection: nil, right: nil) }
            let found = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM taxii_collections WHERE id = ?"), arguments: [collection]).map(Self.collection)
            let right = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM taxii_rights WHERE account = ? AND collection = ?"), arguments: [account.name, collection])
                .map(Self.right)
            return TAXIIAccess(account: account, collection: found, right: found == nil ? nil : right)
        }
    }

    public func accounts() async throws -> [TAXIIAccount] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM taxii_accounts ORDER BY name").map(Self.account) }
    }

    public func deleteAccount(named name: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM taxii_accounts WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func setRight(_ r: TAXIIRight) async throws {
        try await write { db in
            if !r.read && !r.write {
                try db.execute(sql: "DELETE FROM taxii_rights WHERE account = ? AND collection = ?", arguments: [r.account, r.collection])
                return
            }
            guard let restricted = try Bool.fetchOne(db, sql: "SELECT restricted FROM taxii_collections WHERE id = ?", arguments: [r.collection]) else {
                throw AccordError(.notFound, "no collection \(r.collection)", field: "collection")
            }
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM taxii_accounts WHERE name = ?", arguments: [r.account]) != nil else {
                throw AccordError(.notFound, "no TAXII account \(r.account)", field: "account")
            }
            if restricted {
                // A peer's TLP:RED objects: never in a collection other accounts can read.
                guard !r.write else { throw AccordError(.forbidden, "a TLP:RED collection takes no writers", field: "write") }
                let others = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM taxii_rights WHERE collection = ? AND account != ? AND can_read = 1", arguments: [r.collection, r.account]) ?? 0
                guard others == 0 else {
                    throw AccordError(.conflict, "collection \(r.collection) holds TLP:RED objects and already has its one reader; remove that right first", field: "account")
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO taxii_rights(account, collection, can_read, can_write) VALUES (?, ?, ?, ?)
                    ON CONFLICT(account, collection) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write
                    """,
                arguments: [r.account, r.collection, r.read, r.write])
        }
    }

    public func rights(account: String) async throws -> [TAXIIRight] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM taxii_rights WHERE account = ?", arguments: [account]).map(Self.right) }
    }

    public func rights(collection: String) async throws -> [TAXIIRight] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM taxii_rights WHERE collection = ?", arguments: [collection]).map(Self.right) }
    }

    public func saveStatus(_ s: TAXIIStatusRecord) async throws {
        try await write { db in try Self.saveStatus(db, s) }
    }

    static func saveStatus(_ db: Database, _ s: TAXIIStatusRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO taxii_status(id, account, body, created_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [s.id, s.account, Data(s.body), s.createdAt.milliseconds])
    }

    public func status(_ id: String) async throws -> TAXIIStatusRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM taxii_status WHERE id = ?", arguments: [id]).map {
                TAXIIStatusRecord(id: $0["id"], account: $0["account"], body: [UInt8]($0["body"] as Data), createdAt: Timestamp(milliseconds: $0["created_at"]))
            }
        }
    }

    /// Applies a peer's shares and tombstones inside the transaction that stores its batch: the
    /// peer's inbound collection (or, for TLP:RED, its restricted one) is made on first use.
    static func applyInbound(_ db: Database, _ inbound: [TAXIIInbound], now: Timestamp) throws {
        for item in inbound {
            let restricted = item.restricted
            var id = try String.fetchOne(
                db, sql: "SELECT id FROM taxii_collections WHERE inbound_peer = ? AND restricted = ?", arguments: [item.peer, restricted])
            if id == nil {
                // A tombstone for a collection never made has nothing to delete.
                if item.objects.isEmpty { continue }
                let newID = UUID().uuidString.lowercased()
                let title = restricted ? "TLP:RED from \(item.peer)" : "Shared by \(item.peer)"
                try db.execute(
                    sql: "INSERT INTO taxii_collections(id, title, inbound_peer, restricted, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [newID, title, item.peer, restricted, now.milliseconds])
                id = newID
            }
            guard let collection = id else { continue }
            if !item.objects.isEmpty { _ = try addObjects(db, item.objects, to: collection, now: now.milliseconds * 1000) }
            for gone in item.deletions {
                _ = try deleteObject(db, gone.id, versions: TAXIIVersionFilter(exact: [gone.version]), from: collection)
            }
        }
    }

    static func names(_ list: [String]) -> String { CanonicalJSON.string(.strings(list)) }

    static func collection(_ r: Row) -> TAXIICollection {
        func list(_ text: String?) -> [String] {
            guard let text, let value = try? JSONParser.parse(text), let items = value.arrayValue else { return [] }
            return items.compactMap(\.stringValue)
        }
        return TAXIICollection(
            id: r["id"], title: r["title"], description: r["description"], shareTo: list(r["share_to"]), redTo: list(r["red_to"]),
            inboundPeer: r["inbound_peer"], restricted: r["restricted"], createdAt: Timestamp(milliseconds: r["created_at"]))
    }

    static func account(_ r: Row) -> TAXIIAccount {
        TAXIIAccount(name: r["name"], passwordHash: r["password_hash"], tokenHash: (r["token_hash"] as Data?).map { [UInt8]($0) }, createdAt: Timestamp(milliseconds: r["created_at"]))
    }

    static func right(_ r: Row) -> TAXIIRight {
        TAXIIRight(account: r["account"], collection: r["collection"], read: r["can_read"], write: r["can_write"])
    }
}

/// What a peer's `stix.*` events bring, applied with its batch.
public struct TAXIIInbound: Sendable {
    public var peer: String
    /// TLP:RED objects go to the peer's restricted collection.
    public var restricted: Bool
    public var objects: [TAXIINewObject]
    public var deletions: [TAXIIDeleted]

    public init(peer: String, restricted: Bool, objects: [TAXIINewObject], deletions: [TAXIIDeleted] = []) {
        self.peer = peer
        self.restricted = restricted
        self.objects = objects
        self.deletions = deletions
    }
}

extension SQLiteStore {
    /// Binds `(collection, object_id, version)`, the unique key of an object version.
    static func bindVersion(_ s: OpaquePointer, _ collection: String, _ id: String, _ version: Int64) {
        bind(s, 1, collection)
        bind(s, 2, id)
        sqlite3_bind_int64(s, 3, version)
    }

    /// Whether column `i` of the current row holds exactly `bytes`, read in place.
    static func sameBytes(_ s: OpaquePointer, _ i: Int32, _ bytes: [UInt8]) -> Bool {
        let count = Int(sqlite3_column_bytes(s, i))
        guard count == bytes.count else { return false }
        guard count > 0, let stored = sqlite3_column_blob(s, i) else { return count == 0 }
        return bytes.withUnsafeBytes { memcmp($0.baseAddress!, stored, count) == 0 }
    }
}
