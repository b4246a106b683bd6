import AccordCore
import AccordNode
import Foundation
import Hummingbird

/// Communication checks through the operator API (`/api/v1/checks…`): send one to some or
/// every peer (officer), list them with status and answer times (auditor), answer one sent to
/// this node (officer).
enum CheckRoutes {
    struct SendRequest: OperatorBody {
        static let members: Set<String> = ["to", "all", "message", "exercise", "expire_after_minutes"]
        var to: [String]?
        var all: Bool?
        var message: String?
        var exercise: Bool?
        var expireAfterMinutes: Int?

        enum CodingKeys: String, CodingKey {
            case to, all, message, exercise
            case expireAfterMinutes = "expire_after_minutes"
        }
    }

    struct AnswerRequest: OperatorBody {
        static let members: Set<String> = ["message"]
        var message: String?
    }

    static func add(to api: RouterGroup<AccordRequestContext>, node: Node) {
        api.post("/checks") { request, _ -> Response in
            let r = try await OperatorBodyDecoder.decode(SendRequest.self, request, node: node)
            if let to = r.to {
                guard r.all != true else { throw AccordError(.invalidField, "give either \"to\" (some peers) or \"all\": true, not both", field: "all") }
                guard !to.isEmpty else { throw AccordError(.invalidField, "\"to\" names at least one peer; for every peer send \"all\": true", field: "to") }
            } else if r.all == false {
                throw AccordError(.invalidField, "\"all\": false needs \"to\", the peers to check", field: "to")
            }
            let result = try await node.sendChecks(to: r.to, message: r.message, exercise: r.exercise == true, expireAfterMinutes: r.expireAfterMinutes)
            return try JSONResponse.make(result, status: .created)
        }

        api.get("/checks") { request, _ -> Response in
            let q = request.uri.queryParameters
            var openOnly = false
            if let text = q.get("open") {
                guard let b = Bool(text) else { throw AccordError(.invalidField, "open is true or false", field: "open") }
                openOnly = b
            }
            var limit = 200
            if let text = q.get("limit") {
                guard let n = Int(text), (1...10_000).contains(n) else { throw AccordError(.invalidField, "limit is 1–10000", field: "limit") }
                limit = n
            }
            return try JSONResponse.make(try await node.checks(openOnly: openOnly, limit: limit))
        }

        api.post("/checks/:id/answer") { request, context -> Response in
            guard let text = context.parameters.get("id") else { throw AccordError(.malformed, "the path names no check") }
            let id = try await node.resolveCase(text)
            let r = try await OperatorBodyDecoder.decode(AnswerRequest.self, request, node: node)
            return try JSONResponse.make(OperatorRoutes.AuthoredResponse(try await node.answerCheck(id, message: r.message)), status: .created)
        }
    }
}
