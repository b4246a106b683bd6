import AccordCore
import AccordNode
import AccordStore
import Foundation
import HTTPTypes
import Hummingbird

extension Console {
    func addPages<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("") { _, _ in Console.redirect("/console/inbox") }

        group.get("/inbox") { request, context -> Response in
            let user = try Self.user(context)
            let q = FormValues(urlencoded: request.uri.query ?? "")
            let (incoming, outgoing) = (try InboxView.paging(q["in"], name: "in"), try InboxView.paging(q["out"], name: "out"))
            let inbox = try await InboxView.build(node: self.node, incoming: incoming, outgoing: outgoing).forViewer(csrf: user.csrf, role: user.role)
            return self.page("inbox", title: "Inbox", user: user, section: "inbox", [
                "incoming": InboxView.context(inbox.incoming, param: "in", other: ("out", q["out"])),
                "outgoing": InboxView.context(inbox.outgoing, param: "out", other: ("in", q["in"])),
            ])
        }

        group.get("/cases") { request, context -> Response in
            let user = try Self.user(context)
            // A GET form's query is form-encoded: a space arrives as "+".
            let q = FormValues(urlencoded: request.uri.query ?? "")
            let status = q["status"].flatMap(CaseState.Status.init(rawValue:))
            let kind = q["kind"].flatMap(CaseKind.init(rawValue:))
            let text = (q["q"] ?? "").trimmingCharacters(in: .whitespaces)
            let offset = try Self.offset(q, "offset")
            let found = try await self.findCases(status: status, kind: kind, text: text, offset: offset)
            let rows = found.map { c -> [String: Any] in
                let parties = c.parties.keys.sorted().map { "\($0): \(c.parties[$0]!.status.rawValue.replacingOccurrences(of: "_", with: " "))" }
                return ["id": c.id.hex, "short": c.id.short, "title": c.title, "kind": c.kind.title, "status": c.status.rawValue, "urgent": c.urgent, "exercise": c.isExercise,
                        "parties": "\(c.initiator) → \(parties.joined(separator: ", "))", "updated": c.updatedAt.rfc3339]
            }
            let statuses = [("", "Any")] + [CaseState.Status.open, .withdrawn, .closed].map { ($0.rawValue, $0.rawValue) }
            let kinds = [("", "Any")] + CaseKind.allCases.map { ($0.rawValue, $0.title) }
            // The same filters, another page.
            func link(_ offset: Int) -> String {
                var c = URLComponents()
                c.queryItems = [("q", text), ("status", status?.rawValue ?? ""), ("kind", kind?.rawValue ?? ""), ("offset", String(offset))].map { URLQueryItem(name: $0.0, value: $0.1) }
                return "/console/cases?" + (c.percentEncodedQuery ?? "")
            }
            var pager: [String: Any] = ["paged": offset > 0 || found.count == Self.casesPerPage]
            if offset > 0 { pager["previous"] = link(max(0, offset - Self.casesPerPage)) }
            if found.count == Self.casesPerPage { pager["next"] = link(offset + found.count) }
            return self.page("cases", title: "Cases", user: user, section: "cases", [
                "rows": rows, "q": text, "pager": pager,
                "statuses": statuses.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (status?.rawValue ?? "")] },
                "kinds": kinds.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == (kind?.rawValue ?? "")] },
            ])
        }

        group.get("/cases/new") { request, context -> Response in
            let user = try Self.user(context)
            let kind = request.uri.queryParameters.get("kind").flatMap(CaseKind.init(rawValue:)) ?? .preservation
            return try await self.openPage(kind: kind, user: user, form: OpenCaseForm.form(kind: kind, peers: try await self.peerNames()), status: .ok)
        }

        group.post("/cases") { _, context -> Response in
            let user = try Self.user(context)
            let values = context.consoleForm ?? FormValues()
            guard let kind = values["kind"].flatMap(CaseKind.init(rawValue:)) else {
                throw AccordError(.invalidField, "choose a kind of case", field: "kind")
            }
            let peers = try await self.peerNames()
            let (request, errors) = OpenCaseForm.request(kind: kind, values: values)
            guard let request else {
                let form = OpenCaseForm.form(kind: kind, peers: peers, values: values, errors: errors, general: Self.messages(errors, OpenCaseForm.form(kind: kind, peers: peers)))
                return try await self.openPage(kind: kind, user: user, form: form, status: .badRequest)
            }
            do {
                let step = try await self.node.open(request)
                context.logger.info("console: case opened", metadata: ["account": "\(user.name)", "case": "\(step.event.id.short)"])
                return Console.redirect("/console/cases/\(step.event.id.hex)?done=open")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let key = e.field.map { $0.hasPrefix("fields.") ? "f." + $0.dropFirst(7) : $0 }
                let form = OpenCaseForm.form(kind: kind, peers: peers, values: values, errors: key.map { [$0: e.message] } ?? [:], general: [e.message])
                return try await self.openPage(kind: kind, user: user, form: form, status: Console.status(for: e.code))
            }
        }

        group.get("/cases/:id") { request, context -> Response in
            let user = try Self.user(context)
            let id = try Self.caseID(context)
            let done = request.uri.queryParameters.get("done").flatMap { name -> String? in
                switch name {
                case "open": return "The case was signed and sent."
                case "evidence": return "The file was encrypted for the case's parties; its record was signed and sent."
                default: return EventType(stepName: name).map { "Signed and sent: \(StepForms.titles[$0] ?? name)." }
                }
            }
            return try await self.casePage(id, user: user, flash: done)
        }

        group.post("/cases/:id/steps") { _, context -> Response in
            let user = try Self.user(context)
            let id = try Self.caseID(context)
            let values = context.consoleForm ?? FormValues()
            guard let name = values["type"], let type = EventType(stepName: name) else {
                throw AccordError(.invalidField, "not a step of a case", field: "type")
            }
            guard let state = try await self.node.store.caseState(id) else { throw AccordError(.unknownCase, "this node holds no case \(id.short)") }
            let (body, errors) = StepForms.body(type, state: state, values: values)
            if !errors.isEmpty {
                let blank = StepForms.form(type, state: state, me: self.node.name)
                let form = StepForms.form(type, state: state, me: self.node.name, values: values, errors: errors, general: Self.messages(errors, blank))
                return try await self.casePage(id, user: user, replacing: form, status: .badRequest)
            }
            do {
                let step = try await self.node.step(type, in: id, body: body)
                context.logger.info("console: case step", metadata: ["account": "\(user.name)", "case": "\(id.short)", "type": "\(type.rawValue)", "event": "\(step.event.id.short)"])
                return Console.redirect("/console/cases/\(id.hex)?done=\(name)")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let form = StepForms.form(type, state: state, me: self.node.name, values: values, errors: e.field.map { [$0: e.message] } ?? [:], general: [e.message])
                return try await self.casePage(id, user: user, replacing: form, status: Console.status(for: e.code))
            }
        }
    }

    static func user<Context: ConsoleRequestContext>(_ context: Context) throws -> ConsoleUser {
        guard let user = context.consoleUser else { throw AccordError(.unauthorized, "sign in first") }
        return user
    }

    static func caseID<Context: ConsoleRequestContext>(_ context: Context) throws -> EventID {
        guard let text = context.parameters.get("id"), let id = EventID(hex: text) else {
            throw AccordError(.notFound, "no such case: a case id is 64 lowercase hex digits")
        }
        return id
    }

    /// Every problem as a sentence naming the field's label, in the form's order.
    static func messages(_ errors: [String: String], _ form: FormModel) -> [String] {
        var out: [String] = []
        for f in form.fields { if let e = errors[f.name] { out.append("\(f.label): \(e)") } }
        for (k, e) in errors.sorted(by: { $0.key < $1.key }) where !form.fields.contains(where: { $0.name == k }) { out.append("\(k): \(e)") }
        return out
    }

    func peerNames() async throws -> [String] { try await node.store.peers().map(\.name) }

    /// Cases for the list page. The seam for full-text search: today it filters the latest cases
    /// of the store's listing by title; a search index replaces this one function.
    /// The latest 200 cases matching the filters; `text` is searched in the full text of every
    /// case (SQLite FTS5, as `GET /api/v1/cases?q=`), or names a case by the start of its id.
    /// Rows on one page of the case list.
    static let casesPerPage = 50

    /// A page offset from the query (`name`), 0 when absent.
    static func offset(_ q: FormValues, _ name: String) throws -> Int {
        guard let text = q[name] else { return 0 }
        guard let n = Int(text), n >= 0, n <= 10_000_000 else { throw AccordError(.invalidField, "\(name) must be a whole number of items to skip", field: name) }
        return n
    }

    func findCases(status: CaseState.Status?, kind: CaseKind?, text: String, offset: Int) async throws -> [CaseState] {
        let limit = Self.casesPerPage
        guard !text.isEmpty else { return try await node.store.cases(CaseQuery(status: status, kind: kind, limit: limit, offset: offset)) }
        if offset == 0, text.count >= 6, text.allSatisfy(\.isHexDigit), let id = try? await node.resolveCase(text.lowercased()),
            let state = try await node.store.caseState(id), status.map({ $0 == state.status }) ?? true, kind.map({ $0 == state.kind }) ?? true
        {
            return [state]
        }
        return try await node.store.cases(CaseQuery(status: status, kind: kind, limit: limit, offset: offset, search: text))
    }

    func openPage(kind: CaseKind, user: ConsoleUser, form: FormModel, status: HTTPResponse.Status) async throws -> Response {
        page("open", title: "Open a case", user: user, section: "open", status: status, [
            "kinds": CaseKind.allCases.map { ["value": $0.rawValue, "label": $0.title, "selected": $0 == kind] },
            "form": form.context,
        ])
    }

    /// A case with its forms; `replacing` is a submitted form shown again with its problems.
    func casePage(_ id: EventID, user: ConsoleUser, flash: String? = nil, replacing: FormModel? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let view = try await CaseView.build(id, node: node)
        guard let state = try await node.store.caseState(id) else { throw AccordError(.unknownCase, "this node holds no case \(id.short)") }
        var forms: [[String: Any]] = []
        var readOnly: String? = nil
        if user.role >= .officer {
            for type in StepForms.allowed(state, me: node.name, now: node.time.now()) {
                let form = replacing.flatMap { $0.id == "step-\(StepForms.stepName(type))" ? $0 : nil } ?? StepForms.form(type, state: state, me: node.name)
                forms.append(form.context)
            }
            if state.participants.contains(node.name) {
                forms.append((replacing.flatMap { $0.id == EvidenceForm.id ? $0 : nil } ?? EvidenceForm.form(id)).context)
            }
            if let replacing, !forms.contains(where: { ($0["id"] as? String) == replacing.id }) { forms.insert(replacing.context, at: 0) }
        } else {
            readOnly = "Your role (\(user.role.rawValue)) reads cases; only an officer or admin signs steps."
        }
        var context: [String: Any] = ["view": view, "forms": forms]
        if let readOnly { context["readOnly"] = readOnly }
        let evidence = try await evidenceRows(id, canDownload: user.role >= .officer)
        if !evidence.isEmpty {
            context["hasEvidence"] = true
            context["evidence"] = evidence
            if user.role < .officer { context["downloadNote"] = "Your role (\(user.role.rawValue)) sees evidence files' records; an officer or admin opens them." }
        }
        return page("case", title: view.title, user: user, section: "cases", flash: flash, status: status, context)
    }
}
