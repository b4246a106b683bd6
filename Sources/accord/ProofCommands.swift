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
            discussion: "The bundle holds the signed event, its leaf index, an inclusion proof, the origin's checkpoint with the witnesses' cosignatures, the origin's key rotations since the event (if any), and, for reference only, the keys the node verified them with (docs/protocol.md §10).")
        @OptionGroup var api: APIOptions
        @Argument(help: "The event id, or its first 6 or more hex digits.") var event: String
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
            abstract: "Verify a proof bundle offline, under your own trust policy.",
            discussion: """
                Checks the event's signature with the key you trust for its origin (following the rotation chain the bundle \
                carries when the event was signed by an earlier key), the origin's signature on the checkpoint, cosignatures from \
                at least --quorum of the witnesses you trust, and the inclusion proof. What you trust comes from --data (the keys \
                a node pinned, and its own, with its log.witness_quorum) and/or --policy FILE; never from the bundle, whose keys \
                and witness_quorum are informational. The quorum is 1 unless a source sets more, or --quorum (or a policy file's \
                "quorum") lowers it explicitly. Exits 1 and says what failed if anything does.
                """)
        @Argument(help: "The bundle file.") var bundle: String
        @OptionGroup var trust: TrustOptions

        func run() async throws {
            try await reporting {
                let parsed = try ProofBundle(json: try readJSON(bundle))
                let policy = try await trust.policy()
                do {
                    let v = try parsed.verify(policy: policy)
                    for step in v.steps { print("ok: \(step)") }
                    if parsed.witnessQuorum != policy.quorum {
                        print("note: the exporting node required \(parsed.witnessQuorum) cosignature(s); your policy requires \(policy.quorum)")
                    }
                    let witnesses = v.witnesses.map(\.name).joined(separator: ", ")
                    print("VALID: event \(parsed.event.id.hex) is in \(v.origin)'s log, witnessed by \(witnesses.isEmpty ? "nobody (quorum 0)" : witnesses)")
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

/// Where a verifier's trust comes from: a node's data directory, a policy file, and an
/// explicit quorum. Shared by `proof verify` and `log verify`.
struct TrustOptions: ParsableArguments {
    @Option(help: "A node's data directory: trust the keys it pinned and its own, as origins and witnesses, with its log.witness_quorum.")
    var data: String?
    @Option(name: [.customLong("policy"), .customLong("keys"), .customLong("trust")],
            help: "A trust policy file: {\"keys\"|\"origins\"|\"witnesses\": [{\"name\", \"signing_key\"}], \"quorum\"?} (a keys file from 'accord proof keys' is one).")
    var policyFile: String?
    @Option(help: "Witness cosignatures required, overriding every source (0 accepts a checkpoint no witness cosigned).")
    var quorum: Int?

    /// The verifier's policy: the sources merged (the larger quorum wins), then `--quorum`.
    func policy() async throws -> TrustPolicy {
        var combined: TrustPolicy?
        func add(_ p: TrustPolicy) throws {
            if combined == nil { combined = p } else { try combined!.merge(p) }
        }
        if let path = policyFile {
            do { try add(try TrustPolicy.parse(try readJSON(path)).policy) } catch let e as AccordError {
                throw AccordError(e.code, "\(path): \(e.message)", field: e.field)
            }
        }
        if let data {
            let dir = DataDirectory(data)
            let config = try dir.loadConfiguration()
            var keys = [config.name: try dir.loadKeys().publicSigningKey]
            for p in try await dir.openStore().peers() { keys[p.name] = p.signingKey }
            try add(TrustPolicy(trusting: keys, quorum: config.log.witnessQuorum))
        }
        guard var result = combined, !result.isEmpty else {
            throw ValidationError("say which keys to trust: --data DIR (a node's pinned keys) or --policy FILE; the keys a bundle or export carries are never trusted")
        }
        if let quorum {
            guard (0...100).contains(quorum) else { throw ValidationError("--quorum must be 0 to 100") }
            result.quorum = quorum
        }
        return result
    }
}
