import AccordCore
import AccordNode
import AccordStore
import HTTPTypes
import Hummingbird

/// The directory of points of contact (every role reads it) and this node's profile form (admins).
extension Console {
    func addDirectory<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/directory") { request, context -> Response in
            let user = try Self.user(context)
            let q = FormValues(urlencoded: request.uri.query ?? "")
            let query = Directory.Query(text: q["q"], role: q["role"], country: q["country"], language: q["language"])
            let all = try await Directory.entries(store: self.node.store, selfName: self.node.name)
            let rows = self.directoryRows(all.filter { $0.matches(query) })
            let countries = Set(all.map(\.country).filter { !$0.isEmpty }).sorted()
            let roles = [("", "Any role")] + ProfileInfo.ContactRole.allCases.map { ($0.rawValue, $0.title) }
            return self.page("directory", title: "Directory", user: user, section: "directory", [
                "rows": rows, "q": query.text ?? "", "language": query.language ?? "", "canEdit": user.role >= .admin,
                "roles": roles.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (query.role ?? "")] },
                "countries": ([("", "Any")] + countries.map { ($0, $0) }).map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (query.country ?? "")] },
            ])
        }

        group.get("/directory/:peer") { request, context -> Response in
            let user = try Self.user(context)
            guard let name = context.parameters.get("peer"), let detail = try await Directory.detail(name, store: self.node.store, selfName: self.node.name) else {
                throw AccordError(.notFound, "no pinned peer of that name")
            }
            let flash = request.uri.queryParameters.get("done") == "profile" ? "This node's new profile was signed and is on its way to every pinned peer." : nil
            return self.page("directoryEntry", title: detail.entry.name, user: user, section: "directory", flash: flash,
                             ["entry": Self.detailContext(detail, canEdit: detail.entry.isSelf && user.role >= .admin)])
        }

        group.get("/profile") { _, context -> Response in
            let user = try Self.user(context)
            return self.profilePage(ProfileForm.form(self.node.profileInfo), user: user, status: .ok)
        }

        group.post("/profile") { _, context -> Response in
            let user = try Self.user(context)
            let values = context.consoleForm ?? FormValues()
            let (info, errors) = ProfileForm.info(values)
            guard let info else {
                let blank = ProfileForm.form(self.node.profileInfo)
                return self.profilePage(
                    ProfileForm.form(self.node.profileInfo, values: values, errors: errors, general: Self.messages(errors, blank)), user: user, status: .badRequest)
            }
            do {
                let step = try await self.node.updateProfile(info)
                context.logger.notice("console: profile changed", metadata: ["account": "\(user.name)", "event": "\(step.event.id.short)"])
                return Console.redirect("/console/directory/\(self.node.name)?done=profile")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let form = ProfileForm.form(self.node.profileInfo, values: values, errors: e.field.map { [$0: e.message] } ?? [:], general: [e.message])
                return self.profilePage(form, user: user, status: Console.status(for: e.code))
            }
        }
    }

    func profilePage(_ form: FormModel, user: ConsoleUser, status: HTTPResponse.Status) -> Response {
        page("profileEdit", title: "This node's profile", user: user, section: "directory", status: status, ["form": form.context])
    }

    /// Each entry's table row, rendered (escaped) from `directoryRow` once and reused while the entry is unchanged.
    func directoryRows(_ entries: [Directory.Entry]) -> [[String: Any]] {
        let known = renderedRows.withLock { $0 }
        var made: [String: (Directory.Entry, String)] = [:]
        let rows = entries.map { e -> [String: Any] in
            if let (held, html) = known[e.name], held == e { return ["html": html] }
            let html = render("directoryRow", Self.row(e))
            made[e.name] = (e, html)
            return ["html": html]
        }
        if !made.isEmpty { renderedRows.withLock { $0.merge(made) { $1 } } }
        return rows
    }

    static func roleTitle(_ name: String) -> String { ProfileInfo.ContactRole(rawValue: name)?.title ?? name }

    static func row(_ e: Directory.Entry) -> [String: Any] {
        var row: [String: Any] = [
            "name": e.name, "isSelf": e.isSelf, "organisation": e.organisation, "country": e.country, "roles": e.roles.map(roleTitle),
            "languages": e.languages.joined(separator: ", "), "hours": e.hours, "fingerprint": e.signingKeyFingerprint,
            "fingerprintShort": String(e.signingKeyFingerprint.prefix(16)),
        ]
        if let tz = e.timeZone { row["timeZone"] = tz }
        return row
    }

    static func detailContext(_ d: Directory.Detail, canEdit: Bool) -> [String: Any] {
        let e = d.entry
        var c: [String: Any] = [
            "name": e.name, "isSelf": e.isSelf, "hasProfile": e.hasProfile, "organisation": e.organisation, "country": e.country,
            "roles": e.roles.map(roleTitle), "languages": e.languages.joined(separator: ", "), "hours": e.hours, "endpoint": e.endpoint,
            "version": e.profileVersion.map(String.init) ?? "not numbered (an earlier version of Accord)",
            "updated": e.profileUpdatedAt?.rfc3339 ?? "", "signing": e.signingKeyFingerprint, "encryption": e.encryptionKeyFingerprint ?? "",
            "canEdit": canEdit,
            "history": d.keyHistory.map { k -> [String: Any] in
                var h: [String: Any] = ["use": k.use, "fingerprint": k.fingerprint, "from": k.from?.rfc3339 ?? "", "endedBy": (k.endedBy ?? "").replacingOccurrences(of: "_", with: " ")]
                if let until = k.until { h["until"] = until.rfc3339 }
                return h
            },
        ]
        if let tz = e.timeZone { c["timeZone"] = tz }
        if let p = e.pinnedAt { c["pinnedAt"] = p.rfc3339 }
        if let s = d.delivery {
            c["delivery"] = "\(s.pending) pending, \(s.rejected) parked" + (s.lastError.map { "; last error: \($0)" } ?? "")
        }
        return c
    }
}
