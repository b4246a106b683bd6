import AccordConsole
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
            let id = try await OperatorRoutes.caseID(context, node: node)
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
            let about = EvidenceDescription(
                name: name, mediaType: mediaType, description: q["description"].map(String.init), collectedAt: collectedAt,
                collectedBy: q["collected_by"].map(String.init), method: q["method"].map(String.init))
            let limit = node.configuration.evidence.maxFileBytes
            let step: AuthoredStep
            if let declared = request.headers[.contentLength].flatMap(Int64.init), !Node.isSTIX(mediaType) {
                // Everything is checked before a byte is read, then the body is encrypted as it
                // arrives: the plaintext never touches the disk.
                let prepared = try await node.prepareEvidence(to: id, size: declared, about: about)
                for try await buffer in request.body {
                    try prepared.sealer.append(buffer.readableBytesView)
                }
                step = try await node.addEvidence(prepared)
            } else {
                // A body of unknown length, or a STIX bundle (validated whole), is staged first.
                let staging = try node.evidenceStagingPath()
                defer { try? FileManager.default.removeItem(atPath: staging) }
                try await receive(request.body, into: staging, limit: limit)
                step = try await node.addEvidence(
                    to: id, file: staging, name: name, mediaType: mediaType, description: about.description,
                    collectedAt: collectedAt, collectedBy: about.collectedBy, method: about.method)
            }
            return try JSONResponse.make(OperatorRoutes.AuthoredResponse(step), status: .created)
        }

        api.get("/cases/:id/evidence") { _, context -> Response in
            let items = try await node.evidence(inCase: try await OperatorRoutes.caseID(context, node: node))
            return JSONResponse.raw(CanonicalJSON.encode(.array(items.map(json))))
        }

        api.get("/evidence/:id") { _, context -> Response in
            JSONResponse.raw(CanonicalJSON.encode(json(try await node.evidenceItem(try await evidenceID(context, node: node)))))
        }

        api.get("/cases/:id/custody") { request, context -> Response in
            let caseID = try await OperatorRoutes.caseID(context, node: node)
            var evidence: EventID? = nil
            if let text = request.uri.queryParameters["evidence"].map(String.init) {
                do { evidence = try await node.resolveEvidence(text) } catch let e as AccordError { throw AccordError(e.code, e.message, field: "evidence") }
            }
            let entries = try await node.custody(inCase: caseID, evidence: evidence)
            return JSONResponse.raw(CanonicalJSON.encode(.array(entries.map(json))))
        }

        // A failed transfer tried again, once its cause is fixed.
        api.post("/evidence/:id/retry") { _, context -> Response in
            let id = try await evidenceID(context, node: node)
            try await node.retryEvidence(id)
            return JSONResponse.raw(CanonicalJSON.encode(json(try await node.evidenceItem(id))), status: .accepted)
        }

        // The decrypted file (this node's own copy, or one it received), streamed; recorded in
        // the chain of custody as exported (saved as a file) or, with `?disposition=inline`,
        // opened (shown).
        api.get("/evidence/:id/content") { request, context -> Response in
            let id = try await evidenceID(context, node: node)
            let inline = request.uri.queryParameters["disposition"].map(String.init)
            guard inline == nil || inline == "inline" || inline == "attachment" else {
                throw AccordError(.invalidField, "disposition is inline or attachment", field: "disposition")
            }
            let who = try context.requireIdentity().name
            return try await EvidenceResponse.make(id, node: node, by: who, inline: inline == "inline")
        }
    }

    /// The evidence named in the path: its id, or a unique prefix of at least 6 hex digits.
    static func evidenceID(_ context: AccordRequestContext, node: Node) async throws -> EventID {
        guard let text = context.parameters.get("id") else { throw AccordError(.malformed, "the path names no evidence") }
        return try await node.resolveEvidence(text)
    }

    static func json(_ entry: CustodyEntry) -> JSONValue {
        var o: [String: JSONValue] = [
            "evidence": .string(entry.evidence.hex), "action": .string(entry.action), "node": .string(entry.node),
            "at": .string(entry.at.rfc3339), "received_at": .string(entry.receivedAt.rfc3339), "event": .string(entry.event.hex),
        ]
        if let r = entry.record {
            if let peer = r.peer { o["peer"] = .string(peer) }
            if let sha = r.sha256 { o["sha256"] = .string(Encoding.hex(sha)) }
            if let bytes = r.bytes { o["bytes"] = .number(Double(bytes)) }
            if let by = r.by { o["by"] = .string(by) }
            if let reason = r.reason { o["reason"] = .string(reason) }
        }
        return .object(o)
    }

    static func json(_ p: EvidenceTransferProgress) -> JSONValue {
        var o: [String: JSONValue] = [
            "bytes": .number(Double(p.bytes)), "total": .number(Double(p.total)), "resumed_from": .number(Double(p.resumedFrom)),
            "bytes_per_second": .number(p.bytesPerSecond.rounded()), "active": .bool(p.active), "runs": .number(Double(p.runs)),
        ]
        if let left = p.secondsLeft { o["seconds_left"] = .number((left * 10).rounded() / 10) }
        if let error = p.lastError { o["last_error"] = .string(error) }
        return .object(o)
    }

    static func json(_ item: EvidenceItem) -> JSONValue {
        var o = item.metadata.body
        o.removeValue(forKey: "encryption")
        o["event"] = .string(item.event.id.hex)
        if let caseID = item.event.caseID { o["case"] = .string(caseID.hex) }
        o["author"] = .string(item.event.origin)
        o["at"] = .string(item.event.time.rfc3339)
        o["chunks"] = .number(Double(item.metadata.encryption.chunks))
        o["recipients"] = .strings(item.metadata.encryption.recipients.map(\.node))
        o["available"] = .bool(item.available)
        o["state"] = .string(item.state.rawValue)
        if let t = item.transfer { o["transfer"] = json(t) }
        if let failure = item.failure { o["failure"] = .string(failure) }
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
            do { try handle.write(contentsOf: buffer.readableBytesView) } catch {
                throw AccordError(.storage, "cannot store the upload: \(EvidenceFiles.reason(error))")
            }
        }
    }
}
