import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// The OpenAPI description stays true: it lists exactly the routes the router has under
/// /api/v1 with the roles the policy table gives them, and a real node accepts its examples.
@Suite(.serialized) struct OpenAPITests {
    static let document = OpenAPIDocument.json

    /// `get /api/v1/cases/{id}` for every operation in the document.
    static var described: Set<String> {
        var out = Set<String>()
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for method in (item.objectValue ?? [:]).keys { out.insert("\(method.uppercased()) \(path)") }
        }
        return out
    }

    /// Hummingbird's `:id` and `{id}` both become `{id}`.
    static func normalised(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }

    @Test func everyRouteUnderAPIv1IsDescribedAndEveryDescribedRouteExists() async throws {
        try await TestCluster.with(["aurelia-247"]) { cluster in
            let router = NodeServer(node: cluster["aurelia-247"].node).router()
            let routed = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalised($0.path.description))" }.filter { $0.contains(" /api/v1/") })
            #expect(routed.count > 40, "the router listed \(routed.count) routes")
            let missing = routed.subtracting(Self.described).sorted()
            let stale = Self.described.subtracting(routed).sorted()
            #expect(missing.isEmpty, "routes missing from the OpenAPI description (Sources/AccordHTTP/OpenAPI/OpenAPIOperations.swift):\n\(missing.joined(separator: "\n"))")
            #expect(stale.isEmpty, "described routes the router does not have:\n\(stale.joined(separator: "\n"))")
        }
    }

    @Test func everyDescribedRoleIsThePolicyTablesRole() {
        for rule in OperatorPolicy.rules {
            let op = Self.document["paths"]?[rule.path]?[rule.method.rawValue.lowercased()]
            #expect(op?["x-accord-role"]?.stringValue == rule.role.rawValue, "\(rule.method) \(rule.path): the document says \(op?["x-accord-role"]?.stringValue ?? "nothing"), the policy \(rule.role.rawValue)")
        }
        // And nothing in the document claims a role the table does not give.
        for key in Self.described {
            let parts = key.split(separator: " ")
            let role = Self.document["paths"]?[String(parts[1])]?[parts[0].lowercased()]?["x-accord-role"]?.stringValue
            guard let role else { continue }
            let rule = OperatorPolicy.rules.first { $0.method.rawValue == parts[0] && $0.path == String(parts[1]) }
            #expect(rule?.role.rawValue == role, "\(key) is described with role \(role) but the policy table has \(rule?.role.rawValue ?? "no rule")")
        }
    }

    @Test func theDocumentIsServedWithoutATokenAndEveryOperationDescribesItsErrors() async throws {
        try await TestCluster.with(["aurelia-247"]) { cluster in
            try await cluster.start("aurelia-247")
            let anonymous = OperatorClient(url: cluster["aurelia-247"].url, token: "")
            let reply = try await anonymous.send(.GET, OpenAPIDocument.path)
            #expect(reply.status == 200)
            let served = try #require(reply.json)
            #expect(served["openapi"]?.stringValue == "3.1.0")
            #expect(served == Self.document)
            #expect(try await anonymous.send(.GET, "/api/v1/node").status == 401)
        }
        let schemas = Self.document["components"]?["schemas"]?.objectValue ?? [:]
        for key in Self.described {
            let parts = key.split(separator: " ")
            let op = try #require(Self.document["paths"]?[String(parts[1])]?[parts[0].lowercased()])
            let responses = op["responses"]?.objectValue ?? [:]
            #expect(responses["500"] != nil, "\(key) does not describe its 500")
            if op["x-accord-role"] != nil {
                #expect(responses["401"] != nil && responses["403"] != nil, "\(key) does not describe 401 and 403")
            }
            // Every $ref resolves.
            for ref in Self.refs(in: op) where ref.hasPrefix("#/components/schemas/") {
                #expect(schemas[String(ref.dropFirst("#/components/schemas/".count))] != nil, "\(key) refers to \(ref), which is not defined")
            }
        }
    }

    @Test func everyExampleMatchesItsSchema() throws {
        var count = 0
        for key in Self.described {
            let parts = key.split(separator: " ")
            let op = try #require(Self.document["paths"]?[String(parts[1])]?[parts[0].lowercased()])
            guard let media = op["requestBody"]?["content"]?["application/json"] else { continue }
            let schema = try #require(media["schema"])
            for (name, example) in media["examples"]?.objectValue ?? [:] {
                let problems = SchemaCheck(document: Self.document).problems(example["value"] ?? .null, schema, at: "")
                #expect(problems.isEmpty, "\(key) example \(name): \(problems.joined(separator: "; "))")
                count += 1
            }
        }
        #expect(count >= 60)
        // The checker itself refuses what it should.
        let check = SchemaCheck(document: Self.document)
        let open = try #require(Self.document["components"]?["schemas"]?["OpenCaseRequest"])
        #expect(!check.problems(["kind": "preservation", "title": "x", "to": ["b"], "fields": [:], "urgnet": true], open, at: "").isEmpty)
        #expect(!check.problems(["kind": "nothing", "title": "x", "to": ["b"], "fields": [:]], open, at: "").isEmpty)
        #expect(!check.problems(["title": "x", "to": ["b"], "fields": [:]], open, at: "").isEmpty)
    }

    @Test func aRealNodeAcceptsEveryCaseAndStepExample() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia-247", "borealis-247"], time: time) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia-247"], b = cluster["borealis-247"]
            for kind in CaseKind.allCases {
                // One case through every step, one withdrawn.
                for sequence in [OpenAPIExamples.steps(kind), [OpenAPIExamples.withdraw(kind)]] {
                    let opened = try await a.client.send(.POST, "/api/v1/cases", body: CanonicalJSON.encode(OpenAPIExamples.open(kind)))
                    try #require(opened.status == 201, "\(kind.rawValue): POST /cases answered \(opened.status): \(opened.json.map(CanonicalJSON.string) ?? "")")
                    let caseID = try #require(opened.json?["event"]?.stringValue)
                    var events: [String: String] = [:]
                    var taken = 1
                    for step in sequence {
                        let actor = step.by == .initiator ? a : b
                        // The acting node holds every step so far before it takes the next.
                        let caught = try await TestCluster.eventually {
                            let r = try await actor.client.send(.GET, "/api/v1/cases/\(caseID)/events")
                            return r.status == 200 && (r.json?.arrayValue?.count ?? 0) >= taken
                        }
                        try #require(caught, "\(step.label): \(actor.name) never received the earlier steps")
                        var text = CanonicalJSON.string(step.request)
                        for (placeholder, label) in OpenAPIExamples.references {
                            if let id = events["\(kind.rawValue).\(label.replacingOccurrences(of: "#", with: "_"))"] { text = text.replacingOccurrences(of: placeholder, with: id) }
                        }
                        let reply = try await actor.client.send(.POST, "/api/v1/cases/\(caseID)/steps", body: Array(text.utf8))
                        #expect(reply.status == 201, "example \(step.label) was refused (\(reply.status)): \(reply.json.map(CanonicalJSON.string) ?? "")")
                        if let id = reply.json?["event"]?.stringValue { events[step.label] = id }
                        taken += 1
                    }
                    let final = try await a.client.get("/api/v1/cases/\(caseID)")
                    #expect(final["state"]?["status"]?.stringValue == (sequence.count == 1 ? "withdrawn" : "closed"), "\(kind.rawValue) did not end as expected")
                }
            }
            // The other examples with bodies, sent as they are (peers: the fingerprint cannot be real).
            let collection = try await a.client.post("/api/v1/taxii/collections", Self.example("POST /api/v1/taxii/collections", "shared"))
            let collectionID = try #require(collection["id"]?.stringValue)
            for (route, name, path) in [
                ("POST /api/v1/checks", "all peers", "/api/v1/checks"), ("POST /api/v1/checks", "one peer", "/api/v1/checks"),
                ("POST /api/v1/drafts", "preservation", "/api/v1/drafts"),
                ("POST /api/v1/taxii/collections/{id}/sharing", "one peer", "/api/v1/taxii/collections/\(collectionID)/sharing"),
                ("POST /api/v1/taxii/accounts", "with password", "/api/v1/taxii/accounts"), ("POST /api/v1/taxii/accounts", "token only", "/api/v1/taxii/accounts"),
            ] {
                // Checks do not pile up: each example's check finds the previous one expired.
                if route == "POST /api/v1/checks" { time.advance(hours: 3) }
                let reply = try await a.client.send(.POST, path, body: CanonicalJSON.encode(Self.example(route, name)))
                #expect((200..<300).contains(reply.status), "\(route) example \(name) was refused (\(reply.status)): \(reply.json.map(CanonicalJSON.string) ?? "")")
            }
            var rights = Self.example("POST /api/v1/taxii/accounts/{name}/rights", "read and write").objectValue ?? [:]
            rights["collection"] = .string(collectionID)
            let granted = try await a.client.send(.POST, "/api/v1/taxii/accounts/misp/rights", body: CanonicalJSON.encode(.object(rights)))
            #expect((200..<300).contains(granted.status), "the rights example was refused: \(granted.json.map(CanonicalJSON.string) ?? "")")
        }
    }

    static func example(_ route: String, _ name: String) -> JSONValue {
        let parts = route.split(separator: " ")
        return document["paths"]?[String(parts[1])]?[parts[0].lowercased()]?["requestBody"]?["content"]?["application/json"]?["examples"]?[name]?["value"] ?? .null
    }

    static func refs(in value: JSONValue) -> [String] {
        switch value {
        case .object(let o): return (o["$ref"]?.stringValue.map { [$0] } ?? []) + o.values.flatMap(refs)
        case .array(let a): return a.flatMap(refs)
        default: return []
        }
    }
}

