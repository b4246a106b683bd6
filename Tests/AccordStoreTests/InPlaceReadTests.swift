import AccordCore
import Dispatch
import Foundation
import GRDB
import Testing

@testable import AccordStore

/// `SQLiteStore.readInPlace` runs on the caller's thread on a connection of its own, and never
/// waits for it: a thread blocked there could hold up every task of the process.
@Suite struct InPlaceReadTests {
    @Test(.timeLimit(.minutes(1))) func aReadInPlaceGoesThroughThePoolWhileTheConnectionIsInUse() async throws {
        let dir = NSTemporaryDirectory() + "accord-inplace-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/accord.sqlite")
        try await store.saveCollection(TAXIICollection(id: "c1", title: "Indicators", createdAt: Timestamp(milliseconds: 0)))
        let title: @Sendable (Database) throws -> String? = { db in try String.fetchOne(db, sql: "SELECT title FROM taxii_collections WHERE id = 'c1'") }

        // Free: read in place.
        #expect(try store.inPlace.readIfFree(title) == "Indicators")
        // In use (here by the same caller): refused at once, not waited for.
        #expect(try store.inPlace.readIfFree { _ in try store.inPlace.readIfFree(title) } == .some(nil))

        // In use by another thread that holds it until told: readInPlace still answers, through
        // the pool. Were it to wait for the connection, this test would never end.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let holder = Thread {
            _ = try? store.inPlace.readIfFree { _ in
                holding.signal()
                release.wait()
            }
        }
        holder.start()
        holding.wait()
        #expect(try await store.readInPlace(title) == "Indicators")
        release.signal()
    }
}
