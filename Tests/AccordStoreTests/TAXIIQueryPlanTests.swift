import AccordCore
import Foundation
import GRDB
import Testing

@testable import AccordStore

/// Every page query runs on an index that narrows to the filter it names: a query by id never
/// walks the collection's last versions (which made a single-object GET and every POST slower
/// as the collection grew), and no query scans the table.
@Suite struct TAXIIQueryPlanTests {
    func plan(_ q: TAXIIObjectQuery) throws -> String {
        let (sql, args) = SQLiteStore.objectsQuery(q)
        return try plan(sql, args)
    }

    /// SQLite's plan for `sql` on a database with the current schema.
    func plan(_ sql: String, _ args: StatementArguments) throws -> String {
        let dir = NSTemporaryDirectory() + "accord-plan-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = try DatabaseQueue(path: dir + "/plan.sqlite")
        try SQLiteSchema.migrator.migrate(queue)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: args).map { $0["detail"] as String }.joined(separator: "; ")
        }
    }

    let collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
    let id = "indicator--00000000-0000-4000-8000-000000000001"

    @Test func aQueryByIdUsesTheIdIndex() throws {
        for versions in [TAXIIVersionFilter(last: true), TAXIIVersionFilter(first: true), TAXIIVersionFilter(first: true, last: true), TAXIIVersionFilter(all: true)] {
            for after: MicroTime? in [nil, 5] {
                let p = try plan(TAXIIObjectQuery(collection: collection, addedAfter: after, ids: [id], versions: versions, limit: 100))
                #expect(p.contains("(collection=? AND object_id=?)"), "\(versions): \(p)")
                #expect(!p.contains("SCAN"), "\(versions): \(p)")
            }
        }
    }

    /// Provenance (asked for every object of every POST) reads the partial index of objects
    /// received from peers, which objects posted here never enter.
    @Test func provenanceReadsTheIndexOfReceivedObjects() throws {
        let p = try plan(SQLiteStore.provenanceSQL, [id, 1])
        #expect(p.contains("taxii_objects_received (object_id=? AND version=?)"), "\(p)")
        #expect(!p.contains("SCAN"), "\(p)")
    }

    @Test func pagesWalkTheDateOrderedIndexOfWhatTheyAskFor() throws {
        let last = try plan(TAXIIObjectQuery(collection: collection, addedAfter: 5, limit: 100))
        #expect(last.contains("taxii_objects_last (collection=? AND is_last=? AND date_added>?)"), "\(last)")
        #expect(!last.contains("TEMP B-TREE"), "\(last)")
        let all = try plan(TAXIIObjectQuery(collection: collection, addedAfter: 5, versions: TAXIIVersionFilter(all: true), limit: 100))
        #expect(all.contains("(collection=? AND date_added>?)"), "\(all)")
        #expect(!all.contains("TEMP B-TREE"), "\(all)")
        let type = try plan(TAXIIObjectQuery(collection: collection, types: ["indicator"], versions: TAXIIVersionFilter(all: true), limit: 100))
        #expect(type.contains("taxii_objects_type (collection=? AND type=?)"), "\(type)")
        for p in [last, all, type] { #expect(!p.contains("SCAN"), "\(p)") }
    }
}