/// The part of JSON Schema the description uses: type, properties, required,
/// additionalProperties false, enum, const, items, minItems, $ref, and the by-kind and
/// by-step schemas of case fields and step bodies.
struct SchemaCheck {
    let document: JSONValue

    func resolve(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/components/schemas/") else { return schema }
        return resolve(document["components"]?["schemas"]?[String(ref.dropFirst("#/components/schemas/".count))] ?? .null)
    }

    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String, context: JSONValue? = nil) -> [String] {
        let s = resolve(schema)
        var out: [String] = []
        if let type = s["type"]?.stringValue {
            let ok: Bool
            switch type {
            case "object": ok = value.objectValue != nil
            case "array": ok = value.arrayValue != nil
            case "string": ok = value.stringValue != nil
            case "boolean": ok = value.boolValue != nil
            case "integer": ok = value.intValue != nil
            case "number": ok = value.doubleValue != nil
            default: ok = true
            }
            if !ok { return ["\(path.isEmpty ? "the body" : path) is not a \(type)"] }
        }
        if let options = s["enum"]?.arrayValue, !options.contains(value) { out.append("\(path) is \(CanonicalJSON.string(value)), not one of the enum") }
        if let c = s["const"], c != value { out.append("\(path) must be \(CanonicalJSON.string(c))") }
        if let o = value.objectValue {
            let props = s["properties"]?.objectValue ?? [:]
            for name in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[name] == nil { out.append("\(path).\(name) is required") }
            if s["additionalProperties"] == false {
                for name in o.keys where props[name] == nil { out.append("\(path).\(name) is not a member") }
            }
            for (name, v) in o { if let p = props[name] { out += problems(v, p, at: "\(path).\(name)", context: value) } }
            // Case fields by the request's kind; step bodies by the request's type.
            if let byKind = s["x-accord-by-kind"], let kind = context?["kind"]?.stringValue, let specific = byKind[kind] { out += problems(value, specific, at: path) }
            if let byStep = s["x-accord-by-step"], let type = context?["type"]?.stringValue, let specific = byStep[type] { out += problems(value, specific, at: path) }
        }
        if let a = value.arrayValue {
            if let min = s["minItems"]?.intValue, a.count < min { out.append("\(path) needs at least \(min) items") }
            if let items = s["items"] { for (i, v) in a.enumerated() { out += problems(v, items, at: "\(path)[\(i)]") } }
        }
        return out
    }
}

/// schemathesis (PyPI; scripts/setup installs it) generates requests for every operation of the
/// description against a real node (scripts/api-fuzz): no 5xx answer, every answer matches its schema.
@Suite(.serialized) struct OpenAPIFuzzTests {
    @Test func schemathesisFindsNoServerErrorAndNoAnswerOutsideItsSchema() async throws {
        let binary = try CrashRecoveryTests.accordBinary()
        let (status, output) = try await ProjectScripts.run("bash", "api-fuzz", [binary, "25"])
        #expect(status == 0, "\(output.suffix(6000))")
        #expect(output.contains("No issues found"), "\(output.suffix(2000))")
    }
}
