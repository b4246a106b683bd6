import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a node on loopback, for tests that act as a hostile or broken
/// client: partial requests, bodies that never come, connections that only sit there.
public final class RawConnection: @unchecked Sendable {
    public let fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    /// Sends `text`; false if the peer has closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// What the server sent within `timeout`: `.data` with what arrived, `.closed` when the
    /// server closed the connection without (more) data, `.silent` when nothing came.
    public enum Read: Equatable { case data(String), closed, silent }

    /// Waits off the cooperative thread pool: a blocking `poll` there would starve every node
    /// running in the same test process.
    public func read(timeout: Duration) async -> Read {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.readBlocking(timeout: timeout)) }
        }
    }

    func readBlocking(timeout: Duration) -> Read {
        var collected: [UInt8] = []
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&p, 1, ms) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return collected.isEmpty ? .closed : .data(String(decoding: collected, as: UTF8.self)) }
            collected += buffer[..<n]
            // A complete response head with a small body is enough for the tests.
            if let text = String(bytes: collected, encoding: .utf8), text.contains("\r\n\r\n") {
                return .data(text)
            }
        }
        return collected.isEmpty ? .silent : .data(String(decoding: collected, as: UTF8.self))
    }
}

/// A one-trick HTTP server on loopback: every request is answered with the same raw response
/// (for example a redirect), counting the requests it saw.
public final class CannedHTTPServer: @unchecked Sendable {
    public let port: Int
    let listener: Int32
    let counter = Counter()

    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var count = 0
        func increment() {
            lock.lock()
            count += 1
            lock.unlock()
        }
        var value: Int {
            lock.lock()
            defer { lock.unlock() }
            return count
        }
    }

    public init(response: String) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(listener, 64)
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        port = Int(UInt16(bigEndian: bound.sin_port))
        let fd = listener
        let bytes = Array(response.utf8)
        let counter = counter
        let t = Thread {
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { return }
                var buffer = [UInt8](repeating: 0, count: 65536)
                _ = recv(c, &buffer, buffer.count, 0)
                counter.increment()
                _ = bytes.withUnsafeBytes { Glibc.send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(c)
            }
        }
        t.start()
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public var requestCount: Int { counter.value }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
