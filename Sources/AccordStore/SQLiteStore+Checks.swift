import AccordCore
import Foundation
import GRDB

extension SQLiteStore {
    public func recordCheckSent(_ caseID: EventID, to peers: [String], now: Timestamp) async throws {
        try await write { db in
            guard let position = try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE id = ?", arguments: [Data(caseID.bytes)]) else {
                throw AccordError(.unknownCase, "this node holds no check \(caseID.hex)")
            }
            for peer in peers {
                try db.execute(
                    sql: "INSERT INTO check_deliveries(check_id, peer, position, delivered_at) VALUES (?, ?, ?, NULL) ON CONFLICT(check_id, peer) DO NOTHING",
                    arguments: [Data(caseID.bytes), peer, position])
                try Self.markChecksDelivered(db, peer: peer, through: Int64.fetchOne(db, sql: "SELECT delivered FROM cursors WHERE peer = ?", arguments: [peer]) ?? 0, at: now)
            }
        }
    }

    /// Checks to `peer` at or before `position`, not refused by it, are delivered at `time`.
    static func markChecksDelivered(_ db: Database, peer: String, through position: Int64, at time: Timestamp) throws {
        try db.execute(
            sql: """
                UPDATE check_deliveries SET delivered_at = ?
                WHERE peer = ? AND delivered_at IS NULL AND position <= ?
                  AND NOT EXISTS (SELECT 1 FROM delivery_rejections r WHERE r.peer = check_deliveries.peer AND r.event_id = check_deliveries.check_id)
                """,
            arguments: [time.milliseconds, peer, position])
    }

    public func checkDeliveries(_ ids: [EventID]) async throws -> [EventID: [String: Timestamp]] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            var out: [EventID: [String: Timestamp]] = [:]
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)]
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT check_id, peer, delivered_at FROM check_deliveries WHERE delivered_at IS NOT NULL AND check_id IN (\(marks))",
                    arguments: StatementArguments(chunk.map { Data($0.bytes) }))
                for row in rows {
                    let id: Data = row["check_id"]
                    out[EventID(bytes: [UInt8](id)), default: [:]][row["peer"]] = Timestamp(milliseconds: row["delivered_at"])
                }
            }
            return out
        }
    }
}
