import AccordCore
import AccordStore
import Hummingbird

/// The OpenAPI 3.1 description of the operator API, served at `GET /api/v1/openapi.json`
/// (without a token: it describes the API and holds nothing about the node).
///
/// Built in code from one table of operations, so it is compiled into the binary; tests
/// check that it lists exactly the routes the router has under `/api/v1`, and send every
/// example body to a real node.
public enum OpenAPIDocument {
    public static let path = "/api/v1/openapi.json"

    public static let json: JSONValue = build()
    public static let bytes: [UInt8] = Array((PrettyJSON.string(json) + "\n").utf8)

    /// One operation: a method on a path (OpenAPI style, `{id}`), the least role, what it does.
    struct Operation {
        var method: String
        var path: String
        var role: Role?
        var summary: String
        var description: String?
        var query: [(name: String, schema: JSONValue, description: String, required: Bool)] = []
        var body: JSONValue?
        var bodyExamples: [String: JSONValue] = [:]
        var bodyContentType = "application/json"
        var success: (status: String, description: String, schema: JSONValue?, contentType: String)
        var errors: [String] = ["400", "401", "403"]
        /// Other media types the success response may have (chosen by a parameter), with their schemas.
        var alternatives: [String: JSONValue] = [:]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let anyObject: JSONValue = ["type": "object"]
    static func ok(_ schema: JSONValue?, _ description: String = "Done", status: String = "200") -> (String, String, JSONValue?, String) {
        (status, description, schema, "application/json")
    }

    static func build() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for op in operations + directoryOperations {
            var o: [String: JSONValue] = [
                "summary": .string(op.summary),
                "operationId": .string(operationID(op)),
                "tags": [.string(tag(op.path))],
            ]
            var description = op.description ?? ""
            if let role = op.role {
                description += (description.isEmpty ? "" : "\n\n") + "Least role: `\(role.rawValue)`."
                o["security"] = [["bearer": []]]
                o["x-accord-role"] = .string(role.rawValue)
            } else {
                o["security"] = []
            }
            if !description.isEmpty { o["description"] = .string(description) }
            var parameters: [JSONValue] = []
            for name in pathParameters(op.path) {
                parameters.append(["name": .string(name), "in": "path", "required": true, "schema": string, "description": .string(parameterDescription(name))])
            }
            for q in op.query {
                parameters.append(["name": .string(q.name), "in": "query", "required": .bool(q.required), "schema": q.schema, "description": .string(q.description)])
            }
            if !parameters.isEmpty { o["parameters"] = .array(parameters) }
            if let body = op.body {
                var media: [String: JSONValue] = ["schema": body]
                if !op.bodyExamples.isEmpty { media["examples"] = .object(op.bodyExamples.mapValues { ["value": $0] }) }
                o["requestBody"] = ["required": true, "content": .object([op.bodyContentType: .object(media)])]
            }
            var responses: [String: JSONValue] = [:]
            var success: [String: JSONValue] = ["description": .string(op.success.description)]
            if let schema = op.success.schema {
                var content: [String: JSONValue] = [op.success.contentType: ["schema": schema]]
                for (type, schema) in op.alternatives { content[type] = ["schema": schema] }
                success["content"] = .object(content)
            }
            responses[op.success.status] = .object(success)
            for code in op.errors + ["500"] where responses[code] == nil {
                responses[code] = ["$ref": .string("#/components/responses/\(code)")]
            }
            o["responses"] = .object(responses)
            var item = paths[op.path]?.objectValue ?? [:]
            item[op.method] = .object(o)
            paths[op.path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Accord operator API",
                "version": "1",
                "description": """
                    The JSON API a node's own people use (the CLI and the console use it too). Every route except this document \
                    needs `Authorization: Bearer <token>` (`accord token create`); each route names its least role \
                    (`x-accord-role`): auditor < analyst < officer < admin. Errors are `{"error": {"code", "message", "field"?}}` \
                    (schema `Error`); `field` names the member at fault. Node-to-node (federation) and TAXII 2.1 routes are \
                    described in docs/protocol.md.
                    """,
            ],
            "servers": [["url": "/"]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "description": "An operator token (accord_…)."]],
                "schemas": .object(OpenAPISchemas.all.merging(OpenAPISchemas.directory) { a, _ in a }),
                "responses": .object(errorResponses),
            ],
        ]
    }

    static let errorResponses: [String: JSONValue] = {
        let texts: [(String, String)] = [
            ("400", "Malformed JSON, a missing or invalid member (`field` names it), or a bad parameter"),
            ("401", "No token, or a token that is unknown or revoked"),
            ("403", "The token's role is below the route's least role"),
            ("404", "No such case, peer, draft, evidence file, event or notification on this node"),
            ("409", "The request conflicts with the node's state (a duplicate, nothing to do)"),
            ("410", "No longer possible: the communication check expired (a late answer is not recorded)"),
            ("413", "The body is larger than `max_body_bytes` (or `evidence.max_file_bytes`)"),
            ("422", "A step the case machine does not allow at this point"),
            ("429", "Rate limited; `Retry-After` says when to try again"),
            ("502", "A peer could not be reached"),
            ("503", "Busy: too many request bodies in flight; `Retry-After` says when to try again"),
            ("500", "The node could not complete the request; the cause is in its log"),
        ]
        var out: [String: JSONValue] = [:]
        for (code, text) in texts {
            out[code] = ["description": .string(text), "content": ["application/json": ["schema": ref("Error")]]]
        }
        return out
    }()

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    static func parameterDescription(_ name: String) -> String {
        switch name {
        case "id": "An id: a case or event id (64 lowercase hex digits), an evidence id, a draft id, a collection id or a notification id (ntf-…), as the path says"
        case "peer", "name": "A node name, or an account name"
        default: name
        }
    }

    static func tag(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count > 2 ? String(parts[2]) : "api"
    }

    static func operationID(_ op: Operation) -> String {
        let words = op.path.split(separator: "/").dropFirst(2).map { part -> String in
            part.hasPrefix("{") ? "By" + part.dropFirst().dropLast().capitalized : part.split(separator: "-").map { $0.capitalized }.joined()
        }
        return op.method + words.joined()
    }

    /// Adds the route that serves the document; it needs no token.
    static func add(to router: Router<AccordRequestContext>) {
        router.get(RouterPath(path)) { _, _ -> Response in JSONResponse.raw(bytes) }
    }
}
