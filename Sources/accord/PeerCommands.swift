import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import ArgumentParser
import Foundation

struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer", abstract: "Pin, list, show and remove peers; list and re-send parked events.",
        subcommands: [Add.self, List.self, Show.self, Remove.self, Parked.self, Resend.self])

    struct Parked: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the events a peer rejected, or that were held back from it (its profile does not list their type).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The peer's node name.") var name: String

        func run() async throws {
            try await reporting {
                let reply = try await api.client().get("/api/v1/deliveries/\(name)/parked")
                if api.json { return printJSON(reply) }
                let items = reply.arrayValue ?? []
                if items.isEmpty { print("Nothing parked for \(name).") }
                for item in items {
                    let id = String((item["event"]?.stringValue ?? "").prefix(12))
                    print("\(id)  \(item["type"]?.stringValue ?? "")  \(item["code"]?.stringValue ?? ""): \(item["message"]?.stringValue ?? "")")
                }
            }
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a peer its parked events again, and what followed them (after it restored its data or upgraded).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The peer's node name.") var name: String

        func run() async throws {
            try await reporting {
                let reply = try await api.client().post("/api/v1/deliveries/\(name)/resend", [:])
                if api.json { return printJSON(reply) }
                print("Re-sending \(reply["parked"]?.intValue ?? 0) parked event(s) to \(name), and what followed them.")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin a peer's key after showing its fingerprint.",
            discussion: """
                Fetches the peer's signed profile from --url and shows its fingerprint. Compare it with the one the peer \
                gave you through a channel you trust, then confirm (or pass --fingerprint to confirm non-interactively). \
                With --key and --name, pins a key you received out of band without contacting the peer.
                """)

        @OptionGroup var data: DataOption
        @Option(help: "The peer's public URL.") var url: String
        @Option(help: "The fingerprint you verified out of band.") var fingerprint: String?
        @Option(help: "The peer's Ed25519 public key (base64), to pin without fetching its profile.") var key: String?
        @Option(help: "The peer's X25519 encryption key (base64), required with --key.") var encryptionKey: String?
        @Option(help: "The peer's node name (with --key).") var name: String?
        @Option(help: "Replace the key pinned for this name: the OLD key's fingerprint, confirming you know the peer lost it.") var replace: String?

        func run() async throws {
            try await reporting {
                let dir = DataDirectory(data.directory)
                let config = try dir.loadConfiguration()
                let store = try dir.openStore()
                let peer: Peer
                if let key {
                    guard let name, NodeName.isValid(name) else { throw ValidationError("--key needs --name with the peer's node name") }
                    guard let encryptionKey else { throw ValidationError("--key needs --encryption-key: every pinned peer has an encryption key") }
                    let signingKey = try PublicSigningKey(base64: key)
                    let encryption = try PublicEncryptionKey(base64: encryptionKey)
                    print("Peer \(name) at \(url)\n  fingerprint: \(signingKey.displayFingerprint)")
                    try confirm(signingKey)
                    peer = Peer(name: name, url: url, signingKey: signingKey, encryptionKey: encryption, addedAt: SystemTime().now())
                } else {
                    let profile = try await FederationClient(http: cliHTTP).fetchProfile(url: url)
                    print("Peer \(profile.name) at \(url)")
                    print("  organisation: \(profile.organisation)")
                    print("  country:      \(profile.country)")
                    print("  fingerprint:  \(profile.signingKey.displayFingerprint)")
                    try confirm(profile.signingKey)
                    peer = Peer(name: profile.name, url: url, signingKey: profile.signingKey, encryptionKey: profile.encryptionKey,
                                addedAt: SystemTime().now(), profile: profile.event.canonical)
                }
                let actor = "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())")
                switch try await PeerPinning.pin(peer, replacing: replace, by: actor, selfName: config.name, store: store, now: SystemTime().now()) {
                case .added: print("Pinned \(peer.name).")
                case .updated: print("\(peer.name) was pinned with this key already; its URL and profile are updated.")
                case .replaced(let old): print("Replaced the key pinned for \(peer.name) (\(old.displayFingerprint)) with \(peer.signingKey.displayFingerprint); the replacement is recorded.")
                }
            }
        }

        func confirm(_ key: PublicSigningKey) throws {
            if let fingerprint {
                guard key.matches(fingerprint: fingerprint) else {
                    throw AccordError(.badKey, "the peer's fingerprint does not match the one you gave: do not pin this key, and tell the peer")
                }
                return
            }
            guard isatty(0) != 0 else {
                throw ValidationError("not a terminal: pass --fingerprint with the fingerprint you verified out of band")
            }
            print("Does this fingerprint match the one the peer gave you? Type yes to pin: ", terminator: "")
            guard readLine()?.lowercased() == "yes" else { throw AccordError(.conflict, "not pinned") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List pinned peers and delivery to each; --role, --q, --country, --language find who handles what.")
        @OptionGroup var data: DataOption
        @Option(help: "Only peers with this contact role: technical, diplomatic, law_enforcement_24_7, central_authority.") var role: String?
        @Option(help: "Only peers whose profile has all these words (name, organisation, country, languages, hours).") var q: String?
        @Option(help: "Only peers of this country or organisation code.") var country: String?
        @Option(help: "Only peers working in this language (BCP 47).") var language: String?

        func run() async throws {
            try await reporting {
                let dir = DataDirectory(data.directory)
                let config = try dir.loadConfiguration()
                let store = try dir.openStore()
                let query = Directory.Query(text: q, role: role, country: self.country, language: language)
                let entries = try await Directory.search(query, store: store, selfName: config.name)
                let shown = Dictionary(uniqueKeysWithValues: entries.filter { !$0.isSelf }.map { ($0.name, $0) })
                let filtered = q != nil || role != nil || self.country != nil || language != nil
                let peers = try await store.peers().filter { shown[$0.name] != nil }
                let status = Dictionary(uniqueKeysWithValues: try await store.deliveryStatus().map { ($0.peer, $0) })
                if peers.isEmpty { print(filtered ? "No pinned peer matches." : "No peers. Pin one with 'accord peer add --url URL'.") }
                for p in peers {
                    let s = status[p.name]
                    print("\(p.name)  \(p.url)")
                    if let e = shown[p.name], e.hasProfile {
                        print("  \(e.organisation) (\(e.country)); handles \(e.roles.joined(separator: ", ")); languages \(e.languages.joined(separator: ", ")); hours \(e.hours)\(e.timeZone.map { " (\($0))" } ?? "")")
                    }
                    print("  fingerprint: \(p.signingKey.displayFingerprint)")
                    if let s {
                        print("  delivery: \(s.pending) pending, \(s.rejected) parked (rejected or held; accord peer parked \(p.name))" + (s.lastError.map { ", last error: \($0)" } ?? ""))
                    }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a peer's signed profile: organisation, country, roles, languages, hours, time zone, key fingerprints and key history.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The peer's node name (or this node's own).") var name: String

        func run() async throws {
            try await reporting {
                guard NodeName.isValid(name) else { throw ValidationError("\(name) is not a node name") }
                let reply = try await api.client().get("/api/v1/directory/\(name)")
                if api.json { return printJSON(reply) }
                printDirectoryDetail(reply)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unpin a peer: nothing more is sent to it or accepted from it.")
        @OptionGroup var data: DataOption
        @Argument(help: "The peer's node name.") var name: String

        func run() async throws {
            try await reporting {
                guard try await DataDirectory(data.directory).openStore().removePeer(named: name) else {
                    throw AccordError(.notFound, "no peer named \(name)")
                }
                print("Unpinned \(name).")
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Operator tokens for the node's API.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token; it is shown once and stored only as a hash.")
        @OptionGroup var data: DataOption
        @Option(help: "Who or what the token is for.") var name: String
        @Option(help: "admin, officer (signs and sends), analyst (reads and drafts) or auditor (reads).") var role: String

        func run() async throws {
            try await reporting {
                guard let role = Role(rawValue: role) else { throw ValidationError("role must be admin, officer, analyst or auditor") }
                let store = try DataDirectory(data.directory).openStore()
                let (token, record) = OperatorTokens.make(name: name, role: role, now: SystemTime().now())
                try await store.saveToken(record)
                print(token)
                FileHandle.standardError.write(Data("Token \"\(name)\" (\(role.rawValue)) created. It is shown only this once.\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (names and roles, never the tokens).")
        @OptionGroup var data: DataOption

        func run() async throws {
            try await reporting {
                for t in try await DataDirectory(data.directory).openStore().tokens() {
                    print("\(t.name)  \(t.role.rawValue)  created \(t.createdAt)\(t.revoked ? "  (revoked)" : "")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by name.")
        @OptionGroup var data: DataOption
        @Option(help: "The token's name.") var name: String

        func run() async throws {
            try await reporting {
                guard try await DataDirectory(data.directory).openStore().revokeToken(name: name) else {
                    throw AccordError(.notFound, "no active token named \(name)")
                }
                print("Revoked \(name).")
            }
        }
    }
}
