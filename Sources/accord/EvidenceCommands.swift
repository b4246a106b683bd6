import AccordCore
import AccordHTTP
import ArgumentParser
import Foundation

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Attach evidence files to cases, list them and get them back (encrypted for the case's parties).",
        subcommands: [Add.self, List.self, Get.self, Custody.self, Retry.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attach a file to a case: encrypted for every party, signed and logged.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case id.") var caseID: String
        @Argument(help: "The file.") var file: String
        @Option(help: "The name the parties see (default: the file's name).") var name: String?
        @Option(help: "Its media type (default: application/octet-stream).") var mediaType: String?
        @Option(help: "What it is.") var description: String?
        @Option(help: "When it was collected (RFC 3339 UTC).") var collectedAt: String?
        @Option(help: "Who collected it.") var collectedBy: String?
        @Option(help: "How it was collected.") var method: String?

        func run() async throws {
            try await reporting {
                var query = [("name", name ?? (file as NSString).lastPathComponent)]
                if let mediaType { query.append(("media_type", mediaType)) }
                if let description { query.append(("description", description)) }
                if let collectedAt { query.append(("collected_at", collectedAt)) }
                if let collectedBy { query.append(("collected_by", collectedBy)) }
                if let method { query.append(("method", method)) }
                var components = URLComponents()
                components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
                let reply = try await api.client().upload("/api/v1/cases/\(caseID)/evidence?" + (components.percentEncodedQuery ?? ""), file: file)
                if api.json { return printJSON(reply) }
                print("Attached: \(reply["summary"]?.stringValue ?? "") — event \(reply["event"]?.stringValue ?? "")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a case's evidence.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case id.") var caseID: String

        func run() async throws {
            try await reporting {
                let reply = try await api.client().get("/api/v1/cases/\(caseID)/evidence")
                if api.json { return printJSON(reply) }
                let items = reply.arrayValue ?? []
                if items.isEmpty { print("No evidence.") }
                for e in items {
                    let id = String((e["event"]?.stringValue ?? "").prefix(12))
                    print("\(id)  \(e["name"]?.stringValue ?? "")  \(e["media_type"]?.stringValue ?? "")  \(e["size"]?.intValue ?? 0) bytes  from \(e["author"]?.stringValue ?? "")  SHA-256 \(e["sha256"]?.stringValue ?? "")  \(EvidenceCommand.describe(e))")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt an evidence file this node holds into a file (recorded as exported in its chain of custody).",
            discussion: "With --wait, a file still on its way from its author is waited for, with its progress shown.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case id.") var caseID: String
        @Argument(help: "The evidence event id.") var evidence: String
        @Option(help: "Where to write it.") var out: String
        @Flag(help: "Wait until the file has arrived, showing progress.") var wait = false

        func run() async throws {
            try await reporting {
                let client = try api.client()
                var item = try await client.get("/api/v1/evidence/\(evidence)")
                guard item["case"]?.stringValue == caseID || (caseID.count >= 6 && item["case"]?.stringValue?.hasPrefix(caseID.lowercased()) == true) else {
                    throw AccordError(.notFound, "evidence \(evidence) is not attached to case \(caseID)")
                }
                while wait, ["queued", "transferring"].contains(item["state"]?.stringValue ?? "") {
                    FileHandle.standardError.write(Data((EvidenceCommand.describe(item) + "\n").utf8))
                    try await Task.sleep(for: .seconds(1))
                    item = try await client.get("/api/v1/evidence/\(evidence)")
                }
                if item["state"]?.stringValue == "failed" {
                    throw AccordError(.damaged, "evidence \(evidence) did not arrive intact and is not shown: \(item["failure"]?.stringValue ?? "")")
                }
                try await client.download("/api/v1/evidence/\(evidence)/content", to: out)
                print("Written: \(out)")
            }
        }
    }

    struct Custody: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the chain of custody of a case's evidence: who added, sent, received, verified, opened, exported or purged it, where and when.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case id.") var caseID: String
        @Argument(help: "One evidence event id (default: all of the case's evidence).") var evidence: String?

        func run() async throws {
            try await reporting {
                let query = evidence.map { "?evidence=\($0)" } ?? ""
                let reply = try await api.client().get("/api/v1/cases/\(caseID)/custody\(query)")
                if api.json { return printJSON(reply) }
                let entries = reply.arrayValue ?? []
                if entries.isEmpty { print("No evidence.") }
                for e in entries {
                    var line = "\(e["at"]?.stringValue ?? "")  \(String((e["evidence"]?.stringValue ?? "").prefix(12)))  \(e["action"]?.stringValue ?? "")  on \(e["node"]?.stringValue ?? "")"
                    if let peer = e["peer"]?.stringValue { line += e["action"]?.stringValue == "sent" ? " to \(peer)" : " from \(peer)" }
                    if let by = e["by"]?.stringValue { line += " by \(by)" }
                    if let bytes = e["bytes"]?.intValue { line += ", \(bytes) bytes" }
                    if let sha = e["sha256"]?.stringValue { line += ", SHA-256 \(sha)" }
                    if let reason = e["reason"]?.stringValue { line += " (\(reason))" }
                    line += "  [event \(String((e["event"]?.stringValue ?? "").prefix(12)))]"
                    print(line)
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch a failed evidence file again, once its cause (room on disk, a limit) is fixed.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The evidence event id.") var evidence: String

        func run() async throws {
            try await reporting {
                let reply = try await api.client().post("/api/v1/evidence/\(evidence)/retry", [:])
                if api.json { return printJSON(reply) }
                print(EvidenceCommand.describe(reply))
            }
        }
    }

    /// An evidence file's state in words: held, failed and why, or its transfer's progress.
    static func describe(_ item: JSONValue) -> String {
        switch item["state"]?.stringValue ?? "" {
        case "available": return "held here"
        case "purged": return "purged (record and SHA-256 kept)"
        case "failed": return "failed: \(item["failure"]?.stringValue ?? "")"
        case let state:
            guard let t = item["transfer"], let total = t["total"]?.intValue, total > 0 else { return state == "queued" ? "queued" : state }
            let bytes = t["bytes"]?.intValue ?? 0
            var line = "\(state) \(megabytes(bytes)) of \(megabytes(total)) MB (\(bytes * 100 / total)%)"
            if let rate = t["bytes_per_second"]?.doubleValue, rate > 0 { line += ", \(megabytes(Int(rate))) MB/s" }
            if let left = t["seconds_left"]?.doubleValue { line += ", \(Int(left.rounded(.up))) s left" }
            if let error = t["last_error"]?.stringValue { line += "; last stop: \(error)" }
            return line
        }
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1_000_000) }
}
