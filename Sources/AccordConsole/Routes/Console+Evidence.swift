import AccordCore
import AccordEvidence
import AccordNode
import Foundation
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
