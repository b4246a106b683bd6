import AccordCore
import AccordEvidence
import AccordStore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// How an evidence file's transfer from its author is going.
public struct EvidenceTransferProgress: Sendable, Equatable {
    /// Encrypted bytes held and authenticated, of `total`.
    public var bytes: Int64 = 0
    public var total: Int64
    /// Bytes already held when the current run started (a resumed transfer starts above 0).
    public var resumedFrom: Int64 = 0
    /// Average over the current run.
    public var bytesPerSecond: Double = 0
    /// At the current rate; nil before there is one.
    public var secondsLeft: Double? = nil
    /// A run is under way now.
    public var active = false
    /// Runs started, including this one.
    public var runs = 0
    /// Consecutive runs that ended without a new chunk (the source's copy is damaged).
    var strikes = 0
    /// Why the last run stopped, when it did not finish.
    public var lastError: String? = nil
    /// Not retried before this time (after a failure to reach the author).
    var retryAt: ContinuousClock.Instant? = nil
    var failures = 0
}

/// The evidence files a node is fetching: progress by evidence id, and the signal that
/// wakes the transfer service when new evidence arrives or an operator asks for a retry.
public final class EvidenceTransfers: Sendable {
    let table = Mutex<[EventID: EvidenceTransferProgress]>([:])
    /// Transfers with a run under way.
    let running = Mutex<Set<EventID>>([])
    let wake = Signal()

    public init() {}

    public func progress(_ id: EventID) -> EvidenceTransferProgress? { table.withLock { $0[id] } }

    func update(_ id: EventID, total: Int64, _ change: (inout EvidenceTransferProgress) -> Void) {
        table.withLock { all in
            var p = all[id] ?? EvidenceTransferProgress(total: total)
            change(&p)
            all[id] = p
        }
    }

    func remove(_ id: EventID) { _ = table.withLock { $0.removeValue(forKey: id) } }

    /// Starts a look for evidence to fetch now.
    public func poke() { wake.fire() }
}

/// Fetches the evidence files addressed to this node from their authors (docs/protocol.md
/// §12.3): `evidence.transfers_at_once` at a time, each streamed chunk by chunk into a partial
/// file, authenticated as it arrives, resumed where it stopped, and made visible only when the
/// content's SHA-256 matches the attachment's.
public struct EvidenceTransferService: Service {
    let node: Node
    let client: FederationClient
    /// Looks for work this often even when not woken (a peer that was down may be back).
    static let idleRecheck: Duration = .seconds(30)
    /// Runs in a row without a new authenticated chunk before the file is reported as damaged.
    static let maxStrikes = 3

    public init(node: Node, client: FederationClient) {
        self.node = node
        self.client = client
    }

