import AccordNode
import Hummingbird

/// Counts the node-to-node requests this node answers (federation and witness routes), by
/// route, into the node's `NodeTraffic`.
struct TrafficMiddleware: RouterMiddleware {
    let traffic: NodeTraffic

    func handle(_ request: Request, context: AccordRequestContext, next: (Request, AccordRequestContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/federation/") || path.hasPrefix("/witness/") else { return try await next(request, context) }
        let bytesIn = request.headers[.contentLength].flatMap(Int.init) ?? 0
        do {
            let response = try await next(request, context)
            traffic.recordReceived(path, bytesIn: bytesIn, bytesOut: response.body.contentLength ?? 0)
            return response
        } catch {
            traffic.recordReceived(path, bytesIn: bytesIn, bytesOut: 0)
            throw error
        }
    }
}
