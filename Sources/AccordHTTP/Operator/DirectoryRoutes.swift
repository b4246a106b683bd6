import AccordCore
import AccordNode
import AccordStore
import Foundation
import HTTPTypes
import Hummingbird

/// The directory of points of contact (`/api/v1/directory…`, every role) and the node's own
/// profile (`/api/v1/profile`: read by every role, changed by an admin).
enum DirectoryRoutes {
    /// `PUT` (every member but `time_zone` required) or `PATCH` (only the members to change) of
    /// `/api/v1/profile`.
    struct ProfileRequest: OperatorBody {
        static let members: Set<String> = ["organisation", "country", "roles", "languages", "hours", "time_zone"]
        var organisation: String?
        var country: String?
        var roles: [String]?
        var languages: [String]?
        var hours: String?
        /// An IANA zone name; "" removes it.
        var timeZone: String?

        enum CodingKeys: String, CodingKey {
            case organisation, country, roles, languages, hours
            case timeZone = "time_zone"
        }

        /// `current` with this request's members applied; `complete` (PUT) requires all but `time_zone`.
        func applied(to current: ProfileInfo, complete: Bool) throws(AccordError) -> ProfileInfo {
            if complete {
                for (name, value) in [("organisation", organisation as Any?), ("country", country), ("roles", roles), ("languages", languages), ("hours", hours)] where value == nil {
                    throw AccordError(.missingField, "PUT replaces the whole profile and needs \"\(name)\"; PATCH changes only the members given", field: name)
                }
            }
            var info = current
            if let organisation { info.organisation = organisation.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let country { info.country = country.trimmingCharacters(in: .whitespaces) }
            if let roles {
                info.roles = try roles.map { (name: String) throws(AccordError) -> ProfileInfo.ContactRole in
                    guard let role = ProfileInfo.ContactRole(rawValue: name) else {
                        throw AccordError(
                            .invalidField, "\"\(name)\" is not a contact role; use \(ProfileInfo.ContactRole.allCases.map(\.rawValue).joined(separator: ", "))", field: "roles")
                    }
                    return role
                }
            }
            if let languages { info.languages = languages.map { $0.trimmingCharacters(in: .whitespaces) } }
            if let hours { info.hours = hours.trimmingCharacters(in: .whitespacesAndNewlines) }
            if complete || timeZone != nil {
                let tz = timeZone?.trimmingCharacters(in: .whitespaces) ?? ""
                info.timeZone = tz.isEmpty ? nil : tz
            }
            return info
        }
    }

    struct ProfileChanged: Encodable {
        var event: String
        var logIndex: Int64
        var version: Int
        var summary: String
        var profile: Directory.Entry?

        enum CodingKeys: String, CodingKey {
            case event, version, summary, profile
            case logIndex = "log_index"
        }
    }

    static func add(to api: RouterGroup<AccordRequestContext>, node: Node) {
        let store = node.store

        api.get("/directory") { request, _ -> Response in
            let q = request.uri.queryParameters
            let query = Directory.Query(text: q.get("q"), role: q.get("role"), country: q.get("country"), language: q.get("language"))
            return try JSONResponse.make(try await Directory.search(query, store: store, selfName: node.name))
        }

        api.get("/directory/:peer") { _, context -> Response in
            guard let name = context.parameters.get("peer"), let detail = try await Directory.detail(name, store: store, selfName: node.name) else {
                throw AccordError(.notFound, "no pinned peer of that name; 'accord peer list' shows them")
            }
            return try JSONResponse.make(detail)
        }

        api.get("/profile") { _, _ -> Response in
            guard let detail = try await Directory.detail(node.name, store: store, selfName: node.name) else {
                throw AccordError(.notFound, "this node has no profile; it was not created with accord init")
            }
            return try JSONResponse.make(detail)
        }

        for (method, complete) in [(HTTPRequest.Method.put, true), (.patch, false)] {
            api.on("/profile", method: method) { request, context -> Response in
                let who = try context.requireIdentity()
                let r = try await OperatorBodyDecoder.decode(ProfileRequest.self, request, node: node)
                let step = try await node.updateProfile(try r.applied(to: node.profileInfo, complete: complete))
                context.logger.notice("profile changed", metadata: ["token": "\(who.name)", "event": "\(step.event.id.short)"])
                let entry = try await Directory.entries(store: store, selfName: node.name).first { $0.isSelf }
                return try JSONResponse.make(ProfileChanged(
                    event: step.event.id.hex, logIndex: step.logIndex, version: Profile.version(of: step.event), summary: step.summary, profile: entry))
            }
        }
    }
}
