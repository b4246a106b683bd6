import AccordCore
import AccordNode
import Foundation
import HTTPTypes
import Hummingbird

extension Console {
    /// `/console/stats`: the statistics page (every role), and with `format=csv` or `format=json`
    /// the same numbers as a download, as `GET /api/v1/stats` gives them.
    func addStats<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/stats") { request, context -> Response in
            let user = try Self.user(context)
            // A GET form's query is form-encoded: a space arrives as "+".
            let values = FormValues(urlencoded: request.uri.query ?? "")
            if let repeated = values.values.first(where: { $0.value.count > 1 })?.key {
                return try await self.statsPage(nil, nil, values: values, user: user, error: "\(repeated) is given more than once", status: .badRequest)
            }
            let request: StatsRequest
            do {
                request = try StatsRequest.parse(values.values.compactMapValues(\.first), now: self.node.time.now())
            } catch let e as AccordError {
                return try await self.statsPage(nil, nil, values: values, user: user, error: e.message, status: .badRequest)
            }
            let report = try await self.node.stats(request)
            if values["format"] != nil {
                let name = "accord-stats-\(self.node.name)-\(StatsView.day(request.from))-\(StatsView.day(request.to))"
                let (bytes, type, ext): ([UInt8], String, String) =
                    request.format == .csv ? (Array(report.csv.utf8), "text/csv; charset=utf-8; header=present", "csv")
                    : (Array(try Console.jsonEncoder.encode(report)), "application/json", "json")
                var headers = Self.securityHeaders
                headers[.contentType] = type
                headers[.contentDisposition] = "attachment; filename=\"\(name).\(ext)\""
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            return try await self.statsPage(report, request, values: values, user: user, error: nil, status: .ok)
        }
    }

    func statsPage(_ report: StatsReport?, _ request: StatsRequest?, values: FormValues, user: ConsoleUser, error: String?, status: HTTPResponse.Status) async throws -> Response {
        let peers = try await peerNames()
        return page("stats", title: "Statistics", user: user, section: "stats", status: status,
                    StatsView.context(report, request: request, values: values, peers: peers, error: error))
    }

    static let jsonEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
