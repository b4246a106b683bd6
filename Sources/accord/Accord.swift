import AccordConsole
import AccordCore
import AccordHTTP
import ArgumentParser
import Foundation

@main
struct Accord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accord",
        abstract: "A node of Accord: signed, witnessed cooperation between national points of contact.",
        version: AccordVersion.text,
        subcommands: [
            InitCommand.self, ServeCommand.self, PeerCommand.self, ProfileCommand.self, TokenCommand.self, AccountCommand.self, CaseCommand.self,
            OverdueCommand.self, StatsCommand.self, CheckCommand.self, EvidenceCommand.self, TAXIICommand.self, KeyCommand.self, NotifyCommand.self, DemoCommand.self, BenchCommand.self, LogCommand.self, ProofCommand.self,
        ])
}

/// Where the node's data directory is.
struct DataOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The node's data directory.", discussion: "Default: $ACCORD_DATA, else ./accord-data"))
    var data: String?

    var directory: String { data ?? ProcessInfo.processInfo.environment["ACCORD_DATA"] ?? "accord-data" }
}

/// How to reach a running node's operator API.
struct APIOptions: ParsableArguments {
    @Option(name: .long, help: "The node's URL (default: $ACCORD_URL, else http://127.0.0.1:7400).")
    var node: String?

    @Option(name: .long, help: "An operator token (default: $ACCORD_TOKEN). Make one with 'accord token create'.")
    var token: String?

    @Flag(name: .long, help: "Print the node's JSON answer instead of a summary.")
    var json = false

    @Option(name: .long, help: "Show times in this time zone, with UTC beside (default: $ACCORD_TZ, else $TZ, else UTC), e.g. Europe/Vienna.")
    var tz: String?

    func client() throws -> OperatorClient {
        let env = ProcessInfo.processInfo.environment
        let display = try TimeDisplay.resolve(tz)
        TimeDisplay.current.withLock { $0 = display }
        guard let token = token ?? env["ACCORD_TOKEN"], !token.isEmpty else {
            throw ValidationError("no operator token: pass --token or set ACCORD_TOKEN (make one with 'accord token create')")
        }
        return OperatorClient(url: node ?? env["ACCORD_URL"] ?? "http://127.0.0.1:7400", token: token)
    }
}

/// Runs a command's body; errors other than usage errors are printed for a person and exit non-zero.
func reporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as ValidationError {
        throw e
    } catch let e as ExitCode {
        throw e
    } catch {
        throw fail(error)
    }
}

/// Prints an error the way a person can act on it, and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    if let e = error as? AccordError {
        FileHandle.standardError.write(Data("error: \(e.message)\(e.field.map { " (\($0))" } ?? "")\n".utf8))
    } else {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
    return ExitCode.failure
}

func printJSON(_ value: JSONValue) {
    print(PrettyJSON.string(value))
}

