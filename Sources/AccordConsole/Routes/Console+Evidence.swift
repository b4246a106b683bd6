import AccordCore
import AccordEvidence
import AccordNode
import Foundation
import HTTPTypes
import Hummingbird

/// Evidence files on a case's page: each file's record, its state on this node and its chain of
/// custody; officers download the decrypted file, recorded as exported in their name.
extension Console {
    func addEvidence<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/evidence/:evidence") { _, context -> Response in
            let user = try Self.user(context)
            guard let text = context.parameters.get("evidence") else { throw AccordError(.notFound, "no such evidence") }
            let id = try await self.node.resolveEvidence(text)
            let item = try await self.node.evidenceItem(id)
            guard item.available else {
                throw AccordError(.conflict, "\(item.metadata.name) is not on this node (\(Self.stateText(item))): nothing to download")
            }
            context.logger.info("console: evidence exported", metadata: ["account": "\(user.name)", "evidence": "\(id.short)"])
            return try await EvidenceResponse.make(id, node: self.node, by: user.name, inline: false)
        }
    }

    /// `POST /console/cases/{id}/evidence`: the attach form. Every check (the case, this node's
    /// part in it, the parties' keys, the size and disk limits, the record's fields) is made before
    /// a byte of the file is read; the file is then encrypted as it arrives (a STIX bundle is
    /// staged and validated whole first). A form that fails comes back with its values and the
    /// problem named; nothing is kept.
    func addEvidenceUpload<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.post("/cases/:id/evidence") { _, context -> Response in
            let user = try Self.user(context)
            let id = try Self.caseID(context)
            guard let upload = context.consoleUpload else {
                throw AccordError(.unsupportedType, "attach a file with the form on the case's page (multipart/form-data)")
            }
            let values = upload.fields
            func refused(_ errors: [String: String], general: [String], status: HTTPResponse.Status) async throws -> Response {
                let form = EvidenceForm.form(id, values: values, errors: errors, general: general)
                return try await self.casePage(id, user: user, replacing: form, status: status)
            }
            let (about, errors) = EvidenceForm.description(values, filename: upload.filename, browserType: upload.contentType)
            guard let about else {
                return try await refused(errors, general: Self.messages(errors, EvidenceForm.form(id)), status: .badRequest)
            }
            do {
                let step: AuthoredStep
                if Node.isSTIX(about.mediaType) {
                    guard upload.size <= Node.maxSTIXBundleBytes else {
                        throw AccordError(.tooLarge, "a STIX bundle attached as evidence is checked whole and may be at most \(Node.maxSTIXBundleBytes) bytes; this one is \(upload.size)", field: "file")
                    }
                    let staging = try self.node.evidenceStagingPath()
                    defer { try? FileManager.default.removeItem(atPath: staging) }
                    try await upload.write(to: staging)
                    step = try await self.node.addEvidence(
                        to: id, file: staging, name: about.name, mediaType: about.mediaType, description: about.description,
                        collectedAt: about.collectedAt, collectedBy: about.collectedBy, method: about.method)
                } else {
                    let prepared = try await self.node.prepareEvidence(to: id, size: upload.size, about: about)
                    try await upload.read { piece in try prepared.sealer.append(piece.readableBytesView) }
                    step = try await self.node.addEvidence(prepared)
                }
                context.logger.info("console: evidence added", metadata: ["account": "\(user.name)", "case": "\(id.short)", "event": "\(step.event.id.short)", "bytes": "\(upload.size)"])
                return Console.redirect("/console/cases/\(id.hex)?done=evidence")
            } catch let e as AccordError where Console.status(for: e.code) != .internalServerError {
                let field = EvidenceForm.field(e.field)
                return try await refused(field.map { [$0: e.message] } ?? [:], general: [e.message], status: Console.status(for: e.code))
            }
        }
    }

    func evidenceRows(_ caseID: EventID, canDownload: Bool) async throws -> [[String: Any]] {
        let items = try await node.evidence(inCase: caseID)
        guard !items.isEmpty else { return [] }
        let custody = Dictionary(grouping: try await node.custody(inCase: caseID), by: \.evidence)
        return items.map { item in
            let m = item.metadata
            let sha = Encoding.hex(m.sha256)
            let trail = custody[item.event.id] ?? []
            var row: [String: Any] = [
                "id": item.event.id.hex, "short": item.event.id.short, "name": m.name, "mediaType": m.mediaType, "size": Self.bytesText(m.size),
                "sha256": sha, "sha256Short": String(sha.prefix(16)), "origin": item.event.origin, "addedAt": item.event.time.rfc3339,
                "state": Self.stateText(item), "canDownload": canDownload && item.available, "custodyCount": trail.count,
                "custody": trail.map { e -> [String: Any] in
                    var c: [String: Any] = ["at": e.at.rfc3339, "action": e.action, "node": e.node]
                    if let by = e.record?.by { c["by"] = by }
                    return c
                },
            ]
            if let d = m.description { row["description"] = d }
            return row
        }
    }

    static func stateText(_ item: EvidenceItem) -> String {
        switch item.state {
        case .available: return "available, verified"
        case .queued: return "waiting to be fetched"
        case .transferring:
            guard let t = item.transfer, t.total > 0 else { return "arriving" }
            return "arriving: \(t.bytes * 100 / t.total) %"
        case .failed: return "failed: " + (item.failure ?? "it did not verify")
        case .purged: return "purged (the record and hash stay)"
        }
    }

    static func bytesText(_ n: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
