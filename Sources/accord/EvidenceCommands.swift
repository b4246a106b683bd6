import AccordCore
import AccordHTTP
import ArgumentParser
import Foundation

struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Attach evidence files to cases, list them and get them back (encrypted for the case's parties).",
        subcommands: [Add.self, List.self, Get.self])

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
                    let held = e["available"]?.boolValue == true ? "held here" : "not transferred"
                    print("\(id)  \(e["name"]?.stringValue ?? "")  \(e["media_type"]?.stringValue ?? "")  \(e["size"]?.intValue ?? 0) bytes  from \(e["author"]?.stringValue ?? "")  SHA-256 \(e["sha256"]?.stringValue ?? "")  \(held)")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt an evidence file this node holds into a file.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The evidence event id.") var evidence: String
        @Option(help: "Where to write it.") var out: String

        func run() async throws {
            try await reporting {
                try await api.client().download("/api/v1/evidence/\(evidence)/content", to: out)
                print("Written: \(out)")
            }
        }
    }
}
