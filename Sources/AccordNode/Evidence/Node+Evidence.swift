import AccordCore
import AccordEvidence
import AccordSTIX
import AccordStore
import Crypto
import Foundation

/// What an attachment says about its file besides size, hash and encryption.
public struct EvidenceDescription: Sendable {
    public var name: String
    public var mediaType: String
    public var description: String?
    public var collectedAt: Timestamp?
    public var collectedBy: String?
    public var method: String?

    public init(name: String, mediaType: String, description: String? = nil, collectedAt: Timestamp? = nil, collectedBy: String? = nil, method: String? = nil) {
        self.name = name
        self.mediaType = mediaType
        self.description = description
        self.collectedAt = collectedAt
        self.collectedBy = collectedBy
        self.method = method
    }

    func metadata(header: EvidenceHeader, sha256: [UInt8]) -> EvidenceMetadata {
        EvidenceMetadata(name: name, mediaType: mediaType, size: header.size, sha256: sha256, description: description, collectedAt: collectedAt,
                         collectedBy: collectedBy, method: method, encryption: header)
    }
}

/// An attachment checked and being encrypted (`Node.prepareEvidence`); its staging file goes
/// when it is dropped without being committed.
public final class PreparedEvidence {
    public let caseID: EventID
    let state: CaseState
    let to: [String]
    let about: EvidenceDescription
    public let sealer: EvidenceSealer
    let staging: String

    init(caseID: EventID, state: CaseState, to: [String], about: EvidenceDescription, sealer: EvidenceSealer, staging: String) {
        self.caseID = caseID
        self.state = state
        self.to = to
        self.about = about
        self.sealer = sealer
        self.staging = staging
    }

    deinit { try? FileManager.default.removeItem(atPath: staging) }
}

/// An evidence file attached to a case, as this node knows it.
public struct EvidenceItem: Sendable {
    public enum State: String, Sendable {
        /// The encrypted file is on this node's disk, complete and verified.
        case available
        /// Waiting for its turn or for the author's node to answer.
        case queued
        /// Arriving now.
        case transferring
        /// It never verified, or was refused (too large, no room): reported, never shown.
        case failed
        /// This node deleted its copy; the record and hash stay.
        case purged
    }

    public var event: Event
    public var metadata: EvidenceMetadata
    public var state: State
    /// Progress of a transfer under way (or the last one, when it failed).
    public var transfer: EvidenceTransferProgress?
    /// Why the transfer failed.
    public var failure: String?
    /// The encrypted file is on this node's disk.
    public var available: Bool { state == .available }
}

extension Node {

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

    static let stagingPrefix = "incoming-"

    /// The file key of an evidence file, opened with this node's key the header names: the
    /// current one, or one retired by a rotation since the file was encrypted.
    func evidenceFileKey(_ header: EvidenceHeader) throws(AccordError) -> SymmetricKey {
        let current = keys.encryption
        if let entry = header.recipients.first(where: { $0.node == name }), entry.key != keys.publicEncryptionKey,
            let retired = directory?.retiredEncryptionKey(for: entry.key) {
            return try EvidenceCipher.openKey(header, as: name, with: retired)
        }
        return try EvidenceCipher.openKey(header, as: name, with: current)
    }

    /// A fresh path in the evidence directory for a file on its way in or out (an upload, a
    /// decrypted copy being served); the caller removes it.
    public func evidenceStagingPath() throws -> String {
        try evidenceDirectory() + "/\(Self.stagingPrefix)\(UUID().uuidString)"
    }

    /// Where the encrypted copy of an evidence event is kept, content-addressed:
    /// `evidence/<SHA-256 of the plaintext>/<event id>.enc` (one file may be attached to several
    /// cases, each encrypted for that case's parties).
    func evidencePath(_ metadata: EvidenceMetadata, event: EventID) throws -> String {
        try evidenceDirectory() + "/\(Encoding.hex(metadata.sha256))/\(event.hex).enc"
    }

