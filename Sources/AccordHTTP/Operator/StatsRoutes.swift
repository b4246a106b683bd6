import AccordCore
import AccordNode
import Foundation
import Hummingbird

/// Responsiveness statistics through the operator API (`GET /api/v1/stats`, every role):
/// JSON (the default) or CSV, the same numbers as the console's statistics page and `accord stats`.
enum StatsRoutes {
    static func add(to api: RouterGroup<AccordRequestContext>, node: Node) {
        api.get("/stats") { request, _ -> Response in
            let r = try StatsRequest.parse(queryValues(request), now: node.time.now())
            let report = try await node.stats(r)
            switch r.format {
            case .json: return try JSONResponse.make(report)
            case .csv: return JSONResponse.raw(Array(report.csv.utf8), contentType: "text/csv; charset=utf-8; header=present")
            }
        }
    }

    /// The query's parameters, each once: a parameter given twice is refused, not guessed at.
    static func queryValues(_ request: Request) throws(AccordError) -> [String: String] {
        var values: [String: String] = [:]
        for (k, v) in request.uri.queryParameters {
            let key = String(k)
            guard values[key] == nil else { throw AccordError(.invalidField, "\(key) is given more than once", field: key) }
            values[key] = String(v)
        }
        return values
    }
}
