import AccordCore
import AccordNode
import HTTPTypes
import Hummingbird

extension Console {
    /// The court export of a case from its page: the printable record (opened in the browser)
    /// or, with `?format=archive`, the JSON archive as a download. Recorded in the custody of the
    /// case's evidence in the person's name.
    func addExport<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/cases/:id/export") { request, context -> Response in
            let user = try Self.user(context)
            let id = try Self.caseID(context)
            let format = request.uri.queryParameters.get("format") ?? "html"
            guard format == "html" || format == "archive" else {
                throw AccordError(.invalidField, "format is html (the printable record) or archive (the JSON archive)", field: "format")
            }
            guard let log = self.log else { throw AccordError(.unavailable, "this console has no access to the node's log; use accord case export") }
            let export = try await CourtExport.make(id, node: self.node, log: log, recordedBy: user.name)
            context.logger.info("console: court export", metadata: ["account": "\(user.name)", "case": "\(id.short)", "format": "\(format)"])
            return export.response(format: format)
        }
    }
}

extension CourtExport {
    /// The record (inline, under a policy that forbids scripts and requests) or the archive
    /// (a download), named after the case.
    public func response(format: String) -> Response {
        var headers = HTTPFields()
        let bytes: [UInt8]
        if format == "archive" {
            bytes = archiveBytes
            headers[.contentType] = "application/json"
            headers[.contentDisposition] = "attachment; filename=\"\(baseName).accord.json\""
        } else {
            bytes = Array(html.utf8)
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.contentDisposition] = "inline; filename=\"\(baseName).html\""
            headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'"
        }
        headers[.xContentTypeOptions] = "nosniff"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
