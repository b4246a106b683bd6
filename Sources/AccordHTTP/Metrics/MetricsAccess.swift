import AccordNode

/// Who may read `GET /metrics`: addresses in `metrics.allow`, or anyone presenting the
/// configured bearer token (compared in constant time). A pure decision, tested on its own.
public struct MetricsAccess: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// A token is configured and the request carries none, from an address not allowed (401).
        case needsToken
        /// The request carries a token that is not the configured one (401).
        case wrongToken
        /// No token is configured and the address is not allowed (403).
        case forbidden
    }

    let networks: [IPNetwork]
    let token: [UInt8]?

    public init(networks: [IPNetwork], token: [UInt8]?) {
        self.networks = networks
        self.token = token
    }

    /// `address` is the client's IP address; `authorization` its `Authorization` header.
    public func decide(address: String, authorization: String?) -> Decision {
        if let token, let authorization {
            guard authorization.hasPrefix("Bearer ") else { return .wrongToken }
            let sent = Array(authorization.dropFirst("Bearer ".count).trimmingPrefixAndSuffixSpaces.utf8)
            return Self.constantTimeEqual(sent, token) ? .allowed : .wrongToken
        }
        if networks.contains(where: { $0.contains(address) }) { return .allowed }
        return token == nil ? .forbidden : .needsToken
    }

    /// Equal bytes, in a time that depends only on the lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff: UInt8 = a.count == b.count ? 0 : 1
        for i in 0..<max(a.count, b.count) { diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return diff == 0
    }
}

extension Substring {
    fileprivate var trimmingPrefixAndSuffixSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
