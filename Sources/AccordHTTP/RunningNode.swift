import AccordCore
import AccordNode
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A node running in this process, for `accord serve`, the demo and tests.
public final class RunningNode: Sendable {
    public let node: Node
    public let port: Int
    public let url: String
    /// The node's log schedule and exchanges (to drive rounds by hand in tests and tools).
    public let log: LogCoordinator
    let group: ServiceGroup
    let task: Task<Void, Never>
    /// Why the node stopped, when a service failed.
    let failure: Failure

    final class Failure: Sendable {
        let error = Mutex<(any Error)?>(nil)
    }

    init(node: Node, port: Int, log: LogCoordinator, group: ServiceGroup, task: Task<Void, Never>, failure: Failure) {
        self.node = node
        self.log = log
        self.port = port
        self.url = "http://\(node.configuration.listenHost):\(port)"
        self.group = group
        self.task = task
        self.failure = failure
    }

    /// Starts the node's services and returns once its HTTP server listens.
    public static func start(_ node: Node, port: Int? = nil, signals: [UnixSignal] = []) async throws -> RunningNode {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = NodeServer(node: node)
        let group = ServiceGroup(configuration: .init(
            services: server.services(port: port, onRunning: { continuation.yield($0) }).map { .init(service: $0) },
            gracefulShutdownSignals: signals, logger: node.logger))
        let failure = Failure()
        let task = Task {
            do {
                try await group.run()
            } catch {
                node.logger.error("node stopped because a service failed", metadata: ["error": "\(String(reflecting: error))"])
                failure.error.withLock { $0 = error }
            }
            continuation.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            // The service group ended before the server listened; `failure` holds why.
            let address = "\(node.configuration.listenHost):\(port ?? node.configuration.listenPort)"
            let cause = failure.error.withLock { $0 }
            if let accord = cause as? AccordError { throw AccordError(accord.code, "the node could not start on \(address): \(accord.message)") }
            let text = cause.map { String(describing: $0) } ?? ""
            if text.contains("Address already in use") { throw AccordError(.unavailable, "the node could not listen on \(address): the port is in use") }
            throw AccordError(.unavailable, "the node could not listen on \(address)" + (text.isEmpty ? "" : ": \(text)"))
        }
        return RunningNode(node: node, port: bound, log: server.log, group: group, task: task, failure: failure)
    }

    /// Stops gracefully: in-flight requests finish, delivery loops end, the store stays consistent.
    public func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }

    /// Waits until the node stops: returns after a graceful shutdown (for example on SIGTERM),
    /// throws the failure when a service failed and took the node down.
    public func wait() async throws {
        await task.value
        if let error = failure.error.withLock({ $0 }) {
            throw AccordError(.unavailable, "the node stopped because a service failed: \(error)")
        }
    }
}

/// Finds a free TCP port on a loopback address, for nodes that must know their URL before they
/// listen (the small race before binding is acceptable for local use).
///
/// Ports come from below the kernel's ephemeral range, so outgoing connections (which take
/// ephemeral ports) cannot grab one between `find` and the bind, and no port is handed out
/// twice by one process.
public enum FreePort {
    static let handedOut = Mutex(Set<Int>())

    public static func find(host: String = "127.0.0.1") throws -> Int {
        let ephemeralLow = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
            .flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } } ?? 32768
        let range = 10_000..<max(10_001, ephemeralLow)
        for _ in 0..<200 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if try canBind(host: host, port: port) { return port }
        }
        throw AccordError(.unavailable, "no free port found on \(host) between \(range.lowerBound) and \(range.upperBound - 1)")
    }

    static func canBind(host: String, port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw AccordError(.unavailable, "no socket available") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }
}