    /// Attaches a file on this node's disk to a case: encrypts it for this node and every other
    /// party of the case (docs/protocol.md §12), in one pass, keeps the encrypted copy, and signs,
    /// logs and delivers an `evidence.file_added` event with its metadata.
    public func addEvidence(
        to caseID: EventID, file: String, name: String, mediaType: String, description: String? = nil,
        collectedAt: Timestamp? = nil, collectedBy: String? = nil, method: String? = nil
    ) async throws -> AuthoredStep {
        let about = EvidenceDescription(name: name, mediaType: mediaType, description: description, collectedAt: collectedAt, collectedBy: collectedBy, method: method)
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        guard let size = attributes?[.size] as? Int else { throw AccordError(.notFound, "cannot read \(file)") }
        let prepared = try await prepareEvidence(to: caseID, size: Int64(size), about: about)
        if Self.isSTIX(mediaType) { try Self.validateSTIXBundle(file, size: Int64(size)) }
        try prepared.sealer.append(file: file)
        return try await addEvidence(prepared)
    }

    /// Checks an attachment of `size` bytes before any byte of it is read: the case, this node's
    /// part in it, every party's key, the limits and the description; then encrypts what the
    /// caller feeds to `sealer`, straight into the evidence directory.
    public func prepareEvidence(to caseID: EventID, size: Int64, about: EvidenceDescription) async throws -> PreparedEvidence {
        guard let state = try await currentState(caseID) else { throw AccordError(.unknownCase, "this node holds no case \(caseID.hex)") }
        guard state.participants.contains(self.name) else { throw AccordError(.forbidden, "\(self.name) is not a party to case \(caseID.short)") }
        let to = state.participants.filter { $0 != self.name }
        var recipients: [(node: String, key: PublicEncryptionKey)] = [(self.name, keys.publicEncryptionKey)]
        for party in to {
            guard let peer = try await store.peer(named: party) else { throw AccordError(.unknownPeer, "\(party), a party to the case, is not a pinned peer") }
            recipients.append((party, peer.encryptionKey))
        }
        let limit = configuration.evidence.maxFileBytes
        guard size <= limit else {
            throw AccordError(.tooLarge, "the file is \(size) bytes; evidence files on \(self.name) are at most \(limit) bytes (evidence.max_file_bytes)")
        }
        try checkEvidenceRoom(Self.encryptedSize(size))
        let staging = try evidenceStagingPath()
        let sealer = try EvidenceSealer(size: size, recipients: recipients, output: staging)
        // Refused before a byte is encrypted by the rules every receiver applies.
        let placeholder = about.metadata(header: sealer.header, sha256: Array(repeating: 0, count: 32))
        _ = try EvidenceMetadata(body: placeholder.body)
        return PreparedEvidence(caseID: caseID, state: state, to: to, about: about, sealer: sealer, staging: staging)
    }

