import Dispatch
import Glibc

/// A child process started with `posix_spawn`, for the few places Accord runs another program
/// (the mail command of notifications, the benchmarks, and the tests that run the `accord`
/// executable and the project's scripts).
///
/// Foundation's `Process` is not used: on Linux its `run()` crashed when called while other
/// threads were busy (a bad pointer inside it, seen in test runs with many nodes), and reading
/// its pipes to the end traps on an interrupted read. Here every descriptor is opened
/// close-on-exec, so a child started on another thread never holds the pipes of this one open;
/// the child starts with default signal handlers and an empty signal mask; reads and writes
/// retry on `EINTR`.
public final class Subprocess: @unchecked Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// The same stream as this process's.
        case inherit
        /// A file, created (mode 0600) or truncated.
        case file(String)
    }

    /// What a finished child left behind.
    public struct Output: Sendable {
        /// The exit status; 128 + the signal number when a signal ended it.
        public var status: Int32
        public var output: [UInt8]
        public var errorOutput: [UInt8]
        /// Whether `run` stopped it because it outlasted its time.
        public var timedOut: Bool

        public var text: String { String(decoding: output, as: UTF8.self) }
        public var errorText: String { String(decoding: errorOutput, as: UTF8.self) }
    }

    public let pid: pid_t
    private var lock = pthread_mutex_t()
    private var exitStatus: Int32?

    private init(pid: pid_t) {
        self.pid = pid
        pthread_mutex_init(&lock, nil)
    }

    deinit { pthread_mutex_destroy(&lock) }

    /// Starts `executable` (an absolute path) with `arguments`. `environment` replaces this
    /// process's environment when given; `directory` is the child's working directory.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: Stream = .null, output: Stream = .null, error: Stream = .null
    ) throws(AccordError) -> Subprocess {
        var files = SpawnFiles()
        defer { files.closeAll() }
        try files.redirect(0, input, writing: false)
        try files.redirect(1, output, writing: true)
        try files.redirect(2, error, writing: true)
        return try spawn(executable, arguments, environment: environment, directory: directory, files: files)
    }

    /// `run` from async code: the child is waited for on a thread of its own, never on the
    /// cooperative pool, whose few threads every task in the process shares (a blocked pool
    /// thread can stall the very server the child talks to).
    public static func finish(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: [UInt8] = [], mergeErrors: Bool = false, timeout: Duration? = nil
    ) async throws(AccordError) -> Output {
        let result = await withCheckedContinuation { (c: CheckedContinuation<Result<Output, AccordError>, Never>) in
            DispatchQueue.global().async {
                c.resume(returning: Result { () throws(AccordError) in
                    try run(executable, arguments, environment: environment, directory: directory, input: input, mergeErrors: mergeErrors, timeout: timeout)
                })
            }
        }
        return try result.get()
    }

    /// Runs `executable` to its end: `input` on its standard input, its output and error
    /// output collected (error output into `output` when `mergeErrors`). Past `timeout` the
    /// child is killed and the result says so. Blocks the calling thread: from async code, call
    /// it off the cooperative pool.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        input: [UInt8] = [], mergeErrors: Bool = false, timeout: Duration? = nil
    ) throws(AccordError) -> Output {
        var files = SpawnFiles()
        defer { files.closeAll() }
        let stdin = try files.pipe(childEnd: 0)
        let stdout = try files.pipe(childEnd: 1)
        let stderr = mergeErrors ? nil : try files.pipe(childEnd: 2)
        if mergeErrors { files.actions.append(.dup(from: 1, to: 2)) }
        let child = try spawn(executable, arguments, environment: environment, directory: directory, files: files)
        files.closeChildEnds()

        var out: [UInt8] = [], err: [UInt8] = []
        var pending = input[...]
        var inFD: Int32? = stdin, outFD: Int32? = stdout, errFD: Int32? = stderr
        if pending.isEmpty { files.close(stdin); inFD = nil } else { _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK) }
        let deadline = timeout.map { Self.now() + $0.milliseconds }
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while outFD != nil || errFD != nil || inFD != nil {
            var polls: [pollfd] = []
            if let inFD { polls.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            if let outFD { polls.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if let errFD { polls.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            let wait = deadline.map { Int32(clamping: max(0, $0 - Self.now())) } ?? -1
            let ready = poll(&polls, nfds_t(polls.count), wait)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0, deadline != nil {
                timedOut = true
                child.signal(SIGKILL)
                break
            }
            for p in polls where p.revents != 0 {
                if p.fd == inFD {
                    let n = p.revents & Int16(POLLOUT) != 0 ? Self.writeWithoutSIGPIPE(p.fd, pending) : -1
                    if n > 0 { pending = pending.dropFirst(n) }
                    if (n < 0 && errno != EINTR && errno != EAGAIN) || pending.isEmpty {
                        files.close(p.fd)
                        inFD = nil
                    }
                } else {
                    let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        if p.fd == outFD { out.append(contentsOf: buffer[..<n]) } else { err.append(contentsOf: buffer[..<n]) }
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        if p.fd == outFD { outFD = nil } else { errFD = nil }
                        files.close(p.fd)
                    }
                }
            }
        }
        return Output(status: child.wait(), output: out, errorOutput: err, timedOut: timedOut)
    }

    /// Sends `signal` to the child, unless it has already been waited for.
    public func signal(_ signal: Int32) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if exitStatus == nil { _ = kill(pid, signal) }
    }

    /// Asks the child to stop (SIGTERM).
    public func terminate() { signal(SIGTERM) }

    /// Waits for the child to end and returns its status (128 + signal when a signal ended it).
    @discardableResult
    public func wait() -> Int32 {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR {
                exitStatus = -1
                return -1
            }
        }
        let decoded = Self.decode(status)
        exitStatus = decoded
        return decoded
    }

    /// Whether the child is still running (reaps it if it has ended).
    public var isRunning: Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            exitStatus = Self.decode(status)
            return false
        }
        return r == 0
    }

    // MARK: - Spawning

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?, directory: String?, files: SpawnFiles) throws(AccordError) -> Subprocess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for action in files.actions {
            switch action {
            case .dup(let from, let to): posix_spawn_file_actions_adddup2(&actions, from, to)
            }
        }
        // The child gets its three standard streams and nothing else: without this it would
        // inherit every descriptor this process opened without close-on-exec (SwiftNIO's
        // listening and connected sockets among them), keep a stopped node's port bound and
        // hold connections nobody answers for as long as it runs.
        if let closeFrom = GNU.addCloseFrom {
            closeFrom(&actions, 3)
        } else {
            for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        if let directory {
            guard let addChdir = GNU.addChdir, addChdir(&actions, directory) == 0 else {
                throw AccordError(.unavailable, "cannot run \(executable) in \(directory): this C library cannot set a child's directory")
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = CStrings([executable] + arguments)
        let env = environment.map { CStrings($0.map { "\($0.key)=\($0.value)" }.sorted()) }
        defer {
            argv.free()
            env?.free()
        }
        var pid: pid_t = 0
        let result = argv.withPointers { args in
            if let env { return env.withPointers { posix_spawn(&pid, executable, &actions, &attributes, args, $0) } }
            return posix_spawn(&pid, executable, &actions, &attributes, args, environ)
        }
        guard result == 0 else {
            throw AccordError(.unavailable, "cannot run \(executable): \(String(cString: strerror(result)))")
        }
        return Subprocess(pid: pid)
    }

    /// This process's open descriptors, for C libraries without `addclosefrom_np` (a close
    /// action on a descriptor that is closed by then is ignored by `posix_spawn`).
    private static func openDescriptors() -> [Int32] {
        guard let dir = opendir("/proc/self/fd") else { return Array(3..<1024) }
        defer { closedir(dir) }
        var fds: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name) { fds.append(fd) }
        }
        return fds
    }

    /// Writes to a pipe whose reader may have gone: the SIGPIPE that would end this process
    /// is blocked on this thread and taken back, and the write fails with EPIPE instead.
    private static func writeWithoutSIGPIPE(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Int {
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let failure = errno
        if n < 0 && failure == EPIPE {
            var zero = timespec()
            _ = sigtimedwait(&pipeSignal, nil, &zero)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        errno = failure
        return n
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func now() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1000 + Int64(t.tv_nsec) / 1_000_000
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// The descriptors a spawn hands to its child, all opened close-on-exec in this process.
private struct SpawnFiles {
    enum Action { case dup(from: Int32, to: Int32) }
    var actions: [Action] = []
    /// Descriptors this process closes once the child has them.
    private var childEnds: [Int32] = []
    /// Every descriptor opened here and not yet closed.
    private var held: Set<Int32> = []

    mutating func redirect(_ target: Int32, _ stream: Subprocess.Stream, writing: Bool) throws(AccordError) {
        let fd: Int32
        switch stream {
        case .inherit: return
        case .null: fd = Glibc.open("/dev/null", (writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC)
        case .file(let path): fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else {
            let what = if case .file(let path) = stream { path } else { "/dev/null" }
            throw AccordError(.storage, "cannot open \(what) for a child process: \(String(cString: strerror(errno)))")
        }
        held.insert(fd)
        childEnds.append(fd)
        actions.append(.dup(from: fd, to: target))
    }

    /// A pipe whose one end becomes the child's `childEnd`; returns this process's end.
    mutating func pipe(childEnd: Int32) throws(AccordError) -> Int32 {
        var fds: [Int32] = [0, 0]
        guard let pipe2 = GNU.pipe2, pipe2(&fds, O_CLOEXEC) == 0 else {
            throw AccordError(.unavailable, "cannot make a pipe for a child process: \(String(cString: strerror(errno)))")
        }
        held.formUnion(fds)
        let (child, mine) = childEnd == 0 ? (fds[0], fds[1]) : (fds[1], fds[0])
        childEnds.append(child)
        actions.append(.dup(from: child, to: childEnd))
        return mine
    }

    mutating func closeChildEnds() {
        for fd in childEnds { close(fd) }
        childEnds = []
    }

    mutating func close(_ fd: Int32) {
        if held.remove(fd) != nil { _ = Glibc.close(fd) }
    }

    mutating func closeAll() {
        for fd in held { _ = Glibc.close(fd) }
        held = []
    }
}

/// NUL-terminated copies of strings for `posix_spawn`, freed by the caller.
private struct CStrings {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) { pointers = strings.map { strdup($0) } + [nil] }

    func withPointers<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    func free() { for p in pointers { Glibc.free(p) } }
}

/// GNU C library functions the Swift overlay leaves out (they need `_GNU_SOURCE`), looked up
/// once at run time.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32

    static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    /// glibc 2.34 and later.
    static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
}
