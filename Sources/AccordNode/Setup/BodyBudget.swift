import AccordCore
import Synchronization

/// The bytes of request bodies a node holds in memory at once, across every connection.
///
/// A request reserves its declared length (or the largest body allowed, when it declares
/// none) before its body is read and gives it back when done; a request that would pass the
/// budget is refused at once with `503` and `Retry-After`, instead of being read.
public final class BodyBudget: Sendable {
    public let capacity: Int
    private let used = Mutex(0)

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Reserves `bytes`, or throws `unavailable` (with a retry hint) if the budget is spent.
    public func reserve(_ bytes: Int) throws(AccordError) {
        let ok = used.withLock { u -> Bool in
            guard u + bytes <= capacity else { return false }
            u += bytes
            return true
        }
        guard ok else {
            throw AccordError(.busy, "the node is reading as many request bodies as it allows at once; retry shortly", retryAfter: 1)
        }
    }

    public func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }

    /// Bytes reserved now.
    public var inUse: Int { used.withLock { $0 } }
}
