import AccordCore
import AccordHTTP
import ArgumentParser
import Foundation

struct TAXIICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxii", abstract: "Configure the node's TAXII 2.1 server: collections, whom they are published to, accounts and rights.",
        subcommands: [Collection.self, Account.self])

    struct Collection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "TAXII collections.", subcommands: [Add.self, List.self, Share.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a collection; with --share-to, what is posted there is shared with those peers (TLP permitting).")
            @OptionGroup var api: APIOptions
            @Option(help: "Its title.") var title: String
            @Option(help: "What it holds.") var description: String?
            @Option(help: "Peers to publish it to (comma-separated).") var shareTo: String?
            @Option(help: "Peers named to receive its TLP:RED objects (comma-separated).") var redTo: String?

            func run() async throws {
                try await reporting {
                    var body: [String: JSONValue] = ["title": .string(title)]
                    if let description { body["description"] = .string(description) }
                    if let shareTo { body["share_to"] = .strings(TAXIICommand.list(shareTo)) }
                    if let redTo { body["red_to"] = .strings(TAXIICommand.list(redTo)) }
                    let reply = try await api.client().post("/api/v1/taxii/collections", .object(body))
                    if api.json { return printJSON(reply) }
                    print("Collection \(reply["id"]?.stringValue ?? "") \"\(title)\"")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List collections with their peers and rights.")
            @OptionGroup var api: APIOptions

            func run() async throws {
                try await reporting {
                    let reply = try await api.client().get("/api/v1/taxii/collections")
                    if api.json { return printJSON(reply) }
                    let items = reply.arrayValue ?? []
                    if items.isEmpty { print("No collections.") }
                    for c in items {
                        let peers = (c["share_to"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                        let from = c["inbound_peer"]?.stringValue.map { "  from \($0)" } ?? ""
                        print("\(c["id"]?.stringValue ?? "")  \(c["title"]?.stringValue ?? "")\(peers.isEmpty ? "" : "  shared with \(peers)")\(from)\(c["restricted"]?.boolValue == true ? "  (TLP:RED, one reader)" : "")")
                    }
                }
            }
        }

        struct Share: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set the peers a collection is published to.")
            @OptionGroup var api: APIOptions
            @Argument(help: "The collection id.") var collection: String
            @Option(help: "Peers (comma-separated; empty: none).") var shareTo: String
            @Option(help: "Peers named for TLP:RED objects (comma-separated).") var redTo: String?

            func run() async throws {
                try await reporting {
                    var body: [String: JSONValue] = ["share_to": .strings(TAXIICommand.list(shareTo))]
                    if let redTo { body["red_to"] = .strings(TAXIICommand.list(redTo)) }
                    let reply = try await api.client().post("/api/v1/taxii/collections/\(collection)/sharing", .object(body))
                    if api.json { return printJSON(reply) }
                    print("Collection \(collection) is shared with: \(TAXIICommand.list(shareTo).joined(separator: ", "))")
                }
            }
        }
    }

    struct Account: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "TAXII accounts and their rights.", subcommands: [Add.self, List.self, Remove.self, Grant.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add an account; prints its bearer token once. With --password-stdin it also signs in with HTTP Basic.")
            @OptionGroup var api: APIOptions
            @Argument(help: "The account name.") var name: String
            @Flag(help: "Read a password (12+ characters) from standard input, for HTTP Basic.") var passwordStdin = false

            func run() async throws {
                try await reporting {
                    var body: [String: JSONValue] = ["name": .string(name)]
                    if passwordStdin {
                        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
                        body["password"] = .string(line)
                    }
                    let reply = try await api.client().post("/api/v1/taxii/accounts", .object(body))
                    if api.json { return printJSON(reply) }
                    print("Account \(name). Its bearer token (shown once): \(reply["token"]?.stringValue ?? "")")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List accounts and their rights.")
            @OptionGroup var api: APIOptions

            func run() async throws {
                try await reporting {
                    let reply = try await api.client().get("/api/v1/taxii/accounts")
                    if api.json { return printJSON(reply) }
                    for a in reply.arrayValue ?? [] {
                        let rights = (a["rights"]?.arrayValue ?? []).map { r in
                            "\(r["collection"]?.stringValue ?? ""):\(r["read"]?.boolValue == true ? "r" : "")\(r["write"]?.boolValue == true ? "w" : "")"
                        }
                        print("\(a["name"]?.stringValue ?? "")  \(a["basic"]?.boolValue == true ? "basic+token" : "token")  \(rights.joined(separator: " "))")
                    }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an account (its token and password stop working at once).")
            @OptionGroup var api: APIOptions
            @Argument(help: "The account name.") var name: String

            func run() async throws {
                try await reporting {
                    _ = try await api.client().call(.DELETE, "/api/v1/taxii/accounts/\(name)")
                    print("Removed \(name).")
                }
            }
        }

        struct Grant: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set an account's rights on a collection (neither flag: remove them).")
            @OptionGroup var api: APIOptions
            @Argument(help: "The account name.") var name: String
            @Argument(help: "The collection id.") var collection: String
            @Flag(help: "May read.") var read = false
            @Flag(help: "May write.") var write = false

            func run() async throws {
                try await reporting {
                    let reply = try await api.client().post(
                        "/api/v1/taxii/accounts/\(name)/rights", ["collection": .string(collection), "read": .bool(read), "write": .bool(write)])
                    if api.json { return printJSON(reply) }
                    print("\(name) on \(collection): \(read ? "read" : "")\(read && write ? "+" : "")\(write ? "write" : "")\(!read && !write ? "no rights" : "")")
                }
            }
        }
    }

    static func list(_ s: String) -> [String] { s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}
