import AccordCore
import AccordEvidence
import AccordStore
import Foundation

extension Node {
    /// Deletes this node's copies of the evidence of cases closed or withdrawn more than
    /// `evidence.retention_days` ago. The attachment and its SHA-256 stay in the case; each
    /// deletion is a signed `purged` custody record. Returns the evidence purged.
    @discardableResult
    public func purgeExpiredEvidence() async throws -> [EventID] {
        let days = configuration.evidence.retentionDays
        guard days > 0 else { return [] }
        return try await evidencePurgeLock.withLock { try await purgeEvidence(olderThan: days) }
    }

    func purgeEvidence(olderThan days: Int) async throws -> [EventID] {
        let now = time.now()
        var purged: [EventID] = []
        var states: [EventID: CaseState?] = [:]
        for stored in try await store.events(ofType: EventType.evidenceAdded.rawValue) {
            guard let caseID = stored.event.caseID else { continue }
            if states[caseID] == nil { states[caseID] = try await store.caseState(caseID) }
            guard let state = states[caseID] ?? nil, state.status != .open else { continue }
            let expires = state.updatedAt.milliseconds + Int64(days) * 86_400_000
            guard now.milliseconds >= expires else { continue }
            let item = try evidenceItem(stored.event, purged: false)
            let path = try evidencePath(item.metadata, event: stored.event.id)
            let files = [path, path + ".partial", path + ".failed"].filter { FileManager.default.fileExists(atPath: $0) }
            guard !files.isEmpty else { continue }
            // Already purged (a record exists) but a file came back: remove it without a second record.
            let recorded = try await evidence(inCase: caseID).first { $0.event.id == stored.event.id }?.state == .purged
            for file in files { try? FileManager.default.removeItem(atPath: file) }
            evidenceTransfers.remove(stored.event.id)
            // The content's directory goes once no case holds the content (rmdir removes only an empty one).
            _ = rmdir((path as NSString).deletingLastPathComponent)
            if !recorded {
                try await recordCustody(EvidenceCustody(
                    evidence: stored.event.id, action: .purged,
                    reason: "retention: case \(state.status.rawValue) at \(state.updatedAt.rfc3339), kept \(days) days"))
            }
            purged.append(stored.event.id)
        }
        if !purged.isEmpty { logger.info("evidence purged", metadata: ["files": "\(purged.count)"]) }
        return purged
    }
}
