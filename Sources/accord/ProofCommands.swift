import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordStore
import ArgumentParser
import Foundation

struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "Export and verify self-contained proofs that an event is in its origin's log.",
        subcommands: [Export.self, Verify.self, Keys.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a proof bundle for an event this node holds (sent or received).",
            discussion: "The bundle holds the signed event, its leaf index, an inclusion proof, the origin's checkpoint with the witnesses' cosignatures, and the keys the node verified them with (docs/protocol.md §10).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The event id (64 hex digits).") var event: String
        @Option(name: .shortAndLong, help: "Write the bundle to this file instead of standard output.") var out: String?

        func run() async throws {
            try await reporting {
                let reply = try await api.client().send(.GET, "/api/v1/proofs/\(event.lowercased())")
                guard reply.status == 200 else {
                    let message = reply.json?["error"]?["message"]?.stringValue ?? "the node answered HTTP \(reply.status)"
                    throw AccordError(.unavailable, message)
                }
                if let out {
                    guard FileManager.default.createFile(atPath: out, contents: Data(reply.body)) else { throw AccordError(.storage, "cannot write \(out)") }
                    FileHandle.standardError.write(Data("Wrote the proof bundle of event \(event.prefix(12)) to \(out)\n".utf8))
                } else {
                    FileHandle.standardOutput.write(Data(reply.body))
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a proof bundle offline.",
            discussion: """
                Checks the event's signature with its origin's key, the origin's signature on the checkpoint, the witnesses' \
                cosignatures (at least --quorum, default the bundle's witness_quorum) and the inclusion proof. Trusted keys come \
                from --data (the keys a node pinned, and its own), --keys FILE, or, with --bundle-keys, the bundle itself (compare \
                the fingerprints printed with ones you obtained out of band). Exits 1 and says what failed if anything does.
                """)
        @Argument(help: "The bundle file.") var bundle: String
        @Option(help: "A JSON file of trusted keys: {\"keys\": [{\"name\", \"signing_key\"}]} (as 'accord proof keys' writes), or another bundle.") var keys: String?
        @Option(help: "A node's data directory: trust the keys it pinned, and its own.") var data: String?
        @Flag(help: "Trust the keys the bundle carries (only after comparing their fingerprints out of band).") var bundleKeys = false
        @Option(help: "Witness cosignatures required (default: the bundle's witness_quorum).") var quorum: Int?

        func run() async throws {
            try await reporting {
                let parsed = try ProofBundle(json: try readJSON(bundle))
                let trusted = try await trustedKeys(keys: keys, data: data, carried: bundleKeys ? parsed.carriedKeys : nil)
                do {
                    let v = try parsed.verify(trusted: trusted, quorum: quorum ?? parsed.witnessQuorum)
                    for step in v.steps { print("ok: \(step)") }
                    print("VALID: event \(parsed.event.id.hex) is in \(v.origin)'s log, witnessed by \(v.witnesses.map(\.name).joined(separator: ", "))")
                } catch let e as AccordError {
                    print("INVALID: \(e.message)")
                    throw ExitCode.failure
                }
            }
        }
    }

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a node's own and pinned keys as a keys file for 'proof verify --keys'.")
        @OptionGroup var data: DataOption

        func run() async throws {
            try await reporting {
                let dir = DataDirectory(data.directory)
                let config = try dir.loadConfiguration()
                var items: [JSONValue] = [keyJSON(config.name, try dir.loadKeys().publicSigningKey)]
                for p in try await dir.openStore().peers() { items.append(keyJSON(p.name, p.signingKey)) }
                printJSON(["keys": .array(items)])
            }
        }

        func keyJSON(_ name: String, _ key: PublicSigningKey) -> JSONValue {
            ["name": .string(name), "signing_key": .string(key.base64), "fingerprint": .string(key.fingerprint)]
        }
    }
}

func readJSON(_ path: String) throws -> JSONValue {
    guard let data = FileManager.default.contents(atPath: path) else { throw AccordError(.notFound, "cannot read \(path)") }
    do { return try JSONParser.parse([UInt8](data)) } catch { throw AccordError(.malformed, "\(path) is not JSON: \(error)") }
}

/// The keys to verify against: a keys file, a data directory's pinned keys, or keys carried
/// by what is verified (printed so they can be compared out of band).
func trustedKeys(keys: String?, data: String?, carried: [String: PublicSigningKey]?) async throws -> [String: PublicSigningKey] {
    var trusted: [String: PublicSigningKey] = [:]
    if let keys {
        let json = try readJSON(keys)
        let list = json.arrayValue ?? json["keys"]?.arrayValue ?? []
        guard !list.isEmpty else { throw AccordError(.malformed, "\(keys) has no \"keys\" list") }
        for item in list {
            guard let name = item["name"]?.stringValue, let text = item["signing_key"]?.stringValue else {
                throw AccordError(.malformed, "every key in \(keys) needs \"name\" and \"signing_key\"")
            }
            trusted[name] = try PublicSigningKey(base64: text)
        }
    }
    if let data {
        let dir = DataDirectory(data)
        trusted[try dir.loadConfiguration().name] = try dir.loadKeys().publicSigningKey
        for p in try await dir.openStore().peers() { trusted[p.name] = p.signingKey }
    }
    if let carried {
        for (name, key) in carried.sorted(by: { $0.key < $1.key }) where trusted[name] == nil {
            FileHandle.standardError.write(Data("trusting the carried key of \(name): fingerprint \(key.displayFingerprint)\n".utf8))
            trusted[name] = key
        }
    }
    guard !trusted.isEmpty else {
        throw ValidationError("say which keys to trust: --data DIR (a node's pinned keys), --keys FILE, or --bundle-keys")
    }
    return trusted
}
