import AccordCore
import AccordHTTP
import AccordNode
import Foundation
import Logging

enum Serve {
    static func run(directory: String, logLevel: String) async throws {
        LogSetup.bootstrap()
        var logger = Logger(label: "accord")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let node = try Node.open(DataDirectory(directory), logger: logger)
        // accord.json is where the profile is configured: a change made there while the node was stopped is signed now.
        if let step = try await node.publishProfileIfChanged() { logger.notice("\(step.summary)") }
        let running = try await RunningNode.start(node, signals: [.sigterm, .sigint])
        logger.notice("node listening", metadata: ["url": "\(running.url)", "public_url": "\(node.configuration.publicURL)"])
        print("accord: \(node.name) listening on \(running.url) (Ctrl-C to stop)")
        // Standard output is block-buffered when it is a file or a pipe: the line is wanted now.
        fflush(nil)
        // A failed service stops the node and makes `accord serve` exit non-zero.
        try await running.wait()
    }
}

enum LogSetup {
    /// Logs go to standard error so that standard output stays for results.
    static func bootstrap() {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
    }
}
