import AccordCore
import AccordNode
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A node as a set of services: its HTTP server (federation and operator API) and delivery.
public struct NodeServer: Sendable {
    public let node: Node
    let client: FederationClient
    /// The Merkle log's coordinator, shared by its routes and its service.
    public let log: LogCoordinator

    public init(node: Node, client: FederationClient = FederationClient()) {
        self.node = node
        self.client = client
        self.log = LogCoordinator(node: node, client: client)
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("/healthz") { _, _ in "ok" }
        FederationRoutes.add(to: router, node: node)
        OperatorRoutes.add(to: router, node: node, client: client)
        LogRoutes.add(to: router, log: log)
        return router
    }

    /// The HTTP application; `onRunning` receives the bound port (useful with port 0).
    public func application(port: Int? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let c = node.configuration
        var logger = Logger(label: "accord.http")
        logger.logLevel = node.logger.logLevel
        return Application(
            router: router(),
            configuration: .init(address: .hostname(c.listenHost, port: port ?? c.listenPort), serverName: "accord"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Every service of the node, to run in one `ServiceGroup`.
    public func services(port: Int? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        [application(port: port, onRunning: onRunning), DeliveryService(node: node, client: client), LogService(log: log)]
    }
}
