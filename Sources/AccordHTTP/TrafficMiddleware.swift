import AccordNode
import Hummingbird

/// Counts the node-to-node requests this node answers (federation and witness routes), by
/// route, into the node's `NodeTraffic`.
struct TrafficMiddleware: RouterMiddleware {
    let traffic: NodeTraffic

    func handle(_ request: Request, context: AccordRequestContext, next: (Request, AccordRequestContext) async throws -> Response) async throws -> Response {
        var path = request.uri.path
        guard path.hasPrefix("/federation/") || path.hasPrefix("/witness/") else { return try await next(request, context) }
        // One counter for all evidence files, not one per file and offset.
        if path.hasPrefix(EvidenceTransferRoutes.prefix) { path = EvidenceTransferRoutes.prefix }
        // As on the wire: request line, headers and body in; status line, headers and body out.
        let bytesIn = "POST \(path) HTTP/1.1\r\n".utf8.count + NodeTraffic.headerBytes(request.headers.map { ($0.name.rawName, $0.value) })
            + (request.headers[.contentLength].flatMap(Int.init) ?? 0)
        do {
            let response = try await next(request, context)
            let out = "HTTP/1.1 200 OK\r\n".utf8.count + NodeTraffic.headerBytes(response.headers.map { ($0.name.rawName, $0.value) }) + (response.body.contentLength ?? 0)
            traffic.recordReceived(path, bytesIn: bytesIn, bytesOut: out)
            return response
        } catch {
            traffic.recordReceived(path, bytesIn: bytesIn, bytesOut: 0)
            throw error
        }
    }
}
