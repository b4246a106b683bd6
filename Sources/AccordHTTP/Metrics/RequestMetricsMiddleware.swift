import AccordCore
import AccordNode
import Hummingbird

/// Times every request into the node's metrics, labelled by the route's pattern (never the raw
/// path, which carries ids), and counts refused federation requests and failed operator API
/// requests by error code. Sits just inside `ErrorMiddleware`, so it sees errors as thrown.
struct RequestMetricsMiddleware: RouterMiddleware {
    let metrics: NodeMetrics

    func handle(_ request: Request, context: AccordRequestContext, next: (Request, AccordRequestContext) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: Int(response.status.code), duration: clock.now - start)
            return response
        } catch {
            let (code, status) = ErrorMiddleware<AccordRequestContext>.classify(error)
            record(request, context, status: Int(status.code), duration: clock.now - start)
            if let scope = Self.scope(request.uri.path) { metrics.rejected(code, scope: scope) }
            throw error
        }
    }

    func record(_ request: Request, _ context: AccordRequestContext, status: Int, duration: Duration) {
        // The router sets the matched pattern; a path no route matched is "unmatched".
        metrics.answered(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status, duration: duration)
    }

    /// Whose refusal a failed request is: a peer's (federation, witnessing) or an operator's.
    static func scope(_ path: String) -> NodeMetrics.Scope? {
        if path.hasPrefix("/federation/") || path.hasPrefix("/witness/") { return .federation }
        if path.hasPrefix("/api/") { return .api }
        return nil
    }
}
