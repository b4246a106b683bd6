import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import ArgumentParser
import Foundation

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "The node's Merkle log: checkpoints, proofs, alerts, export and offline verification.",
        subcommands: [Checkpoint.self, Prove.self, Alerts.self, Export.self, Verify.self, LogBenchCommand.self])

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the latest checkpoint and its cosignatures (with --new, sign one now and gather cosignatures).")
        @OptionGroup var api: APIOptions
        @Flag(help: "Sign a checkpoint now (if the log grew) and ask the peers to cosign it (officer).") var new = false

        func run() async throws {
            try await reporting {
                let client = try api.client()
                if new { _ = try await client.post("/api/v1/log/checkpoints", [:]) }
                let reply = try await client.get("/api/v1/log")
                if api.json { return printJSON(reply) }
                print("\(reply["origin"]?.stringValue ?? "?"): \(reply["size"]?.intValue ?? 0) leaves, witness quorum \(reply["witness_quorum"]?.intValue ?? 1)")
                guard let latest = reply["checkpoint"], !latest.isNull else { return print("No checkpoint yet.") }
                let witnessed = latest["witnessed_at"]?.stringValue.map { "witnessed at \($0)" } ?? "not yet witnessed"
                print("Latest checkpoint: size \(latest["size"]?.intValue ?? 0), \(witnessed)")
                print("  cosigned by: \((latest["cosigners"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ").nonEmpty ?? "nobody yet")")
                print("")
                print(latest["note"]?.stringValue ?? "", terminator: "")
                if let w = reply["witnessed"], !w.isNull, w["size"] != latest["size"] {
                    print("\nLatest witnessed checkpoint: size \(w["size"]?.intValue ?? 0)")
                }
            }
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an inclusion proof (--event or --index, in a tree of --size) or a consistency proof (--from, --to).")
        @OptionGroup var api: APIOptions
        @Option(help: "An event this node authored.") var event: String?
        @Option(help: "A leaf index.") var index: Int64?
        @Option(help: "The tree size (default: the latest witnessed checkpoint's).") var size: Int64?
        @Option(help: "Consistency from this size…") var from: Int64?
        @Option(help: "…to this size (default: the log's size).") var to: Int64?

        func run() async throws {
            try await reporting {
                let client = try api.client()
                let reply: JSONValue
                if let from {
                    reply = try await client.get("/api/v1/log/consistency?old=\(from)" + (to.map { "&new=\($0)" } ?? ""))
                } else if event != nil || index != nil {
                    var query = event.map { "event=\($0.lowercased())" } ?? "index=\(index!)"
                    if let size { query += "&size=\(size)" }
                    reply = try await client.get("/api/v1/log/inclusion?" + query)
                } else {
                    throw ValidationError("give --event or --index for an inclusion proof, or --from for a consistency proof")
                }
                printJSON(reply)
            }
        }
    }

    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show equivocation alerts: logs whose origin signed two inconsistent checkpoints.")
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await reporting {
                let reply = try await api.client().get("/api/v1/alerts")
                if api.json { return printJSON(reply) }
                let alerts = reply.arrayValue ?? []
                if alerts.isEmpty { return print("No equivocation alerts.") }
                for a in alerts {
                    print("ALERT #\(a["id"]?.intValue ?? 0) \(a["raised_at"]?.stringValue ?? "") \(a["origin"]?.stringValue ?? "?"): \(a["kind"]?.stringValue ?? "")")
                    print("  \(a["message"]?.stringValue ?? "")")
                    print("  detected via \(a["detected_via"]?.stringValue ?? "?")")
                    for key in ["first_checkpoint", "second_checkpoint"] {
                        print("  \(key.replacingOccurrences(of: "_", with: " ")):")
                        for line in (a[key]?.stringValue ?? "").split(separator: "\n", omittingEmptySubsequences: false) { print("    \(line)") }
                    }
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the node's whole log, up to its latest witnessed checkpoint, for offline verification (JSON Lines).",
            discussion: "Reads the data directory (the node may be running). The export holds every event the node authored unless --leaves-only.")
        @OptionGroup var data: DataOption
        @Option(name: .shortAndLong, help: "The file to write.") var out: String
        @Flag(help: "Only the leaves (event ids), not the events.") var leavesOnly = false
        @Flag(help: "Use the latest checkpoint even if it is not witnessed yet.") var unwitnessed = false

        func run() async throws {
            try await reporting {
                let dir = DataDirectory(data.directory)
                let config = try dir.loadConfiguration()
                let keys = try dir.loadKeys()
                let store = try dir.openStore()
                let found = unwitnessed ? try await store.latestCheckpoint() : try await store.latestWitnessedCheckpoint()
                guard let checkpoint = found else {
                    throw AccordError(.conflict, "the log has no \(unwitnessed ? "" : "witnessed ")checkpoint yet (see 'accord log checkpoint --new')")
                }
                guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                    throw AccordError(.storage, "cannot write \(out)")
                }
                defer { try? file.close() }
                let peers = try await store.peers().map { ($0.name, $0.signingKey) }
                let header = LogExport.header(origin: config.name, key: keys.publicSigningKey, treeSize: checkpoint.size, checkpoint: checkpoint.note, keys: peers)
                file.write(Data((CanonicalJSON.string(header) + "\n").utf8))
                var index: Int64 = 0
                while index < checkpoint.size {
                    let ids = try await store.logLeaves(from: index, limit: Int(min(1000, checkpoint.size - index)))
                    guard !ids.isEmpty else { throw AccordError(.storage, "the log ends at \(index), before the checkpoint's \(checkpoint.size)") }
                    var chunk = ""
                    for id in ids {
                        let event = leavesOnly ? nil : try await store.event(id)?.event
                        chunk += CanonicalJSON.string(LogExport.leaf(index: index, id: id, event: event)) + "\n"
                        index += 1
                    }
                    file.write(Data(chunk.utf8))
                }
                FileHandle.standardError.write(Data("Exported \(checkpoint.size) leaves of \(config.name)'s log (checkpoint cosigned by \(checkpoint.cosigners.joined(separator: ", "))) to \(out)\n".utf8))
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an exported log offline: checkpoint, cosignatures, every event's signature and the root.",
            discussion: "Trust comes from --data and/or --policy, as for 'accord proof verify'; never from the keys the export carries.")
        @Argument(help: "The export (from 'accord log export').") var file: String
        @OptionGroup var trust: TrustOptions

        func run() async throws {
            try await reporting {
                guard let handle = FileHandle(forReadingAtPath: file) else { throw AccordError(.notFound, "cannot read \(file)") }
                defer { try? handle.close() }
                var lines = LineReader(handle)
                guard let first = lines.next() else { throw AccordError(.malformed, "\(file) is empty") }
                let header: JSONValue
                do { header = try JSONParser.parse(first) } catch { throw AccordError(.malformed, "line 1 is not JSON") }
                let policy = try await trust.policy()
                do {
                    var verifier = try LogExport.Verifier(header: header, policy: policy)
                    var n = 1
                    while let line = lines.next() {
                        n += 1
                        if line.isEmpty { continue }
                        let json: JSONValue
                        do { json = try JSONParser.parse(line) } catch { throw AccordError(.malformed, "line \(n) is not JSON") }
                        try verifier.add(json)
                    }
                    try verifier.finish()
                    print("VALID: \(verifier.leaves) leaves of \(verifier.origin)'s log match its checkpoint, cosigned by \(verifier.cosigners.joined(separator: ", ")); \(verifier.eventsChecked) event signatures checked")
                } catch let e as AccordError {
                    print("INVALID: \(e.message)")
                    throw ExitCode.failure
                }
            }
        }
    }
}

/// Reads a file line by line without loading it whole.
struct LineReader {
    let handle: FileHandle
    var buffer: [UInt8] = []
    var position = 0
    var done = false

    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() -> [UInt8]? {
        while true {
            if let nl = buffer[position...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<nl])
                position = nl + 1
                return line
            }
            if done {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                return line
            }
            buffer.removeFirst(position)
            position = 0
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { done = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