    public func run() async throws {
        let running = node.evidenceTransfers
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let limit = node.configuration.evidence.transfersAtOnce
                    let now = ContinuousClock.now
                    for event in (try? await node.pendingEvidence()) ?? [] {
                        guard running.running.withLock({ $0.count < limit && !$0.contains(event.id) }) else { continue }
                        if let retryAt = node.evidenceTransfers.progress(event.id)?.retryAt, retryAt > now { continue }
                        running.running.withLock { _ = $0.insert(event.id) }
                        group.addTask {
                            await transfer(event)
                            running.running.withLock { _ = $0.remove(event.id) }
                            node.evidenceTransfers.poke()
                        }
                    }
                    await node.evidenceTransfers.wake.wait(timeout: Self.idleRecheck)
                }
            }
        }
    }

    /// One run of one file's transfer; returns when it is in, failed for good, or must wait.
    func transfer(_ event: Event) async {
        let transfers = node.evidenceTransfers
        guard let metadata = try? EvidenceMetadata(body: event.body), let output = try? node.evidencePath(metadata, event: event.id) else { return }
        let header = metadata.encryption
        let total = header.ciphertextSize
        // The failure is kept beside where the file would be, so it is reported across restarts
        // and not tried again until an operator asks.
        func fail(_ message: String) {
            node.logger.warning("evidence transfer failed", metadata: ["evidence": "\(event.id.short)", "from": "\(event.origin)", "error": "\(message)"])
            try? FileManager.default.removeItem(atPath: output + ".partial")
            let kept = FileManager.default.createFile(atPath: output + ".failed", contents: Data(message.utf8), attributes: [.posixPermissions: 0o600])
            transfers.update(event.id, total: total) {
                $0.active = false
                $0.lastError = message
                // Not even the note could be written (a full disk): look again later, not at once.
                if !kept { $0.retryAt = .now + .seconds(60) }
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            return fail("cannot create the evidence directory: \(EvidenceFiles.reason(error))")
        }
        // Refused before any byte moves: too large for this node, or no room for it.
        let maxFile = node.configuration.evidence.maxFileBytes
        guard metadata.size <= maxFile else {
            return fail("refused before transfer: the file is \(metadata.size) bytes; evidence files on \(node.name) are at most \(maxFile) bytes (evidence.max_file_bytes)")
        }
        let download: EvidenceDownload
        do {
            let fileKey = try node.evidenceFileKey(header)
            download = try EvidenceDownload(header: header, fileKey: fileKey, sha256: metadata.sha256, output: output)
            try node.checkEvidenceRoom(total - download.verifiedBytes)
        } catch {
            return fail(error.code == .tooLarge ? "refused before transfer: \(error.message)" : error.message)
        }
        let start = download.verifiedBytes, startChunk = download.verifiedChunks
        let began = ContinuousClock.now
        transfers.update(event.id, total: total) {
            $0.bytes = start
            $0.resumedFrom = start
            $0.active = true
            $0.runs += 1
            $0.bytesPerSecond = 0
            $0.secondsLeft = nil
        }
        if start > 0 { node.logger.info("evidence transfer resumes", metadata: ["evidence": "\(event.id.short)", "from_byte": "\(start)"]) }
        let rate = node.configuration.evidence.transferBytesPerSecond
        var stopped: (any Error)? = nil
        if !download.isComplete {
            do {
                guard let peer = try await node.store.peer(named: event.origin) else {
                    throw AccordError(.unknownPeer, "\(event.origin), the file's author, is no longer a pinned peer")
                }
                let path = "\(EvidenceTransferPath.prefix)/\(event.id.hex)/chunks/\(startChunk)"
                _ = try await client.stream(path, label: EvidenceTransferPath.prefix, from: peer, node: node) { buffer in
                    try buffer.withUnsafeReadableBytes { try download.append($0) }
                    let held = download.verifiedBytes
                    let seconds = (ContinuousClock.now - began).seconds
                    transfers.update(event.id, total: total) {
                        $0.bytes = held
                        if seconds > 0.2 {
                            $0.bytesPerSecond = Double(held - start) / seconds
                            $0.secondsLeft = $0.bytesPerSecond > 0 ? Double(total - held) / $0.bytesPerSecond : nil
                        }
                    }
                    if rate > 0 {
                        let due = Double(held - start) / Double(rate)
                        if due > seconds { try await Task.sleep(for: .seconds(due - seconds)) }
                    }
                }
            } catch {
                stopped = error
            }
            download.discardPending()
        }
        if download.isComplete {
            do {
                try download.finish()
            } catch {
                return fail(error.message)
            }
            transfers.update(event.id, total: total) {
                $0.bytes = total
                $0.active = false
                $0.secondsLeft = 0
                $0.lastError = nil
            }
            node.logger.info("evidence received", metadata: ["evidence": "\(event.id.short)", "from": "\(event.origin)", "bytes": "\(total)"])
            await node.recordCustodyLogged(EvidenceCustody(evidence: event.id, action: .received, peer: event.origin, bytes: total - start))
            await node.recordCustodyLogged(EvidenceCustody(evidence: event.id, action: .verified, sha256: metadata.sha256))
            return
        }
        if Task.isCancelled { return transfers.update(event.id, total: total) { $0.active = false } }
        let progressed = download.verifiedChunks > startChunk
        let reason = Self.describe(stopped, chunk: download.verifiedChunks, of: header.chunks)
        switch Self.classify(stopped) {
        case .permanent:
            return fail(reason)
        case .storage:
            download.abandon()
            return fail(reason)
        case .damage:
            var strikes = 0
            transfers.update(event.id, total: total) {
                $0.strikes = progressed ? 1 : $0.strikes + 1
                strikes = $0.strikes
            }
            if strikes >= Self.maxStrikes {
                download.abandon()
                return fail("\(reason); fetched \(strikes) times, the author's copy is damaged")
            }
            // A chunk damaged on the way is fetched again at once.
            transfers.update(event.id, total: total) {
                $0.active = false
                $0.lastError = reason
            }
        case .later:
            var failures = 0
            transfers.update(event.id, total: total) {
                $0.failures = progressed ? 1 : $0.failures + 1
                failures = $0.failures
            }
            let wait = node.configuration.delivery.backoffMilliseconds(failures: failures)
            transfers.update(event.id, total: total) {
                $0.active = false
                $0.lastError = reason
                $0.retryAt = .now + .milliseconds(wait)
            }
        }
    }

    enum Outcome { case permanent, storage, damage, later }

    /// What a stopped run means: the author refused for good, this node cannot write, the
    /// bytes were damaged (or cut short by the author), or the author is unreachable for now.
    static func classify(_ error: (any Error)?) -> Outcome {
        guard let error else { return .damage }  // the author's stream ended before the file did
        if let e = error as? AccordError {
            switch e.code {
            case .damaged: return .damage
            case .storage: return .storage
            case .unknownPeer: return .later
            default: return .permanent
            }
        }
        if let f = error as? FederationClient.Failure, let status = f.status {
            return [403, 404, 410].contains(status) ? .permanent : .later
        }
        return .later
    }

    static func describe(_ error: (any Error)?, chunk: Int64, of chunks: Int64) -> String {
        guard let error else { return "the author's node ended the file in chunk \(chunk) of \(chunks): its copy is truncated" }
        if let e = error as? AccordError { return e.message }
        if let f = error as? FederationClient.Failure {
            if let status = f.status, let body = try? JSONParser.parse(Array(f.message.utf8)), let message = body["error"]?["message"]?.stringValue {
                return "the author's node answered \(status): \(message)"
            }
            return f.description
        }
        return "\(error)"
    }
}

