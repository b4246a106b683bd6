import AccordCore
import Foundation

/// The project's own scripts (scripts/), run by tests to their end: what they printed (standard
/// output and error together) and their exit status. They run off the cooperative pool: a
/// script takes seconds to minutes, and the nodes of every other test share that pool's few
/// threads.
enum ProjectScripts {
    static var folder: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts").path
    }

    /// Runs `interpreter scripts/script arguments…` (e.g. python3 or bash).
    static func run(_ interpreter: String, _ script: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let path = folder + "/" + script
        let run = try await Subprocess.finish("/usr/bin/env", [interpreter, path] + arguments, mergeErrors: true)
        return (run.status, run.text)
    }
}
