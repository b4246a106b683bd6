import AccordCore
import AccordHTTP
import ArgumentParser
import Foundation

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Webhook and e-mail notifications: send a test, see what was delivered or given up, retry.",
        discussion: "Destinations are configured under \"notifications\" in accord.json (docs/operations.md, \"Notifications\"). Needs an admin token.",
        subcommands: [Test.self, List.self, Retry.self])

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a test notification to every configured destination and report each outcome.")
        @OptionGroup var api: APIOptions
        @Option(help: "Seconds to wait for every destination's outcome (0: do not wait).") var wait: Int = 30

        func run() async throws {
            try await reporting {
                let client = try api.client()
                let reply = try await client.post("/api/v1/notifications/test", [:])
                let id = reply["id"]?.stringValue ?? ""
                if api.json && wait == 0 { return printJSON(reply) }
                if !api.json { print("Test notification \(id) queued for: \((reply["destinations"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))") }
                guard wait > 0 else { return }
                let deadline = ContinuousClock.now + .seconds(wait)
                var mine: [JSONValue] = []
                while true {
                    mine = try await client.get("/api/v1/notifications?limit=1000").arrayValue?.filter { $0["id"]?.stringValue == id } ?? []
                    // Settled: delivered, or failed at least once (retries go on in the background).
                    let settled = mine.allSatisfy { $0["state"]?.stringValue != "pending" || ($0["attempts"]?.intValue ?? 0) > 0 }
                    if (settled && !mine.isEmpty) || ContinuousClock.now >= deadline { break }
                    try await Task.sleep(for: .milliseconds(250))
                }
                if api.json { return printJSON(.array(mine)) }
                var failed = false
                for item in mine {
                    let state = item["state"]?.stringValue ?? "?"
                    let target = item["target"]?.stringValue ?? ""
                    let channel = item["channel"]?.stringValue ?? ""
                    if state == "delivered" {
                        print("  delivered  \(channel) \(target)")
                    } else {
                        failed = true
                        print("  \(state == "failed" ? "FAILED   " : "not yet  ")  \(channel) \(target): \(item["last_error"]?.stringValue ?? "no answer yet")")
                    }
                }
                if failed { throw ExitCode(1) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List notifications, newest first, with their delivery state.")
        @OptionGroup var api: APIOptions
        @Option(help: "Only those pending, delivered or failed (given up).") var state: String?
        @Option(help: "At most this many (1–1000).") var limit: Int = 50

        func run() async throws {
            try await reporting {
                var path = "/api/v1/notifications?limit=\(limit)"
                if let state { path += "&state=\(state)" }
                let reply = try await api.client().get(path)
                if api.json { return printJSON(reply) }
                let items = reply.arrayValue ?? []
                if items.isEmpty { print("No notifications\(state.map { " \($0)" } ?? "").") }
                for item in items {
                    let s = item["state"]?.stringValue ?? ""
                    var line = "\(item["id"]?.stringValue ?? "")  \(item["created_at"]?.stringValue ?? "")  \(item["event"]?.stringValue ?? "")  "
                        + "\(item["channel"]?.stringValue ?? "") \(item["target"]?.stringValue ?? "")  \(s) after \(item["attempts"]?.intValue ?? 0) attempt(s)"
                    if s == "pending", let next = item["next_attempt"]?.stringValue { line += ", next \(next)" }
                    if let e = item["last_error"]?.stringValue { line += "\n    last error: \(e)" }
                    print(line)
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a given-up notification again, to every destination that gave it up.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The notification's id (ntf-…).") var id: String

        func run() async throws {
            try await reporting {
                let reply = try await api.client().post("/api/v1/notifications/\(id)/retry", [:])
                if api.json { return printJSON(reply) }
                print("Notification \(id) queued again for \(reply["requeued"]?.intValue ?? 0) destination(s).")
            }
        }
    }
}
