import AccordCore
import Foundation
import Testing

@testable import AccordStore

/// What the store promises about the disk: every commit fsynced, files owner-only from the start.
@Suite struct DurabilityTests {
    func withDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "accord-durability-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(dir)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func everyCommitIsSynchronousFull() async throws {
        try await withDirectory { dir in
            let store = try SQLiteStore(path: dir + "/accord.sqlite")
            // FULL = 2: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
            #expect(try await store.synchronousSetting() == 2)
        }
    }

    @Test func theDatabaseIsOwnerOnlyFromTheStart() async throws {
        try await withDirectory { dir in
            let previous = umask(0o022)
            defer { umask(previous) }
            let path = dir + "/accord.sqlite"
            let store = try SQLiteStore(path: path)
            try await store.setMetadata("k", "v")
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                #expect(mode(path + suffix) == 0o600, "accord.sqlite\(suffix)")
            }
        }
    }
}
