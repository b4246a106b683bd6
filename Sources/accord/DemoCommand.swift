import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import ArgumentParser
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start three nodes of fictional participants on 127.0.0.1 and run a cooperation scenario between them.",
        discussion: "Without --once the nodes stay up, with their URLs and tokens printed, until Ctrl-C.")

    @Flag(help: "Run the scenario and exit: 0 only if every step was verified on every node.") var once = false
    @Option(help: "Where to keep the nodes' data (default: a new temporary directory).") var data: String?

    func run() async throws {
        LogSetup.bootstrap()
        try await reporting {
            let demo = try await Demo.start(directory: data)
            let ok = await demo.runScenario()
            if once {
                await demo.stop()
                if !ok { throw ExitCode.failure }
                return
            }
            await demo.leaveWorkForTheConsole()
            demo.printAccess()
            await demo.waitForInterrupt()
            await demo.stop()
            if !ok { throw ExitCode.failure }
        }
    }
}
