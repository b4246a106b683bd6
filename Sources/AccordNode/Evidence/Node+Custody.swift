import AccordCore
import AccordEvidence
import AccordStore
import Foundation

/// A link in an evidence file's chain of custody: its attachment, or an `evidence.custody`
/// event — who (the signing node, and the operator where one acted), what, and when.
public struct CustodyEntry: Sendable {
    /// The `evidence.file_added` event.
    public var evidence: EventID
    /// `added`, or a custody action.
    public var action: String
    public var node: String
    /// When the node says it happened (the signed time), and when this node learnt of it.
    public var at: Timestamp
    public var receivedAt: Timestamp
    /// The event that records it.
    public var event: EventID
    public var record: EvidenceCustody?
}

extension Node {
    /// Signs, logs and sends to the case's other parties one step in an evidence file's chain
    /// of custody.
    @discardableResult
    public func recordCustody(_ custody: EvidenceCustody) async throws -> Event {
        guard let stored = try await store.event(custody.evidence), stored.event.type == .evidenceAdded, let caseID = stored.event.caseID else {
            throw AccordError(.notFound, "this node holds no evidence \(custody.evidence.hex)")
        }
        guard let state = try await currentState(caseID) else { throw AccordError(.unknownCase, "this node holds no case \(caseID.hex)") }
        let to = state.participants.filter { $0 != name }
        let (event, ticket) = try await caseLock.withLock {
            let epoch = commits.epoch
            let event = Event.sign(type: .evidenceCustody, origin: name, to: to, caseID: caseID, time: time.now(), body: custody.body, keys: keys)
            return (event, try commits.enqueue(AuthoredCommit(event: event, caseState: nil), epoch: epoch))
        }
        _ = try await committed(ticket)
        logger.info("evidence custody", metadata: ["evidence": "\(custody.evidence.short)", "action": "\(custody.action.rawValue)"])
        wakeDelivery(for: to)
        return event
    }

    /// Records custody without failing the caller: the file has already moved or been read,
    /// and a record that cannot be written is logged for the operator.
    public func recordCustodyLogged(_ custody: EvidenceCustody) async {
        do { try await recordCustody(custody) } catch {
            logger.error("cannot record evidence custody", metadata: ["evidence": "\(custody.evidence.short)", "action": "\(custody.action.rawValue)", "error": "\(error)"])
        }
    }

    /// The chain of custody of a case's evidence (or one file's), oldest first, as this node holds it.
    public func custody(inCase caseID: EventID, evidence: EventID? = nil) async throws -> [CustodyEntry] {
        guard try await store.caseState(caseID) != nil else { throw AccordError(.unknownCase, "this node holds no case \(caseID.hex)") }
        var entries: [CustodyEntry] = []
        for stored in try await store.events(inCase: caseID) {
            let e = stored.event
            switch e.type {
            case .evidenceAdded where evidence == nil || evidence == e.id:
                entries.append(CustodyEntry(evidence: e.id, action: "added", node: e.origin, at: e.time, receivedAt: stored.receivedAt, event: e.id, record: nil))
            case .evidenceCustody:
                guard let c = try? EvidenceCustody(body: e.body), evidence == nil || evidence == c.evidence else { continue }
                entries.append(CustodyEntry(evidence: c.evidence, action: c.action.rawValue, node: e.origin, at: e.time, receivedAt: stored.receivedAt, event: e.id, record: c))
            default:
                continue
            }
        }
        if let evidence, !entries.contains(where: { $0.event == evidence }) {
            throw AccordError(.notFound, "case \(caseID.short) has no evidence \(evidence.hex)")
        }
        return entries
    }

    /// One line for a case's timeline.
    static func custodySummary(_ event: Event) -> String {
        guard let c = try? EvidenceCustody(body: event.body) else { return event.type.rawValue }
        var line = "evidence \(c.evidence.short) \(c.action.rawValue)"
        if let peer = c.peer { line += c.action == .sent ? " to \(peer)" : " from \(peer)" }
        if let by = c.by { line += " by \(by)" }
        if let reason = c.reason { line += " (\(reason))" }
        return line
    }
}

/// A custody record from a party to the case, about evidence of that case.
struct CustodyHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        let caseID = try await context.requireCaseParties(event, what: "a custody record", plural: "custody records")
        let custody = try EvidenceCustody(body: event.body)
        // Evidence from another party may still be on its way; a known one must be this case's.
        if let evidence = try await context.node.store.event(custody.evidence) {
            guard evidence.event.type == .evidenceAdded, evidence.event.caseID == caseID else {
                throw AccordError(.invalidField, "\(custody.evidence.short) is not evidence of case \(caseID.short)", field: "evidence")
            }
        }
    }
}
