import AccordCore
import AccordNode
import Hummingbird

/// `GET /metrics`: the node's metrics in the Prometheus text format, for the people who run
/// it. Not an operator API route: its own access rule (`metrics` in accord.json) lets in the
/// allowed addresses and holders of the metrics token. Absent when `metrics.enabled` is false.
enum MetricsRoutes {
    static let path = "/metrics"

    static func add(to router: Router<AccordRequestContext>, node: Node) {
        let settings = node.configuration.metrics
        guard settings.enabled else { return }
        var token: [UInt8]? = nil
        do { token = try settings.bearerToken(directory: node.directory) } catch {
            // Checked when the node opened; if the file went away since, only addresses are let in.
            node.logger.error("cannot read the metrics token; only metrics.allow addresses may scrape", metadata: ["error": "\(error.message)"])
        }
        let access = MetricsAccess(networks: settings.allowedNetworks, token: token)

        router.get(RouterPath(path)) { request, context -> Response in
            switch access.decide(address: context.clientAddress, authorization: request.headers[.authorization]) {
            case .allowed: break
            case .needsToken:
                throw AccordError(.unauthorized, "send the metrics token as 'Authorization: Bearer <token>' (metrics.token in accord.json), or scrape from an address in metrics.allow")
            case .wrongToken:
                throw AccordError(.unauthorized, "the metrics token is not the one this node has (metrics.token in accord.json)")
            case .forbidden:
                throw AccordError(.forbidden, "\(context.clientAddress) may not read this node's metrics: add it to metrics.allow in accord.json, or configure metrics.token")
            }
            let text = try await node.metrics.scrape(store: node.store, now: node.time.now())
            let log = try await LogRoutes.logMetrics(store: node.store) + LogRoutes.trafficMetrics(node.traffic)
            return JSONResponse.raw(Array((text + log.joined(separator: "\n") + "\n").utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
