import AccordCore
import ArgumentParser
import Foundation

/// `accord check …`: communication checks, sent on demand, listed, answered.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Communication checks: send one to some or all peers, list them, answer one.",
        subcommands: [Send.self, List.self, Answer.self], defaultSubcommand: Send.self)

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a communication check to some peers, or to all (the default): one check per peer.",
            discussion: "A peer whose previous check from this node is still running is skipped: checks do not pile up.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The peers to check (default: all).") var peers: [String] = []
        @Flag(help: "Every pinned peer.") var all = false
        @Option(help: "Peers to check, comma-separated (as the arguments).") var to: String?
        @Option(help: "A message to the person on duty.") var message: String?
        @Option(help: "Minutes until the check expires unanswered (default: the check deadline, deadlines.rules.check).") var expireAfterMinutes: Int?
        @Flag(help: "Sign the checks as an exercise.") var exercise = false

        func run() async throws {
            try await reporting {
                var names = peers
                if let to { names += to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                if all && !names.isEmpty { throw AccordError(.invalidField, "give peers or --all, not both", field: "all") }
                var r: [String: JSONValue] = [:]
                if names.isEmpty { r["all"] = .bool(true) } else { r["to"] = .strings(names) }
                if let message { r["message"] = .string(message) }
                if let expireAfterMinutes { r["expire_after_minutes"] = .number(Double(expireAfterMinutes)) }
                if exercise { r["exercise"] = .bool(true) }
                let reply = try await api.client().post("/api/v1/checks", .object(r))
                if api.json { return printJSON(reply) }
                for s in reply["sent"]?.arrayValue ?? [] {
                    print("Check \(String((s["check"]?.stringValue ?? "").prefix(12))) sent to \(s["peer"]?.stringValue ?? "?"), expires \(shown(s["expires_at"]?.stringValue))")
                }
                for s in reply["skipped"]?.arrayValue ?? [] {
                    print("Skipped \(s["peer"]?.stringValue ?? "?"): check \(String((s["open_check"]?.stringValue ?? "").prefix(12))) still running until \(shown(s["expires_at"]?.stringValue))")
                }
                print("'accord check list' shows when each was delivered and answered.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Checks sent and received: status, delivery and human answer times.")
        @OptionGroup var api: APIOptions
        @Flag(help: "Only checks still open (not answered, not expired).") var open = false
        @Option(help: "At most this many, newest first (default 200).") var limit: Int?

        func run() async throws {
            try await reporting {
                var query: [String] = []
                if open { query.append("open=true") }
                if let limit { query.append("limit=\(limit)") }
                let reply = try await api.client().get("/api/v1/checks" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
                if api.json { return printJSON(reply) }
                let items = reply.arrayValue ?? []
                if items.isEmpty { print(open ? "No check is open." : "No checks yet.") }
                for c in items {
                    let sent = c["direction"]?.stringValue == "sent"
                    let mark = c["exercise"]?.boolValue == true ? "[EXERCISE] " : ""
                    print(mark + "\(String((c["id"]?.stringValue ?? "").prefix(12)))  \(sent ? "sent" : "received from \(c["initiator"]?.stringValue ?? "?")")  "
                          + "\(c["status"]?.stringValue ?? "?")  sent \(shown(c["sent_at"]?.stringValue)), expires \(shown(c["expires_at"]?.stringValue))")
                    for p in c["parties"]?.arrayValue ?? [] {
                        var line = "    \(p["peer"]?.stringValue ?? "?"): \(p["status"]?.stringValue ?? "?")"
                        if let d = p["delivered_seconds"]?.doubleValue { line += String(format: "; delivered after %.1f s", d) }
                        if let a = p["answer_seconds"]?.doubleValue { line += String(format: "; answered by a person after %.0f s (%@)", a, shown(p["answered_at"]?.stringValue)) }
                        print(line)
                    }
                }
            }
        }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer a check a peer sent this node, as the person on duty.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The check's id (or its first 6 or more hex digits).") var id: String
        @Option(help: "A message back.") var message: String?

        func run() async throws {
            try await reporting {
                let client = try api.client()
                let checkID = try await resolve(id, client)
                var r: [String: JSONValue] = [:]
                if let message { r["message"] = .string(message) }
                let reply = try await client.post("/api/v1/checks/\(checkID)/answer", .object(r))
                if api.json { return printJSON(reply) }
                print("Check answered  [event \(String((reply["event"]?.stringValue ?? "").prefix(12)))]")
            }
        }
    }
}