    /// Signs, logs and delivers the `evidence.file_added` event of a prepared attachment whose
    /// bytes have all been fed to its sealer; the encrypted copy is in place before the event
    /// can be committed.
    public func addEvidence(_ prepared: PreparedEvidence) async throws -> AuthoredStep {
        let sha = try prepared.sealer.finish()
        let metadata = prepared.about.metadata(header: prepared.sealer.header, sha256: sha)
        let (caseID, to) = (prepared.caseID, prepared.to)
        let (event, ticket) = try await caseLock.withLock {
            let epoch = commits.epoch
            let event = Event.sign(type: .evidenceAdded, origin: self.name, to: to, caseID: caseID, time: time.now(), body: metadata.body, keys: keys)
            let path = try evidencePath(metadata, event: event.id)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard rename(prepared.staging, path) == 0 else { throw AccordError(.storage, "cannot move the encrypted file into \(path)") }
            do {
                return (event, try commits.enqueue(AuthoredCommit(event: event, caseState: nil), epoch: epoch))
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
        }
        let index = try await committed(ticket)
        logger.info("evidence added", metadata: ["case": "\(caseID.short)", "event": "\(event.id.short)", "bytes": "\(metadata.size)"])
        wakeDelivery(for: to)
        return AuthoredStep(event: event, state: prepared.state, logIndex: index, summary: Self.evidenceSummary(event))
    }

    /// A STIX 2.1 bundle attached as evidence (`application/stix+json`, with or without
    /// parameters) is held to the rules the TAXII edge applies to what it takes in.
    public static func isSTIX(_ mediaType: String) -> Bool {
        mediaType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/stix+json"
    }

    /// STIX bundles are read whole to be checked; larger ones are refused as STIX (attach them
    /// as application/json to keep them unchecked).
    public static let maxSTIXBundleBytes: Int64 = 64 << 20

    static func validateSTIXBundle(_ file: String, size: Int64) throws(AccordError) {
        guard size <= maxSTIXBundleBytes else {
            throw AccordError(.tooLarge, "a STIX bundle attached as evidence is checked whole and may be at most \(maxSTIXBundleBytes) bytes; this one is \(size)")
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw AccordError(.notFound, "cannot read \(file)") }
        try STIXValidator.validateBundle(bytes: Array(data), maxBytes: Int(maxSTIXBundleBytes))
    }

    /// One line for a case's timeline: the file's name, size and the start of its SHA-256.
    static func evidenceSummary(_ event: Event) -> String {
        guard let m = try? EvidenceMetadata(body: event.body) else { return event.type.rawValue }
        return "evidence \(m.name) (\(m.mediaType), \(m.size) bytes, SHA-256 \(Encoding.hex(m.sha256).prefix(16))…)"
    }

    /// The evidence attached to a case, oldest first.
    public func evidence(inCase caseID: EventID) async throws -> [EvidenceItem] {
        guard try await store.caseState(caseID) != nil else { throw AccordError(.unknownCase, "this node holds no case \(caseID.hex)") }
        let events = try await store.events(inCase: caseID)
        let purged = Set(events.compactMap { stored -> EventID? in
            guard stored.event.type == .evidenceCustody, stored.event.origin == name,
                let c = try? EvidenceCustody(body: stored.event.body), c.action == .purged else { return nil }
            return c.evidence
        })
        var items: [EvidenceItem] = []
        for stored in events where stored.event.type == .evidenceAdded {
            items.append(try evidenceItem(stored.event, purged: purged.contains(stored.event.id)))
        }
        return items
    }

    /// One evidence file's state on this node.
    func evidenceItem(_ event: Event, purged: Bool) throws -> EvidenceItem {
        let metadata = try EvidenceMetadata(body: event.body)
        let path = try evidencePath(metadata, event: event.id)
        let progress = evidenceTransfers.progress(event.id)
        let state: EvidenceItem.State
        var failure: String? = nil
        if purged {
            state = .purged
        } else if FileManager.default.fileExists(atPath: path) {
            state = .available
        } else if let reason = try? String(contentsOfFile: path + ".failed", encoding: .utf8) {
            state = .failed
            failure = reason
        } else {
            state = progress?.active == true ? .transferring : .queued
        }
        return EvidenceItem(event: event, metadata: metadata, state: state, transfer: progress, failure: failure)
    }

    /// One evidence file, by the id of its `evidence.file_added` event.
    public func evidenceItem(_ id: EventID) async throws -> EvidenceItem {
        guard let stored = try await store.event(id), stored.event.type == .evidenceAdded, let caseID = stored.event.caseID else {
            throw AccordError(.notFound, "this node holds no evidence \(id.hex)")
        }
        guard let item = try await evidence(inCase: caseID).first(where: { $0.event.id == id }) else {
            throw AccordError(.notFound, "this node holds no evidence \(id.hex)")
        }
        return item
    }

    /// Bytes of evidence kept on this node's disk: encrypted copies, complete and partial
    /// (uploads being staged are not kept evidence and are not counted).
    public func evidenceDiskUsage() throws -> Int64 {
        let root = try evidenceDirectory()
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var total: Int64 = 0
        while let name = walker.nextObject() as? String {
            guard !name.hasPrefix(Self.stagingPrefix), walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular,
                let size = walker.fileAttributes?[.size] as? Int
            else { continue }
            total += Int64(size)
        }
        return total
    }

    /// The encrypted size of a file of `size` bytes in the default chunk size.
    public static func encryptedSize(_ size: Int64) -> Int64 {
        EvidenceHeader(chunkSize: EvidenceHeader.defaultChunkSize, size: size, recipients: []).ciphertextSize
    }

    /// Refuses `bytes` more of evidence when they would pass `evidence.max_disk_bytes`.
    public func checkEvidenceRoom(_ bytes: Int64) throws(AccordError) {
        let limit = configuration.evidence.maxDiskBytes
        guard limit > 0 else { return }
        let used: Int64
        do { used = try evidenceDiskUsage() } catch { throw AccordError(.storage, "cannot measure the evidence directory: \(error)") }
        guard used + bytes <= limit else {
            throw AccordError(.tooLarge, "evidence on \(name) would take \(used + bytes) bytes, over its limit of \(limit) (evidence.max_disk_bytes); \(used) are in use")
        }
    }

    /// Decrypts an evidence file this node holds into `output`; the file appears only once its
    /// SHA-256 matches the event's.
    /// `durable: false` skips the flush to disk, for a copy served once and deleted.
    public func exportEvidence(_ id: EventID, to output: String, durable: Bool = true) async throws -> EvidenceMetadata {
        guard let stored = try await store.event(id), stored.event.type == .evidenceAdded else {
            throw AccordError(.notFound, "this node holds no evidence \(id.hex)")
        }
        let item = try await evidenceItem(id)
        let metadata = item.metadata
        let path = try evidencePath(metadata, event: id)
        switch item.state {
        case .available: break
        case .purged: throw AccordError(.gone, "evidence \(id.short) was purged from this node; its record and SHA-256 remain")
        case .failed: throw AccordError(.damaged, "evidence \(id.short) did not arrive intact and is not shown: \(item.failure ?? "")")
        case .queued, .transferring: throw AccordError(.notFound, "the encrypted file of evidence \(id.short) is not on this node yet (\(item.state.rawValue))")
        }
        try EvidenceFiles.decrypt(input: path, header: metadata.encryption, fileKey: try evidenceFileKey(metadata.encryption), sha256: metadata.sha256, output: output, durable: durable)
        return metadata
    }
}

/// An evidence file's metadata from a party to the case. The encrypted file itself follows
/// separately; the event must name the case, come from a party, be addressed only to parties,
/// and be encrypted for exactly its author and addressees, this node with its current key.
struct EvidenceHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        _ = try await context.requireCaseParties(event, what: "evidence", plural: "evidence")
        let metadata = try EvidenceMetadata(body: event.body)
        try metadata.checkRecipients(author: event.origin, to: event.to)
        guard metadata.encryption.recipients.first(where: { $0.node == context.node.name })?.key == context.node.keys.publicEncryptionKey else {
            throw AccordError(.badKey, "the file is encrypted for another key of \(context.node.name); encrypt it for the key in its current profile")
        }
    }
}

