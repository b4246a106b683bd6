import AccordCore
import Foundation

/// The `accord` executable as a person runs it, for tests: found beside the test bundle (or at
/// $ACCORD_BIN) and started as a real child process.
public enum AccordExecutable {
    /// The executable built beside the test bundle, or $ACCORD_BIN.
    public static func path() throws -> String {
        if let env = ProcessInfo.processInfo.environment["ACCORD_BIN"] { return env }
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test binary may sit inside an .xctest bundle directory.
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("accord").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw AccordError(.notFound, "the accord executable was not built next to the tests (\(exe)); run swift build first or set ACCORD_BIN")
    }

    /// Runs `accord arguments…` to its end with `input` on its standard input and `environment`
    /// added to this process's; error output into the output when `mergeErrors`. Waited for
    /// off the cooperative pool: the child often talks to nodes running in this process.
    public static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:], mergeErrors: Bool = false) async throws -> Subprocess.Output {
        let env = environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try await Subprocess.finish(try path(), arguments, environment: env, input: Array(input.utf8), mergeErrors: mergeErrors)
    }

    /// `accord serve` on `dataDirectory`, running until it is signalled; its error output is
    /// this process's.
    public static func serve(_ dataDirectory: String) throws -> Subprocess {
        try Subprocess.start(try path(), ["serve", "--data", dataDirectory, "--log-level", "error"], error: .inherit)
    }
}
