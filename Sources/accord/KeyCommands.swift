import AccordCore
import AccordNode
import ArgumentParser
import Foundation

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Show or rotate the node's signing key.", subcommands: [Show.self, Rotate.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the node's public keys and fingerprint.")
        @OptionGroup var data: DataOption

        func run() async throws {
            try await reporting {
                let dir = DataDirectory(data.directory)
                let config = try dir.loadConfiguration()
                let keys = try dir.loadKeys()
                print("\(config.name)")
                print("  public key:  \(keys.publicSigningKey.base64)")
                print("  fingerprint: \(keys.publicSigningKey.displayFingerprint)")
                print("  encryption key: \(keys.publicEncryptionKey.base64)")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate the signing key (or, with --encryption, the encryption key) of a running node (admin).",
            discussion: """
                The node announces a new signing key to every pinned peer in an event signed by the old key; tell peers the new \
                fingerprint out of band too. A new encryption key is announced in a new profile, signed by the signing key and \
                delivered to every pinned peer.
                """)
        @OptionGroup var api: APIOptions
        @Flag(help: "Rotate the X25519 encryption key instead of the signing key.") var encryption = false

        func run() async throws {
            try await reporting {
                let reply = try await api.client().post(encryption ? "/api/v1/key/rotate-encryption" : "/api/v1/key/rotate", [:])
                if api.json { return printJSON(reply) }
                print(reply["summary"]?.stringValue ?? "rotated")
            }
        }
    }
}
