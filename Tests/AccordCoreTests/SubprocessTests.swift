import AccordCore
import Foundation
import Testing

/// Child processes started with posix_spawn: output, input larger than a pipe holds, exit
/// statuses and signals, time limits, a program that does not exist, many at once from many
/// threads, none holding another's pipes.
@Suite struct SubprocessTests {
    @Test func outputErrorOutputAndStatus() throws {
        let run = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(run.status == 3 && run.text == "out\n" && run.errorText == "err\n" && !run.timedOut)
        let merged = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2"], mergeErrors: true)
        #expect(merged.status == 0 && merged.text.contains("out\n") && merged.text.contains("err\n") && merged.errorOutput.isEmpty)
    }

    @Test func inputLargerThanAPipeGoesThroughWhole() throws {
        let input = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let run = try Subprocess.run("/bin/cat", [], input: input)
        #expect(run.status == 0 && run.output == input)
    }

    @Test func aChildThatReadsNothingDoesNotEndThisProcess() throws {
        // The reader goes away with most of the input unwritten: EPIPE here, not SIGPIPE.
        let run = try Subprocess.run("/bin/true", [], input: Array(repeating: 7, count: 4_000_000))
        #expect(run.status == 0)
    }

    @Test func environmentDirectoryAndSignals() throws {
        let env = try Subprocess.run("/bin/sh", ["-c", "echo \"$ACCORD_X:$HOME\"; pwd"], environment: ["ACCORD_X": "1", "PATH": "/usr/bin:/bin"], directory: "/tmp")
        #expect(env.text == "1:\n/tmp\n")
        let killed = try Subprocess.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == 128 + SIGKILL)
        let child = try Subprocess.start("/bin/sleep", ["30"])
        #expect(child.isRunning)
        child.terminate()
        #expect(child.wait() == 128 + SIGTERM && !child.isRunning && child.wait() == 128 + SIGTERM)
    }

    @Test func aChildInheritsOnlyItsStandardStreams() throws {
        // A descriptor opened here without close-on-exec, as SwiftNIO opens its sockets: a
        // child that kept it would keep a stopped node's port bound.
        let file = open("/dev/null", O_RDONLY)
        #expect(file >= 0)
        // The lowest free descriptor from 100 up (F_DUPFD, without close-on-exec). Never dup2 to
        // a fixed number: in a test process full of nodes that number may be another test's
        // database or socket, which dup2 would silently close and replace.
        let high = fcntl(file, F_DUPFD, 100)
        #expect(high >= 100)
        close(file)
        defer { close(high) }
        let run = try Subprocess.run("/bin/sh", ["-c", "if [ -e /proc/self/fd/\(high) ]; then echo kept; else echo closed; fi; [ -e /proc/self/fd/1 ] && echo stdout"])
        #expect(run.status == 0 && run.text == "closed\nstdout\n")
    }

    @Test func aChildThatOutlastsItsTimeIsKilled() throws {
        let started = ContinuousClock.now
        let run = try Subprocess.run("/bin/sh", ["-c", "echo started; exec sleep 30"], timeout: .milliseconds(300))
        #expect(run.timedOut && run.status == 128 + SIGKILL && run.text == "started\n")
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func aMissingProgramOrDirectoryIsAClearError() throws {
        let error = #expect(throws: AccordError.self) { try Subprocess.run("/nonexistent/program", []) }
        #expect(error?.message == "cannot run /nonexistent/program: No such file or directory")
        let noDirectory = #expect(throws: AccordError.self) { try Subprocess.run("/bin/true", [], directory: "/nonexistent") }
        #expect(noDirectory?.message.contains("cannot run /bin/true") == true)
        let noFile = #expect(throws: AccordError.self) { try Subprocess.start("/bin/true", [], output: .file("/nonexistent/out")) }
        #expect(noFile?.message.contains("/nonexistent/out") == true)
    }

    @Test func outputToAFileIsPrivate() throws {
        let path = NSTemporaryDirectory() + "accord-subprocess-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Subprocess.start("/bin/sh", ["-c", "echo written"], output: .file(path)).wait() == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "written\n")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o077 == 0)
    }

    @Test func aChildStartedMeanwhileDoesNotHoldAnotherChildsPipes() async throws {
        // The first child's output pipe is open while the second starts. Had the second
        // inherited it, the first's output would not end before the second's 300 s: reading
        // it would stop at its time limit instead.
        async let first = Self.offPool { try Subprocess.run("/bin/sh", ["-c", "sleep 1; echo done"], timeout: .seconds(120)) }
        try await Task.sleep(for: .milliseconds(200))
        let second = try Subprocess.start("/bin/sleep", ["300"])
        defer {
            second.signal(SIGKILL)
            second.wait()
        }
        let run = try await first
        #expect(!run.timedOut && run.status == 0 && run.text == "done\n")
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in DispatchQueue.global().async { c.resume(with: Result { try body() }) } }
    }

    @Test func manyAtOnceFromManyThreads() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    try await Self.offPool {
                        for i in 0..<25 {
                            let word = "t\(t)i\(i)"
                            let run = try Subprocess.run("/bin/sh", ["-c", "read x; echo \"$x\"; echo \"$x\" >&2"], input: Array((word + "\n").utf8))
                            guard run.status == 0, run.text == word + "\n", run.errorText == word + "\n" else {
                                throw AccordError(.unavailable, "\(word): \(run.status) \(run.text) \(run.errorText)")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