/// An encrypted evidence file served to a peer: where its bytes are and what to record when
/// the whole file has gone.
public struct ServedEvidence: Sendable {
    public var path: String
    public var offset: Int64
    /// Bytes from `offset` to the end of the file as it is on disk.
    public var length: Int64
    public var metadata: EvidenceMetadata
    public var event: EventID
}

extension Node {
    /// What a peer may fetch of an evidence file: only the author's node serves it, and only to
    /// the nodes the attachment was addressed to. To anyone else the file does not exist.
    public func servedEvidence(_ id: EventID, to peer: String, fromChunk: Int64) async throws -> ServedEvidence {
        let unknown = AccordError(.notFound, "\(name) has no evidence \(id.hex) for \(peer)")
        guard let stored = try await store.event(id), stored.event.type == .evidenceAdded, stored.event.origin == name,
            stored.event.to.contains(peer)
        else { throw unknown }
        let item = try await evidenceItem(id)
        guard item.state != .purged else { throw AccordError(.gone, "evidence \(id.short) was purged from \(name) under its retention rules") }
        let path = try evidencePath(item.metadata, event: id)
        let header = item.metadata.encryption
        guard (0..<header.chunks).contains(fromChunk) else {
            throw AccordError(.invalidField, "the file has chunks 0 to \(header.chunks - 1)", field: "chunk")
        }
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int else {
            throw AccordError(.storage, "the encrypted copy of evidence \(id.short) is missing from \(name)")
        }
        let offset = header.ciphertextRange(ofChunk: fromChunk).offset
        return ServedEvidence(path: path, offset: offset, length: max(0, Int64(size) - offset), metadata: item.metadata, event: id)
    }
}
