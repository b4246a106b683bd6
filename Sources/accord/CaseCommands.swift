import AccordConsole
import AccordCore
import AccordHTTP
import ArgumentParser
import Foundation

struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case", abstract: "Open, list, show and take steps in cooperation cases.",
        subcommands: [
            Open.self, List.self, Search.self, Show.self, Ack.self, Answer.self, RequestInfo.self, ProvideInfo.self, Extend.self,
            Withdraw.self, Close.self, ProposeConditions.self, AcceptConditions.self, DeclineConditions.self, Export.self, VerifyExport.self,
        ])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a case.",
            discussion: "Kinds and their fields: " + CaseKind.allCases.map { k in
                "\(k.rawValue) (" + k.fields.map { $0.required ? $0.name : "[\($0.name)]" }.joined(separator: ", ") + ")"
            }.joined(separator: "; "))

        @OptionGroup var api: APIOptions
        @Option(help: "notification, assistance, preservation, disclosure, mla, consultation or check.") var kind: String?
        @Option(help: "A short title.") var title: String?
        @Option(help: "Addressed peers, comma-separated.") var to: String?
        @Option(name: .customLong("field"), help: "A field as name=value; repeat for lists (e.g. proposed_dates).") var fields: [String] = []
        @Option(name: .customLong("norm"), help: "A cited norm, e.g. 13(h); repeatable.") var norms: [String] = []
        @Option(name: .customLong("basis"), help: ArgumentHelp(
            "A cited treaty article, e.g. budapest:29 or uncc:42; repeatable.",
            discussion: "Articles: " + LegalBases.all.map(\.id).joined(separator: ", "))) var bases: [String] = []
        @Flag(help: "Mark the case urgent: it is to be acknowledged within the shorter urgent deadline.") var urgent = false
        @Flag(help: "Mark the case as an exercise (a drill), signed so every party sees it as one.") var exercise = false
        @Option(help: "Days of preservation asked for (at least 60).") var preservationDays: Int?
        @Option(help: "A JSON file with the whole request instead of the options above.") var file: String?

        func run() async throws {
            try await reporting {
                let request: JSONValue
                if let file {
                    guard let data = FileManager.default.contents(atPath: file) else { throw AccordError(.notFound, "cannot read \(file)") }
                    request = try JSONParser.parse([UInt8](data))
                } else {
                    guard let kindName = kind, let kind = CaseKind(rawValue: kindName) else {
                        throw ValidationError("--kind must be one of \(CaseKind.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    guard let title, let to else { throw ValidationError("--title and --to are required (or pass --file)") }
                    var f: [String: JSONValue] = [:]
                    for item in fields {
                        guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--field takes name=value, not \"\(item)\"") }
                        let name = String(item[..<eq])
                        let value = String(item[item.index(after: eq)...])
                        guard let spec = kind.fields.first(where: { $0.name == name }) else {
                            throw ValidationError("\(kind.rawValue) has no field \"\(name)\"; its fields are \(kind.fields.map(\.name).joined(separator: ", "))")
                        }
                        switch spec.shape {
                        case .bool: f[name] = .bool(["true", "yes", "1"].contains(value.lowercased()))
                        case .textList: f[name] = .array((f[name]?.arrayValue ?? []) + [.string(value)])
                        default: f[name] = .string(value)
                        }
                    }
                    var r: [String: JSONValue] = [
                        "kind": .string(kind.rawValue), "title": .string(title),
                        "to": .strings(to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }), "fields": .object(f),
                    ]
                    if !norms.isEmpty { r["norms"] = .strings(norms) }
                    if !bases.isEmpty {
                        // Typed forms such as "Budapest 29" are written as cited ("budapest:29"); the node checks them.
                        r["bases"] = .strings(bases.map { LegalBases.normalise($0) ?? $0 })
                    }
                    if urgent { r["urgent"] = true }
                    if exercise { r["exercise"] = true }
                    if let preservationDays { r["preservation_days"] = .number(Double(preservationDays)) }
                    request = .object(r)
                }
                let reply = try await api.client().post("/api/v1/cases", request)
                if api.json { return printJSON(reply) }
                print("Opened case \(reply["event"]?.stringValue ?? "?")")
                if let state = reply["state"] { printCase(state) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List cases, most recently changed first.")
        @OptionGroup var api: APIOptions
        @OptionGroup var filters: CaseFilters
        @Option(help: "Only cases whose text matches this search (words, \"a phrase\", prefix*, AND, OR, NOT).") var search: String?

        func run() async throws {
            try await reporting { try await listCases(api, filters, search: search) }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search every case's text: titles, fields and every step's text, sent or received.",
            discussion: "Words match whole words in any order (ransomware mailbox); \"a phrase\" matches as written; prefix* matches the start of a word; AND, OR, NOT and parentheses combine them.")
        @OptionGroup var api: APIOptions
        @OptionGroup var filters: CaseFilters
        @Argument(help: "What to search for.") var text: [String]

        func run() async throws {
            try await reporting { try await listCases(api, filters, search: text.joined(separator: " ")) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a case: every field of the request and of every step, deadlines, parties, the timeline with delivery state.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The case id (or a unique prefix).") var id: String

        func run() async throws {
            try await reporting {
                let client = try api.client()
                let caseID = try await resolve(id, client)
                // The same content model as the web console's case page.
                let reply = try await client.get("/api/v1/cases/\(caseID)/view")
                if api.json { return printJSON(reply) }
                let view = try JSONDecoder().decode(CaseView.self, from: Data(CanonicalJSON.encode(reply)))
                print(view.text(time: shown))
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge receipt of a case.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "An optional note.") var note: String?
        func run() async throws { try await step(api, id, "acknowledge", ["note": note.map(JSONValue.string)]) }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer a request: granted, partially_granted, postponed or refused.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "granted, partially_granted, postponed or refused.") var outcome: String
        @Option(name: .customLong("ground"), help: "A ground for refusal or postponement (\(Ground.allCases.map(\.rawValue).joined(separator: ", "))); repeatable.")
        var grounds: [String] = []
        @Option(help: "Why (required unless granted).") var reason: String?
        @Option(help: "Details of what is provided or done.") var details: String?
        func run() async throws {
            try await step(api, id, "answer", [
                "outcome": .string(outcome), "grounds": grounds.isEmpty ? nil : .strings(grounds),
                "reason": reason.map(JSONValue.string), "details": details.map(JSONValue.string),
            ])
        }
    }

    struct RequestInfo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "request-info", abstract: "Ask the initiator for further information.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "What you need to know.") var questions: String
        func run() async throws { try await step(api, id, "request_information", ["questions": .string(questions)]) }
    }

    struct ProvideInfo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "provide-info", abstract: "Provide information, in reply to a request or spontaneously.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "The information.") var information: String
        @Option(help: "The id of the information request this answers (or its first 6 or more hex digits).") var inReplyTo: String?
        @Option(help: "Addressees, comma-separated (default: the other side).") var to: String?
        func run() async throws {
            try await step(api, id, "provide_information", ["information": .string(information), "in_reply_to": inReplyTo.map(JSONValue.string)], to: to)
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend the answer deadline or the preservation period.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "New answer deadline (RFC 3339).") var answerBy: String?
        @Option(help: "New end of preservation (RFC 3339).") var preserveUntil: String?
        @Option(help: "Why.") var reason: String
        func run() async throws {
            try await step(api, id, "extend", [
                "answer_by": answerBy.map(JSONValue.string), "preserve_until": preserveUntil.map(JSONValue.string), "reason": .string(reason),
            ])
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a case you opened.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "Why.") var reason: String
        func run() async throws { try await step(api, id, "withdraw", ["reason": .string(reason)]) }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a case you opened.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "Why.") var reason: String?
        func run() async throws { try await step(api, id, "close", ["reason": reason.map(JSONValue.string)]) }
    }

    struct ProposeConditions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "propose-conditions", abstract: "Propose conditions on confidentiality or use.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "The conditions.") var conditions: String
        @Option(help: "Addressees, comma-separated (default: the other side).") var to: String?
        func run() async throws { try await step(api, id, "propose_conditions", ["conditions": .string(conditions)], to: to) }
    }

    struct AcceptConditions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "accept-conditions", abstract: "Accept proposed conditions.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "The id of the conditions proposal (or its first 6 or more hex digits).") var proposal: String
        func run() async throws { try await step(api, id, "accept_conditions", ["proposal": .string(proposal)]) }
    }

    struct DeclineConditions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "decline-conditions", abstract: "Decline proposed conditions.")
        @OptionGroup var api: APIOptions
        @Argument var id: String
        @Option(help: "The id of the conditions proposal.") var proposal: String
        @Option(help: "Why.") var reason: String
        func run() async throws { try await step(api, id, "decline_conditions", ["proposal": .string(proposal), "reason": .string(reason)]) }
    }
}

