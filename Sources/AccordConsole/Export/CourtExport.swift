import AccordCore
import AccordEvidence
import AccordLog
import AccordNode
import AccordStore

/// A court export of one case: the machine-readable archive (`CaseArchive`) and the printable,
/// self-contained HTML record made from the same case view the console shows, with the archive
/// embedded. One builder for the console, the API and `accord case export`.
public struct CourtExport: Sendable {
    public var archive: CaseArchive
    public var view: CaseView
    /// The exporting node's own check of the archive, with its pinned keys and quorum.
    public var report: CaseArchiveVerifier.Report

    public var archiveBytes: [UInt8] { archive.bytes }
    public var html: String { CourtRecordHTML.render(self) }
    /// A file name for the case, without extension: `case-1a2b3c4d5e6f`.
    public var baseName: String { "case-\(archive.caseID.short)" }

    /// Builds the export of case `caseID`. Events whose proof is missing (a checkpoint not yet
    /// cosigned, a receipt not yet fetched) make the node ask its peers once for all of them;
    /// what is still missing is exported without a proof, saying why, and fails verification.
    /// With `recordedBy` (the operator account), each evidence file of the case gets an
    /// `exported` custody record once the export is made.
    public static func make(_ caseID: EventID, node: Node, log: LogCoordinator, recordedBy: String? = nil) async throws -> CourtExport {
        let view = try await CaseView.build(caseID, node: node)
        let events = try await node.store.events(inCase: caseID)
        var proofs: [EventID: ProofBundle] = [:]
        var missing: [EventID: String] = [:]
        func collect(_ ids: [EventID]) async throws {
            for id in ids {
                do {
                    proofs[id] = try await log.bundle(for: id, obtainMissing: false)
                    missing[id] = nil
                } catch let e as AccordError where e.code == .conflict || e.code == .unknownPeer {
                    missing[id] = e.message
                }
            }
        }
        try await collect(events.map(\.event.id))
        if !missing.isEmpty {
            let ids = Array(missing.keys)
            let own = events.contains { missing[$0.event.id] != nil && $0.logIndex != nil }
            if own { _ = try? await log.checkpointRound(ignoringBackoff: true) }
            if events.contains(where: { missing[$0.event.id] != nil && $0.logIndex == nil }) {
                _ = await log.fetchReceipts(ignoringBackoff: true)
            }
            try await collect(ids)
        }

        let steps = Dictionary(view.steps.map { ($0.event, $0) }, uniquingKeysWith: { a, _ in a })
        let entries = events.map { stored in
            let e = stored.event
            return CaseArchive.Entry(
                event: e, proof: proofs[e.id], unproven: missing[e.id], receivedAt: stored.receivedAt,
                deliveries: (steps[e.id.hex]?.deliveries ?? []).map { CaseArchive.Delivery(peer: $0.peer, state: $0.state) })
        }
        // The keys this node trusts, for the reader to compare out of band (never used to verify).
        var trusted: [String: PublicSigningKey] = [node.name: node.keys.publicSigningKey]
        for p in try await node.store.peers() { trusted[p.name] = p.signingKey }
        let participants = Set(events.map(\.event.origin) + view.addressees + [view.initiator])
        var keys: [ProofBundle.Key] = []
        for name in trusted.keys.sorted() {
            keys.append(ProofBundle.Key(name: name, role: participants.contains(name) ? "origin" : "witness", key: trusted[name]!))
        }
        let archive = CaseArchive(caseID: caseID, exportedAt: node.time.now(), exportedBy: node.name, entries: entries, keys: keys)
        let report = CaseArchiveVerifier(policy: TrustPolicy(trusting: trusted, quorum: node.configuration.log.witnessQuorum)).verify(archive)

        if let recordedBy {
            for e in events where e.event.type == .evidenceAdded {
                await node.recordCustodyLogged(EvidenceCustody(
                    evidence: e.event.id, action: .exported, by: recordedBy,
                    reason: "court export of case \(caseID.short): its metadata, SHA-256 and custody, not its content"))
            }
        }
        return CourtExport(archive: archive, view: view, report: report)
    }
}
