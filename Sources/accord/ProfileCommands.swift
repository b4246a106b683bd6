import AccordCore
import AccordHTTP
import AccordNode
import ArgumentParser
import Foundation

/// `accord profile`: this node's own signed profile, shown and changed through the operator API.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Show or change this node's profile (what peers read about it in their directory).",
        subcommands: [Show.self, Change.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show this node's profile, key fingerprints and key history.")
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await reporting {
                let reply = try await api.client().get("/api/v1/profile")
                if api.json { return printJSON(reply) }
                printDirectoryDetail(reply)
            }
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change this node's contact details (admin token): a new profile is signed and sent to every pinned peer.",
            discussion: "Only the options given change. The change is also written to accord.json, so a restart keeps it.")
        @OptionGroup var api: APIOptions
        @Option(help: "The organisation the node speaks for.") var organisation: String?
        @Option(help: "ISO 3166 country code or an organisation code, e.g. DE or OSCE.") var country: String?
        @Option(help: "Contact roles, comma-separated: technical, diplomatic, law_enforcement_24_7, central_authority.") var roles: String?
        @Option(help: "Working languages (BCP 47), comma-separated, e.g. en,fr.") var languages: String?
        @Option(help: "Working hours, e.g. 24/7 or \"Mon-Fri 08:00-18:00\".") var hours: String?
        @Option(help: "The IANA time zone the hours are in, e.g. Europe/Vienna; \"\" removes it.") var timezone: String?

        func run() async throws {
            try await reporting {
                func list(_ s: String) -> JSONValue { .strings(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) }
                var body: [String: JSONValue] = [:]
                if let organisation { body["organisation"] = .string(organisation) }
                if let country { body["country"] = .string(country) }
                if let roles { body["roles"] = list(roles) }
                if let languages { body["languages"] = list(languages) }
                if let hours { body["hours"] = .string(hours) }
                if let timezone { body["time_zone"] = .string(timezone) }
                guard !body.isEmpty else { throw ValidationError("give at least one of --organisation, --country, --roles, --languages, --hours, --timezone") }
                let reply = try await api.client().call(.PATCH, "/api/v1/profile", json: .object(body))
                if api.json { return printJSON(reply) }
                print("Profile version \(reply["version"]?.intValue ?? 0) signed (event \(String((reply["event"]?.stringValue ?? "").prefix(12)))); it goes to every pinned peer.")
            }
        }
    }
}

/// Prints a directory entry with its key history (`accord peer show`, `accord profile show`).
func printDirectoryDetail(_ reply: JSONValue) {
    let p = reply["profile"] ?? [:]
    func text(_ key: String) -> String { p[key]?.stringValue ?? "" }
    func list(_ key: String) -> String { (p[key]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ") }
    let isSelf = p["self"]?.boolValue == true
    print("\(text("name"))\(isSelf ? "  (this node)" : "")")
    if p["has_profile"]?.boolValue != true { print("  (pinned by key alone: no signed profile is held)") }
    print("  organisation:    \(text("organisation"))")
    print("  country:         \(text("country"))")
    print("  handles:         \(list("roles"))")
    print("  languages:       \(list("languages"))")
    print("  hours:           \(text("hours"))")
    print("  time zone:       \(p["time_zone"]?.stringValue ?? "not given")")
    print("  endpoint:        \(text("endpoint"))")
    print("  profile version: \(p["profile_version"]?.intValue.map(String.init) ?? "not numbered")" + (p["profile_updated_at"]?.stringValue.map { ", signed \(shown($0))" } ?? ""))
    if let pinned = p["pinned_at"]?.stringValue { print("  pinned:          \(shown(pinned))") }
    print("  signing key:     \(grouped(text("signing_key_fingerprint")))")
    print("  encryption key:  \(grouped(text("encryption_key_fingerprint")))")
    if let d = reply["delivery"], d != .null {
        print("  delivery:        \(d["pending"]?.intValue ?? 0) pending, \(d["rejected"]?.intValue ?? 0) parked" + (d["last_error"]?.stringValue.map { ", last error: \($0)" } ?? ""))
    }
    print("  key history:")
    for k in reply["key_history"]?.arrayValue ?? [] {
        let until = k["until"]?.stringValue.map { "until \(shown($0)) (\((k["ended_by"]?.stringValue ?? "").replacingOccurrences(of: "_", with: " ")))" } ?? "current"
        print("    \((k["use"]?.stringValue ?? "").padding(toLength: 10, withPad: " ", startingAt: 0)) \(grouped(k["fingerprint"]?.stringValue ?? ""))")
        print("               from \(shown(k["from"]?.stringValue)), \(until)")
    }
}

/// A fingerprint in groups of four, as `peer add` shows it.
func grouped(_ hex: String) -> String {
    stride(from: 0, to: hex.count, by: 4).map { i in
        let start = hex.index(hex.startIndex, offsetBy: i)
        return String(hex[start..<hex.index(start, offsetBy: min(4, hex.count - i))])
    }.joined(separator: " ")
}
