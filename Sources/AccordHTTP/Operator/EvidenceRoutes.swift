import AccordCore
import AccordEvidence
import AccordNode
import Foundation
import Hummingbird
import NIOCore

/// Evidence files through the operator API. Uploads and downloads stream through files on
/// disk: no request holds a whole evidence file in memory.
enum EvidenceRoutes {
    static func add(to api: RouterGroup<AccordRequestContext>, node: Node) {
        // Attaches the request body as a file: POST /cases/{id}/evidence?name=…&media_type=…
        // [&description=…&collected_at=…&collected_by=…&method=…]
        api.post("/cases/:id/evidence") { request, context -> Response in
            let id = try OperatorRoutes.caseID(context)
            let q = request.uri.queryParameters
            guard let name = q["name"].map(String.init), !name.isEmpty else {
                throw AccordError(.missingField, "name the file: ?name=firewall.log", field: "name")
            }
            let mediaType = q["media_type"].map(String.init) ?? "application/octet-stream"
            var collectedAt: Timestamp? = nil
            if let t = q["collected_at"].map(String.init) {
                guard let parsed = Timestamp(rfc3339: t) else { throw AccordError(.invalidField, "collected_at is an RFC 3339 UTC time", field: "collected_at") }
                collectedAt = parsed
            }
            if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > Node.evidenceMaxBytes {
                throw AccordError(.tooLarge, "the file is \(declared) bytes; evidence files are at most \(Node.evidenceMaxBytes) bytes")
            }
            let staging = try node.evidenceStagingPath()
            defer { try? FileManager.default.removeItem(atPath: staging) }
            try await receive(request.body, into: staging, limit: Node.evidenceMaxBytes)
            let step = try await node.addEvidence(
                to: id, file: staging, name: name, mediaType: mediaType, description: q["description"].map(String.init),
                collectedAt: collectedAt, collectedBy: q["collected_by"].map(String.init), method: q["method"].map(String.init))
            return try JSONResponse.make(OperatorRoutes.AuthoredResponse(step), status: .created)
        }

        api.get("/cases/:id/evidence") { _, context -> Response in
            let items = try await node.evidence(inCase: try OperatorRoutes.caseID(context))
            return JSONResponse.raw(CanonicalJSON.encode(.array(items.map(json))))
        }

        // The decrypted file (this node's own copy, or one it received), streamed.
        api.get("/evidence/:id/content") { _, context -> Response in
            guard let text = context.parameters.get("id"), let id = EventID(hex: text) else {
                throw AccordError(.malformed, "an evidence id is 64 lowercase hex digits")
            }
            let output = try node.evidenceStagingPath()
            let metadata: EvidenceMetadata
            do { metadata = try await node.exportEvidence(id, to: output) } catch {
                try? FileManager.default.removeItem(atPath: output)
                throw error
            }
            guard let handle = FileHandle(forReadingAtPath: output) else { throw AccordError(.storage, "cannot read the decrypted file") }
            // The name stays reachable only through the open handle.
            try? FileManager.default.removeItem(atPath: output)
            let body = ResponseBody(asyncSequence: FileChunks(handle: handle))
            var headers = HTTPFields()
            headers[.contentType] = metadata.mediaType
            headers[.contentLength] = String(metadata.size)
            headers[.contentDisposition] = "attachment; filename=\"\(metadata.name.replacingOccurrences(of: "\"", with: "_"))\""
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    static func json(_ item: EvidenceItem) -> JSONValue {
        var o = item.metadata.body
        o.removeValue(forKey: "encryption")
        o["event"] = .string(item.event.id.hex)
        o["author"] = .string(item.event.origin)
        o["at"] = .string(item.event.time.rfc3339)
        o["chunks"] = .number(Double(item.metadata.encryption.chunks))
        o["recipients"] = .strings(item.metadata.encryption.recipients.map(\.node))
        o["available"] = .bool(item.available)
        return .object(o)
    }

    /// Writes a request body to `path` (owner-only) as it arrives, refusing more than `limit` bytes.
    static func receive(_ body: RequestBody, into path: String, limit: Int64) async throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw AccordError(.storage, "cannot stage the upload") }
        defer { try? handle.close() }
        var total: Int64 = 0
        for try await buffer in body {
            total += Int64(buffer.readableBytes)
            guard total <= limit else { throw AccordError(.tooLarge, "the file is larger than the \(limit) bytes evidence files may have") }
            try handle.write(contentsOf: buffer.readableBytesView)
        }
    }
}
