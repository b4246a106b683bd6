import AccordCore
import AccordNode
import Synchronization

/// A token bucket per authenticated peer: `rate` requests per second sustained, `burst` at once.
/// A peer over its rate is answered `429 rate_limited` with `Retry-After`, before its body is read.
final class PeerRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Int64
    }

    let rate: Double
    let burst: Double
    let time: any TimeSource
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Int, time: any TimeSource) {
        self.rate = rate
        self.burst = Double(burst)
        self.time = time
    }

    /// Takes one request's token for `peer`, or throws `rate_limited`.
    func admit(_ peer: String) throws(AccordError) {
        let now = time.now().milliseconds
        let wait: Double? = buckets.withLock { all in
            var b = all[peer] ?? Bucket(tokens: burst, updated: now)
            b.tokens = min(burst, b.tokens + Double(max(0, now - b.updated)) / 1000 * rate)
            b.updated = now
            defer { all[peer] = b }
            guard b.tokens >= 1 else { return (1 - b.tokens) / rate }
            b.tokens -= 1
            return nil
        }
        if let wait {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw AccordError(.rateLimited, "\(peer) sends more than \(rate) requests per second; retry in \(seconds) s", retryAfter: seconds)
        }
    }
}
