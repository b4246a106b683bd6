import AccordCore
import AccordNode
import ArgumentParser
import Foundation

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a node: its keys (0600), configuration and signed profile.")

    @Option(help: "The node's name, which peers pin (lowercase letters, digits, '.', '-').") var name: String
    @OptionGroup var data: DataOption
    @Option(help: "The organisation the node speaks for.") var organisation: String = "Unnamed organisation"
    @Option(help: "ISO 3166 country code or an organisation code, e.g. DE or OSCE.") var country: String = "XX"
    @Option(help: "Contact roles, comma-separated: technical, diplomatic, law_enforcement_24_7, central_authority.")
    var roles: String = "technical"
    @Option(help: "Working languages (BCP 47), comma-separated.") var languages: String = "en"
    @Option(help: "Working hours, e.g. 24/7.") var hours: String = "24/7"
    @Option(help: "The IANA time zone the hours are in, e.g. Europe/Vienna.") var timezone: String?
    @Option(help: "Address to listen on.") var listenHost: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 7400
    @Option(help: "URL peers use to reach this node (default http://HOST:PORT).") var publicURL: String?

    func run() async throws {
        try await reporting {
            var parsedRoles: [ProfileInfo.ContactRole] = []
            for r in roles.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let role = ProfileInfo.ContactRole(rawValue: r) else {
                    throw ValidationError("unknown role \"\(r)\"; use technical, diplomatic, law_enforcement_24_7 or central_authority")
                }
                parsedRoles.append(role)
            }
            let config = NodeConfiguration(
                name: name, listenHost: listenHost, listenPort: port, publicURL: publicURL,
                profile: ProfileInfo(
                    organisation: organisation, country: country, roles: parsedRoles,
                    languages: languages.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, hours: hours, timeZone: timezone))
            let dir = DataDirectory(data.directory)
            let keys = try await dir.create(configuration: config)
            print("Created node \(name) in \(dir.url.path)")
            print("  public URL:   \(config.publicURL)")
            print("  fingerprint:  \(keys.publicSigningKey.displayFingerprint)")
            print("Tell peers this fingerprint through a channel you trust; they pin it with 'accord peer add'.")
            let at = "--data " + shellQuoted(dir.url.path)
            print("Next steps:")
            print("  accord token create \(at) --name you --role admin")
            print("  accord serve \(at)")
            print("Then, in another terminal, with the token the first command printed:")
            print("  export ACCORD_URL=\(shellQuoted("http://\(config.listenHost == "0.0.0.0" ? "127.0.0.1" : config.listenHost):\(config.listenPort)")) ACCORD_TOKEN=TOKEN")
            print("  accord case list")
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the node until SIGINT or SIGTERM.")

    @OptionGroup var data: DataOption
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func run() async throws {
        try await reporting {
            try await Serve.run(directory: data.directory, logLevel: logLevel)
        }
    }
}

/// `text` as a POSIX shell word: unchanged when it is plain, else in single quotes.
func shellQuoted(_ text: String) -> String {
    let plain = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-:@%+=,".contains($0)) }
    return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
