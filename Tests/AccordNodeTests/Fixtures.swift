import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

enum Fixtures {
    static let preservationFields: JSONValue = [
        "authority": "Aurelia Public Prosecutor's Office", "offence": "Extortion (ransomware)",
        "facts": "A hospital's systems were encrypted; the ransom note names a mailbox.",
        "data": "Subscriber data and logs of the mailbox", "relationship": "Used to negotiate the ransom",
        "custodian": "Borealis Mail Ltd.", "necessity": "Logs are deleted after 30 days", "mla_to_follow": true,
    ]

    static func preservation(to: [String]) -> JSONValue {
        ["kind": "preservation", "title": "Preserve mailbox records", "to": .strings(to), "fields": preservationFields, "norms": ["13(d)"]]
    }

    /// Waits until `member` holds case `id` and `condition` holds for its state.
    static func state(_ member: TestCluster.Member, _ id: String, until condition: @escaping (JSONValue) -> Bool = { _ in true }) async throws -> JSONValue {
        var last: JSONValue = .null
        let ok = try await TestCluster.eventually {
            let reply = try await member.client.send(.GET, "/api/v1/cases/\(id)")
            guard reply.status == 200, let state = reply.json?["state"] else { return false }
            last = state
            return condition(state)
        }
        try #require(ok, "\(member.name) never reached the expected state of case \(id.prefix(12)); last: \(CanonicalJSON.string(last))")
        return last
    }

    /// Signs an event as `member` without storing it (to craft what a peer might send).
    static func event(_ member: TestCluster.Member, _ type: EventType, to: [String], caseID: EventID? = nil, body: [String: JSONValue], keys: NodeKeys? = nil) -> Event {
        Event.sign(type: type, origin: member.name, to: to, caseID: caseID, time: member.node.time.now(), body: body, keys: keys ?? member.node.keys)
    }

    static func openBody(_ member: TestCluster.Member, kind: CaseKind = .check) -> [String: JSONValue] {
        ["kind": .string(kind.rawValue), "title": "Check", "fields": [:],
         "deadlines": member.node.policy.deadlines(for: kind, openedAt: member.node.time.now()).json]
    }
}
