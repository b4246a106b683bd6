import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Every operator route against every role, driven by the same table the auth middleware reads.
@Suite(.serialized) struct RoleMatrixTests {
    /// A concrete path for a route pattern: parameters become values that name nothing.
    static func concrete(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "{id}", with: String(repeating: "0", count: 64))
            .replacingOccurrences(of: "{name}", with: "nobody")
            .replacingOccurrences(of: "{peer}", with: "nobody")
    }

    @Test func everyRouteAgainstEveryRole() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            var clients: [Role: OperatorClient] = [:]
            for role in Role.allCases {
                let (token, record) = OperatorTokens.make(name: "matrix-\(role.rawValue)", role: role, now: a.node.time.now())
                try await a.node.store.saveToken(record)
                clients[role] = OperatorClient(url: a.url, token: token)
            }
            let nobody = OperatorClient(url: a.url, token: "accord_" + String(repeating: "0", count: 64))
            #expect(!OperatorPolicy.rules.isEmpty)
            for rule in OperatorPolicy.rules {
                let path = Self.concrete(rule.path)
                let method = HTTPMethod(rawValue: rule.method.rawValue)
                let anonymous = try await nobody.send(method, path, body: Array("{}".utf8))
                #expect(anonymous.status == 401, "\(method) \(rule.path) without a valid token answered \(anonymous.status)")
                for role in Role.allCases {
                    let reply = try await clients[role]!.send(method, path, body: Array("{}".utf8))
                    if role < rule.role {
                        #expect(reply.status == 403, "\(role.rawValue) on \(method) \(rule.path) answered \(reply.status), not 403")
                        #expect(reply.json?["error"]?["code"]?.stringValue == "forbidden")
                    } else {
                        #expect(reply.status != 401 && reply.status != 403, "\(role.rawValue) on \(method) \(rule.path) was refused (\(reply.status))")
                    }
                }
            }
        }
    }

    @Test func aDraftBelongsToItsAuthor() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            func client(_ name: String, _ role: Role) async throws -> OperatorClient {
                let (token, record) = OperatorTokens.make(name: name, role: role, now: a.node.time.now())
                try await a.node.store.saveToken(record)
                return OperatorClient(url: a.url, token: token)
            }
            let author = try await client("analyst-one", .analyst), other = try await client("analyst-two", .analyst)
            let officer = try await client("officer", .officer)
            let draft = try await author.post("/api/v1/drafts", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(draft["id"]?.stringValue)
            let refused = try await other.send(.DELETE, "/api/v1/drafts/\(id)")
            #expect(refused.status == 403)
            #expect(try await a.node.store.draft(id) != nil)
            #expect(try await author.send(.DELETE, "/api/v1/drafts/\(id)").status == 204)
            let second = try await author.post("/api/v1/drafts", Fixtures.preservation(to: ["borealis"]))
            #expect(try await officer.send(.DELETE, "/api/v1/drafts/\(try #require(second["id"]?.stringValue))").status == 204)
        }
    }
}