/// A case id as typed: the node resolves a unique prefix of at least 6 hex digits itself,
/// over every case it holds, and names the candidates of an ambiguous one.
func resolve(_ id: String, _ client: OperatorClient) async throws -> String {
    let text = id.lowercased()
    guard text.count >= 6, text.count <= 64, text.allSatisfy(\.isHexDigit) else {
        throw AccordError(.invalidField, "\"\(id)\" is not a case id: give 6 to 64 hex digits of it, as 'accord case list' shows")
    }
    return text
}

func step(_ api: APIOptions, _ id: String, _ type: String, _ body: [String: JSONValue?], to: String? = nil) async throws {
    try await reporting {
        let client = try api.client()
        let caseID = try await resolve(id, client)
        var request: [String: JSONValue] = ["type": .string(type), "body": .object(body.compactMapValues { $0 })]
        if let to { request["to"] = .strings(to.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let reply = try await client.post("/api/v1/cases/\(caseID)/steps", .object(request))
        if api.json { return printJSON(reply) }
        print("\(reply["summary"]?.stringValue ?? "done")  [event \(String((reply["event"]?.stringValue ?? "").prefix(12)))]")
    }
}

func printCase(_ c: JSONValue) {
    if c["exercise"]?.boolValue == true { print(exerciseBanner) }
    let urgent = c["urgent"]?.boolValue == true ? ", URGENT" : ""
    print("\(c["title"]?.stringValue ?? "")  (\(c["kind"]?.stringValue ?? ""), \(c["status"]?.stringValue ?? "")\(urgent))")
    print("  id:        \(c["id"]?.stringValue ?? "")")
    print("  initiator: \(c["initiator"]?.stringValue ?? "")  opened \(shown(c["opened_at"]?.stringValue))")
    if let d = c["deadlines"]?.objectValue {
        for key in d.keys.sorted() { print("  \((key.replacingOccurrences(of: "_", with: " ") + ":").padding(toLength: 16, withPad: " ", startingAt: 0)) \(shown(d[key]?.stringValue))") }
    }
    if let norms = c["norms"]?.arrayValue, !norms.isEmpty {
        print("  norms:     " + norms.compactMap(\.stringValue).joined(separator: ", "))
    }
    if let bases = c["bases"]?.arrayValue, !bases.isEmpty {
        print("  legal basis:")
        for id in bases.compactMap(\.stringValue) {
            let article = LegalBases.byID[id]
            print("    \(id)  \(article.map { "\(LegalBases.treaties[$0.treaty] ?? $0.treaty), Art. \($0.article): \($0.title)" } ?? "")")
        }
    }
    for (name, p) in (c["parties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        var line = "  \(name): \(p["status"]?.stringValue ?? "")"
        if let a = p["answer"], let o = a["outcome"]?.stringValue {
            line += " — \(o)"
            if let g = a["grounds"]?.arrayValue, !g.isEmpty { line += " (" + g.compactMap(\.stringValue).joined(separator: ", ") + ")" }
        }
        if let s = p["response_seconds"]?.doubleValue { line += String(format: ", responded after %.1f s", s) }
        print(line)
    }
}

struct OverdueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "overdue", abstract: "What is overdue: acknowledgements, answers, preservation periods.")
    @OptionGroup var api: APIOptions

    func run() async throws {
        try await reporting {
            let reply = try await api.client().get("/api/v1/overdue")
            if api.json { return printJSON(reply) }
            let items = reply.arrayValue ?? []
            if items.isEmpty { print("Nothing is overdue.") }
            for i in items {
                let hours = (i["overdue_seconds"]?.doubleValue ?? 0) / 3600
                let marks = (i["exercise"]?.boolValue == true ? "[EXERCISE] " : "") + (i["urgent"]?.boolValue == true ? "[URGENT] " : "")
                print(marks + String(format: "%@  %@ owed by %@, due %@ (%.1f h ago) — %@", String((i["case"]?.stringValue ?? "").prefix(12)),
                             i["what"]?.stringValue ?? "", i["owed_by"]?.stringValue ?? "", shown(i["due"]?.stringValue), hours, i["title"]?.stringValue ?? ""))
            }
        }
    }
}

/// Printed above an exercise wherever a case is shown.
let exerciseBanner = CaseView.exerciseBanner

/// The filters of `case list` and `case search` (the API's query parameters).
struct CaseFilters: ParsableArguments {
    @Option(help: "open, withdrawn or closed.") var status: String?
    @Option(help: "Only this kind.") var kind: String?
    @Option(help: "Only cases this peer takes part in.") var peer: String?
    @Option(help: "Only cases with an addressed party in this status (awaiting_acknowledgement, acknowledged, information_requested, postponed, answered); with --peer, that peer's.")
    var partyStatus: String?
    @Flag(help: "Only urgent cases.") var urgent = false
    @Flag(inversion: .prefixedNo, help: "Only exercises (--exercise) or only real cases (--no-exercise).") var exercise: Bool?
    @Option(help: "At most this many (1–10000, default 200).") var limit: Int?

    func query(search: String?) -> String {
        var items: [(String, String)] = []
        if let search { items.append(("q", search)) }
        if let status { items.append(("status", status)) }
        if let kind { items.append(("kind", kind)) }
        if let peer { items.append(("peer", peer)) }
        if let partyStatus { items.append(("party_status", partyStatus)) }
        if urgent { items.append(("urgent", "true")) }
        if let exercise { items.append(("exercise", exercise ? "true" : "false")) }
        if let limit { items.append(("limit", String(limit))) }
        var c = URLComponents()
        c.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        // A "+" would read as a space.
        return items.isEmpty ? "" : "?" + (c.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }
}

func listCases(_ api: APIOptions, _ filters: CaseFilters, search: String?) async throws {
    let reply = try await api.client().get("/api/v1/cases" + filters.query(search: search))
    if api.json { return printJSON(reply) }
    let cases = reply.arrayValue ?? []
    if cases.isEmpty { print(search == nil ? "No cases." : "No case matches.") }
    for c in cases {
        let id = String((c["id"]?.stringValue ?? "").prefix(12))
        let parties = (c["parties"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value["status"]?.stringValue ?? "?")" }
        var marks: [String] = []
        if c["exercise"]?.boolValue == true { marks.append("[EXERCISE]") }
        if c["urgent"]?.boolValue == true { marks.append("[URGENT]") }
        let ack = c["deadlines"]?["acknowledge_by"]?.stringValue.map { "  ack by \(shown($0))" } ?? ""
        print(([id] + marks + [c["kind"]?.stringValue ?? "", c["status"]?.stringValue ?? "",
               "\(c["initiator"]?.stringValue ?? "") → \(parties.joined(separator: ", "))", c["title"]?.stringValue ?? ""]).joined(separator: "  ") + ack)
    }
}
