import AccordCore
import AccordLog
import AccordStore
import ArgumentParser
import Foundation

struct LogBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the SQLite-backed Merkle log: appends/s, proof generation at 1M and 10M leaves, RSS.",
        discussion: "Build with -c release. Needs a few GB of disk in --dir (default: the temporary directory); the database is removed afterwards.")

    @Option(help: "Tree sizes at which to time proofs, comma-separated.") var sizes: String = "1000000,10000000"
    @Option(help: "Leaves per transaction for the append-rate runs (as delivery batches).") var batch: Int = 500
    @Option(help: "Leaves for each append-rate run.") var appends: Int = 200_000
    @Option(help: "Proofs of each kind timed at each size.") var proofs: Int = 2000
    @Option(help: "Where to put the database.") var dir: String?
    @Option(help: "SQLite page cache of the writing connection, in MB (0: SQLite's default).") var cacheMb: Int = 0

    func run() async throws {
        try await reporting {
            let targets = sizes.split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.sorted()
            guard !targets.isEmpty, batch > 0, appends > 0, proofs > 0 else { throw ValidationError("nothing to measure") }
            try await LogBench(targets: targets, batch: batch, appends: appends, proofs: proofs, dir: dir, cacheMB: cacheMb).run()
        }
    }
}

struct LogBench {
    let targets: [Int64]
    let batch: Int
    let appends: Int
    let proofs: Int
    let dir: String?
    let cacheMB: Int

    func say(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    static func rssMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "")
        else { return 0 }
        return kb / 1024
    }

    /// splitmix64: cheap, reproducible ids (SHA-256-like uniform bytes are all the tree needs).
    struct IDs {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> EventID {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(32)
            for _ in 0..<4 {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: z >> (8 * UInt64(k)))) }
            }
            return EventID(bytes: bytes)
        }
    }

    func appendRate(_ store: SQLiteStore, _ ids: inout IDs, count: Int) async throws -> Double {
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            // Ids are made outside the timed part: only the appends are measured.
            let batchIDs = (0..<n).map { _ in ids.next() }
            let start = clock.now
            try await store.appendLogLeaves(batchIDs)
            elapsed += clock.now - start
            done += n
        }
        return Double(count) / elapsed.seconds
    }

    struct Timing {
        var mean: Double
        var p99: Double
        var max: Double
    }

    func time(_ n: Int, _ body: () async throws -> Void) async throws -> Timing {
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<n {
            let start = clock.now
            try await body()
            samples.append((clock.now - start).seconds * 1000)
        }
        samples.sort()
        return Timing(mean: samples.reduce(0, +) / Double(n), p99: samples[min(n - 1, Int(Double(n) * 0.99))], max: samples.last ?? 0)
    }

    func run() async throws {
        let root = (dir ?? NSTemporaryDirectory()) + "/accord-log-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/accord.sqlite"
        let store = try SQLiteStore(path: path)
        if cacheMB > 0 { try await store.setWriterCache(megabytes: cacheMB) }
        var ids = IDs()
        var rows: [String] = []
        let rssStart = Self.rssMB()
        say("accord log bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, database \(path), RSS at start \(String(format: "%.1f", rssStart)) MB")

        let fresh = try await appendRate(store, &ids, count: appends)
        say(String(format: "  appends into an empty log, %d per transaction: %.0f/s", batch, fresh))
        rows.append(String(format: "| appends/s, %d per transaction, log from 0 to %d leaves | %.0f /s | ≥ 50,000 /s |", batch, appends, fresh))

        var size = try await store.logSize()
        let clock = ContinuousClock()
        var rng = SystemRandomNumberGenerator()
        for target in targets where target > size {
            let start = clock.now
            let from = size
            while size < target {
                let n = Int(min(50_000, target - size))
                try await store.appendLogLeaves((0..<n).map { _ in ids.next() })
                size += Int64(n)
            }
            let build = (clock.now - start).seconds
            let rss = Self.rssMB()
            say(String(format: "  built %lld → %lld leaves in %.1f s (%.0f/s, 50,000 per transaction); RSS %.1f MB", from, target, build, Double(target - from) / build, rss))
            rows.append(String(format: "| build %@ → %@ leaves (50,000 per transaction) | %.1f s (%.0f /s) | — |", Self.count(from), Self.count(target), build, Double(target - from) / build))

            let inclusion = try await time(proofs) {
                let index = Int64.random(in: 0..<target, using: &rng)
                _ = try await store.inclusionProof(index: index, size: target)
            }
            let consistency = try await time(proofs) {
                let old = Int64.random(in: 1..<target, using: &rng)
                _ = try await store.consistencyProof(from: old, to: target)
            }
            // A proof verifies, so the timings are of real proofs.
            let index = target / 3
            let proof = try await store.inclusionProof(index: index, size: target)
            let leaf = try await store.logLeaves(from: index, limit: 1)[0]
            try Merkle.verifyInclusion(leafHash: Merkle.leafHash(leaf.bytes), index: index, size: target, proof: proof, root: try await store.logRoot(size: target))
            say(String(format: "  at %@ leaves: inclusion proof mean %.3f ms (p99 %.3f), consistency proof mean %.3f ms (p99 %.3f)", Self.count(target),
                       inclusion.mean, inclusion.p99, consistency.mean, consistency.p99))
            rows.append(String(format: "| inclusion proof at %@ leaves, mean (p99, max) | %.3f ms (%.3f, %.3f) | ≤ 1 ms |", Self.count(target), inclusion.mean, inclusion.p99, inclusion.max))
            rows.append(String(format: "| consistency proof at %@ leaves, mean (p99, max) | %.3f ms (%.3f, %.3f) | ≤ 1 ms |", Self.count(target), consistency.mean, consistency.p99, consistency.max))
            rows.append(String(format: "| RSS after building %@ leaves | %.1f MB | flat |", Self.count(target), rss))
        }

        let late = try await appendRate(store, &ids, count: appends)
        say(String(format: "  appends at %@ leaves, %d per transaction: %.0f/s", Self.count(size), batch, late))
        rows.append(String(format: "| appends/s, %d per transaction, log at %@ leaves | %.0f /s | ≥ 50,000 /s |", batch, Self.count(size), late))
        let rssEnd = Self.rssMB()
        rows.insert(String(format: "| RSS at start | %.1f MB | — |", rssStart), at: 0)
        rows.append(String(format: "| RSS at end | %.1f MB | flat |", rssEnd))
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        rows.append(String(format: "| database size at %@ leaves | %.0f MB | — |", Self.count(try await store.logSize()), Double(bytes) / 1_048_576))
        print("| measure | value | target |")
        print("|---|---|---|")
        for r in rows { print(r) }
    }

    static func count(_ n: Int64) -> String {
        n >= 1_000_000 && n % 1_000_000 == 0 ? "\(n / 1_000_000)M" : (n >= 1000 && n % 1000 == 0 ? "\(n / 1000)k" : "\(n)")
    }
}
