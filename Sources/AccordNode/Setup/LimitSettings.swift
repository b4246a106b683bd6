import AccordCore

/// What one node lets its clients use: connections, time and request rate (`limits` in
/// `accord.json`). Every key is optional; a file without the section gets the defaults.
public struct LimitSettings: Sendable, Codable, Equatable {
    /// Open connections in total; beyond it the node stops accepting until some close.
    public var maxConnections: Int
    /// Open connections from one client address.
    public var maxConnectionsPerClient: Int
    /// Seconds a connection may sit without a complete request (headers or body) before it is closed.
    public var idleTimeoutSeconds: Int
    /// Sustained federation requests per second from one peer, and the burst allowed above it.
    public var peerRequestsPerSecond: Double
    public var peerBurst: Int
    /// Bytes of request bodies held in memory at once, across all connections.
    public var bodyBytesInFlight: Int

    public init(maxConnections: Int = 1024, maxConnectionsPerClient: Int = 128, idleTimeoutSeconds: Int = 15,
                peerRequestsPerSecond: Double = 50, peerBurst: Int = 200, bodyBytesInFlight: Int = 64 << 20) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.peerRequestsPerSecond = peerRequestsPerSecond
        self.peerBurst = peerBurst
        self.bodyBytesInFlight = bodyBytesInFlight
    }

    enum CodingKeys: String, CodingKey {
        case maxConnections = "max_connections"
        case maxConnectionsPerClient = "max_connections_per_client"
        case idleTimeoutSeconds = "idle_timeout_s"
        case peerRequestsPerSecond = "peer_requests_per_second"
        case peerBurst = "peer_burst"
        case bodyBytesInFlight = "body_bytes_in_flight"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LimitSettings()
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        maxConnectionsPerClient = try c.decodeIfPresent(Int.self, forKey: .maxConnectionsPerClient) ?? d.maxConnectionsPerClient
        idleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds) ?? d.idleTimeoutSeconds
        peerRequestsPerSecond = try c.decodeIfPresent(Double.self, forKey: .peerRequestsPerSecond) ?? d.peerRequestsPerSecond
        peerBurst = try c.decodeIfPresent(Int.self, forKey: .peerBurst) ?? d.peerBurst
        bodyBytesInFlight = try c.decodeIfPresent(Int.self, forKey: .bodyBytesInFlight) ?? d.bodyBytesInFlight
    }

    func validate() throws(AccordError) {
        guard (1...1_000_000).contains(maxConnections) else { throw AccordError(.configuration, "limits.max_connections must be 1–1000000") }
        guard (1...maxConnections).contains(maxConnectionsPerClient) else {
            throw AccordError(.configuration, "limits.max_connections_per_client must be 1–max_connections")
        }
        guard (1...3600).contains(idleTimeoutSeconds) else { throw AccordError(.configuration, "limits.idle_timeout_s must be 1–3600") }
        guard bodyBytesInFlight >= 65536 else { throw AccordError(.configuration, "limits.body_bytes_in_flight must be at least 65536") }
        guard peerRequestsPerSecond > 0, peerBurst >= 1 else {
            throw AccordError(.configuration, "limits.peer_requests_per_second must be positive and limits.peer_burst at least 1")
        }
    }
}