/// The federation route evidence files are fetched from.
public enum EvidenceTransferPath {
    public static let prefix = "/federation/v1/evidence"
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension Node {
    /// Evidence addressed to this node that it does not hold yet, has not given up on, and
    /// has not purged.
    func pendingEvidence() async throws -> [Event] {
        let purged = Set(try await store.events(ofType: EventType.evidenceCustody.rawValue).compactMap { stored -> EventID? in
            guard stored.event.origin == name, let c = try? EvidenceCustody(body: stored.event.body), c.action == .purged else { return nil }
            return c.evidence
        })
        var pending: [Event] = []
        for stored in try await store.events(ofType: EventType.evidenceAdded.rawValue) {
            let e = stored.event
            guard e.origin != name, e.to.contains(name), !purged.contains(e.id), let metadata = try? EvidenceMetadata(body: e.body),
                let path = try? evidencePath(metadata, event: e.id)
            else { continue }
            if FileManager.default.fileExists(atPath: path) || FileManager.default.fileExists(atPath: path + ".failed") { continue }
            pending.append(e)
        }
        return pending
    }

    /// Tries a failed transfer again (an operator fixed the cause: room on disk, a limit).
    public func retryEvidence(_ id: EventID) async throws {
        let item = try await evidenceItem(id)
        guard item.event.origin != name else { throw AccordError(.conflict, "evidence \(id.short) was attached on this node; there is nothing to fetch") }
        guard item.state == .failed else { throw AccordError(.conflict, "evidence \(id.short) is \(item.state.rawValue), not failed") }
        try? FileManager.default.removeItem(atPath: try evidencePath(item.metadata, event: id) + ".failed")
        evidenceTransfers.remove(id)
        evidenceTransfers.poke()
    }
}
