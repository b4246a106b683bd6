import AccordConsole
import AccordCore
import AccordNode
import AccordTAXII
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// A node as a set of services: its HTTP server (federation and operator API) and delivery.
public struct NodeServer: Sendable {
    public let node: Node
    let client: FederationClient
    /// The Merkle log's coordinator, shared by its routes and its service.
    public let log: LogCoordinator
    /// The duty officer's web console under `/console`.
    public let console: Console

    public init(node: Node, client: FederationClient = FederationClient(), console: ConsoleSettings = ConsoleSettings()) {
        self.node = node
        self.client = client
        self.log = LogCoordinator(node: node, client: client)
        self.console = Console(node: node, settings: console, log: log)
    }

    public func router() -> Router<AccordRequestContext> {
        let router = Router(context: AccordRequestContext.self)
        router.add(middleware: TrafficMiddleware(traffic: node.traffic))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestMetricsMiddleware(metrics: node.metrics))
        router.get("/healthz") { _, _ in "ok" }
        MetricsRoutes.add(to: router, node: node)
        let limits = node.configuration.limits
        let limiter = PeerRateLimiter(rate: limits.peerRequestsPerSecond, burst: limits.peerBurst, time: node.time)
        FederationRoutes.add(to: router, node: node, limiter: limiter)
        EvidenceTransferRoutes.add(to: router, node: node, limiter: limiter)
        OpenAPIDocument.add(to: router)
        OperatorRoutes.add(to: router, node: node, client: client)
        LogRoutes.add(to: router, log: log, limiter: limiter)
        ExportRoutes.add(to: router, node: node, log: log)
        TAXIIRoutes.add(to: router, node: node, cursor: PageCursor(key: taxiiCursorKey()))
        console.add(to: router)
        return router
    }

    /// The key of TAXII `next` cursors: kept in the data directory (so cursors outlive a
    /// restart and work on every replica); a node without one (tests) gets a key of its own.
    func taxiiCursorKey() -> [UInt8] {
        if let directory = node.directory {
            do { return try directory.taxiiCursorKey() } catch {
                node.logger.error("cannot read or make the TAXII cursor key; cursors will not survive a restart", metadata: ["error": "\(error)"])
            }
        }
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
    }

    /// The HTTP application; `onRunning` receives the bound port (useful with port 0).
    public func application(port: Int? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let c = node.configuration
        var logger = Logger(label: "accord.http")
        logger.logLevel = node.logger.logLevel
        let limits = c.limits
        let clients = ClientConnections(maxPerClient: limits.maxConnectionsPerClient)
        return Application(
            router: router(),
            // Idle and slow connections are closed after idle_timeout_s without progress; each
            // client holds at most its share of connections, and the node at most max_connections.
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionLimitHandler(clients)],
                idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)))),
            configuration: .init(
                address: .hostname(c.listenHost, port: port ?? c.listenPort), serverName: "accord",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Every service of the node, to run in one `ServiceGroup`.
    public func services(port: Int? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        [application(port: port, onRunning: onRunning), DeliveryService(node: node, client: client), LogService(log: log), RetentionService(node: node),
         EvidenceTransferService(node: node, client: client), NotificationService(node: node), CheckService(node: node),
         TAXIIShareService(node: node),
         // Last, so that on shutdown it goes first: open console streams end before the server waits for them.
         console.service]
    }
}
