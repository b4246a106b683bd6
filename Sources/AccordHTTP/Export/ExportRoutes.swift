import AccordConsole
import AccordCore
import AccordNode
import HTTPTypes
import Hummingbird

/// The court export of a case through the operator API: `GET /api/v1/cases/{id}/export`,
/// `?format=html` (the printable record, the default) or `?format=archive` (the JSON archive
/// that `accord case verify-export` checks). Each export is recorded in the chain of custody of
/// the case's evidence, in the caller's name.
enum ExportRoutes {
    static func add(to router: Router<AccordRequestContext>, node: Node, log: LogCoordinator) {
        let api = router.group("/api/v1").add(middleware: OperatorAuthMiddleware(store: node.store))
        api.get("/cases/:id/export") { request, context -> Response in
            let format = request.uri.queryParameters["format"].map(String.init) ?? "html"
            guard format == "html" || format == "archive" else {
                throw AccordError(.invalidField, "format is html (the printable record) or archive (the JSON archive)", field: "format")
            }
            let id = try await OperatorRoutes.caseID(context, node: node)
            let who = try context.requireIdentity().name
            let export = try await CourtExport.make(id, node: node, log: log, recordedBy: who)
            context.logger.info("court export", metadata: ["case": "\(id.short)", "account": "\(who)", "format": "\(format)"])
            return export.response(format: format)
        }
    }
}
