import AccordCore
import AccordEvidence
import AccordStore
import Foundation

/// An evidence file attached to a case, as this node knows it.
public struct EvidenceItem: Sendable {
    public var event: Event
    public var metadata: EvidenceMetadata
    /// The encrypted file is on this node's disk.
    public var available: Bool
}

extension Node {
    /// The largest evidence file a node takes (2 GiB).
    public static let evidenceMaxBytes: Int64 = 2 << 30

    /// `<data>/evidence`, owner-only.
    func evidenceDirectory() throws -> String {
        guard let directory else { throw AccordError(.configuration, "evidence files need a data directory") }
        let path = directory.url.appendingPathComponent("evidence").path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw AccordError(.storage, "cannot create \(path): \(error)")
        }
        return path
    }

    /// A fresh path in the evidence directory for a file on its way in or out (an upload, a
    /// decrypted copy being served); the caller removes it.
    public func evidenceStagingPath() throws -> String {
        try evidenceDirectory() + "/incoming-\(UUID().uuidString)"
    }

    /// Where the encrypted copy of an evidence event is kept, content-addressed:
    /// `evidence/<SHA-256 of the plaintext>/<event id>.enc` (one file may be attached to several
    /// cases, each encrypted for that case's parties).
    func evidencePath(_ metadata: EvidenceMetadata, event: EventID) throws -> String {
        try evidenceDirectory() + "/\(Encoding.hex(metadata.sha256))/\(event.hex).enc"
    }

    /// Attaches a file to a case: encrypts it for this node and every other party of the case
    /// (docs/protocol.md §12), keeps the encrypted copy, and signs, logs and delivers an
    /// `evidence.file_added` event with its metadata.
    public func addEvidence(
        to caseID: EventID, file: String, name: String, mediaType: String, description: String? = nil,
        collectedAt: Timestamp? = nil, collectedBy: String? = nil, method: String? = nil
    ) async throws -> AuthoredStep {
        guard let state = try await currentState(caseID) else { throw AccordError(.unknownCase, "this node holds no case \(caseID.hex)") }
        guard state.participants.contains(self.name) else { throw AccordError(.forbidden, "\(self.name) is not a party to case \(caseID.short)") }
        let to = state.participants.filter { $0 != self.name }
        var recipients: [(node: String, key: PublicEncryptionKey)] = [(self.name, keys.publicEncryptionKey)]
        for party in to {
            guard let peer = try await store.peer(named: party) else { throw AccordError(.unknownPeer, "\(party), a party to the case, is not a pinned peer") }
            recipients.append((party, peer.encryptionKey))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int).flatMap { $0 }
        guard let size else { throw AccordError(.notFound, "cannot read \(file)") }
        guard Int64(size) <= Self.evidenceMaxBytes else {
            throw AccordError(.tooLarge, "\(file) is \(size) bytes; evidence files are at most \(Self.evidenceMaxBytes) bytes")
        }
        let staging = try evidenceStagingPath()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let (header, sha) = try EvidenceFiles.encrypt(input: file, output: staging, recipients: recipients)
        let metadata = EvidenceMetadata(
            name: name, mediaType: mediaType, size: header.size, sha256: sha, description: description, collectedAt: collectedAt,
            collectedBy: collectedBy, method: method, encryption: header)
        // Refused before signing by the rules every receiver applies.
        _ = try EvidenceMetadata(body: metadata.body)
        let (event, ticket) = try await caseLock.withLock {
            let epoch = commits.epoch
            let event = Event.sign(type: .evidenceAdded, origin: self.name, to: to, caseID: caseID, time: time.now(), body: metadata.body, keys: keys)
            // The encrypted copy is in place before the event can be committed.
            let path = try evidencePath(metadata, event: event.id)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard rename(staging, path) == 0 else { throw AccordError(.storage, "cannot move the encrypted file into \(path)") }
            do {
                return (event, try commits.enqueue(AuthoredCommit(event: event, caseState: nil), epoch: epoch))
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
        }
        let index = try await committed(ticket)
        logger.info("evidence added", metadata: ["case": "\(caseID.short)", "event": "\(event.id.short)", "bytes": "\(header.size)"])
        wakeDelivery(for: to)
        return AuthoredStep(event: event, state: state, logIndex: index, summary: Self.evidenceSummary(event))
    }

    /// One line for a case's timeline: the file's name, size and the start of its SHA-256.
    static func evidenceSummary(_ event: Event) -> String {
        guard let m = try? EvidenceMetadata(body: event.body) else { return event.type.rawValue }
        return "evidence \(m.name) (\(m.mediaType), \(m.size) bytes, SHA-256 \(Encoding.hex(m.sha256).prefix(16))…)"
    }

    /// The evidence attached to a case, oldest first.
    public func evidence(inCase caseID: EventID) async throws -> [EvidenceItem] {
        guard try await store.caseState(caseID) != nil else { throw AccordError(.unknownCase, "this node holds no case \(caseID.hex)") }
        var items: [EvidenceItem] = []
        for stored in try await store.events(inCase: caseID) where stored.event.type == .evidenceAdded {
            let metadata = try EvidenceMetadata(body: stored.event.body)
            let available = FileManager.default.fileExists(atPath: try evidencePath(metadata, event: stored.event.id))
            items.append(EvidenceItem(event: stored.event, metadata: metadata, available: available))
        }
        return items
    }

    /// Decrypts an evidence file this node holds into `output`; the file appears only once its
    /// SHA-256 matches the event's.
    public func exportEvidence(_ id: EventID, to output: String) async throws -> EvidenceMetadata {
        guard let stored = try await store.event(id), stored.event.type == .evidenceAdded else {
            throw AccordError(.notFound, "this node holds no evidence \(id.hex)")
        }
        let metadata = try EvidenceMetadata(body: stored.event.body)
        let path = try evidencePath(metadata, event: id)
        guard FileManager.default.fileExists(atPath: path) else {
            throw AccordError(.notFound, "the encrypted file of evidence \(id.short) is not on this node yet")
        }
        try EvidenceFiles.decrypt(input: path, header: metadata.encryption, as: name, privateKey: keys.encryption, sha256: metadata.sha256, output: output)
        return metadata
    }
}

/// An evidence file's metadata from a party to the case. The encrypted file itself follows
/// separately; the event must name the case, come from a party, be addressed only to parties,
/// and be encrypted for exactly its author and addressees, this node with its current key.
struct EvidenceHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        guard let caseID = event.caseID else { throw AccordError(.malformed, "evidence names its case", field: "case") }
        var state = context.states[caseID]
        if state == nil { state = try await context.node.currentState(caseID) }
        guard let state else { throw AccordError(.unknownCase, "\(context.node.name) holds no case \(caseID.hex)") }
        guard state.participants.contains(event.origin) else { throw AccordError(.forbidden, "\(event.origin) is not a party to case \(caseID.short)") }
        guard event.to.allSatisfy(state.participants.contains) else {
            throw AccordError(.notAddressed, "evidence may be addressed only to the parties of case \(caseID.short)", field: "to")
        }
        let metadata = try EvidenceMetadata(body: event.body)
        try metadata.checkRecipients(author: event.origin, to: event.to)
        guard metadata.encryption.recipients.first(where: { $0.node == context.node.name })?.key == context.node.keys.publicEncryptionKey else {
            throw AccordError(.badKey, "the file is encrypted for another key of \(context.node.name); encrypt it for the key in its current profile")
        }
    }
}
