import AccordCore
import AccordLog
import AccordStore
import Foundation

/// What a witness answers to `add-checkpoint` when it does not refuse with an error.
public enum WitnessAnswer: Sendable, Equatable {
    /// 200: the cosignature line(s).
    case cosigned(String)
    /// 409: the size of the latest checkpoint this witness cosigned for the origin.
    case conflict(Int64)
}

extension Node {
    /// The C2SP tlog-witness `add-checkpoint` call, for the logs of this node's pinned peers.
    ///
    /// Checks, in the spec's order: the body's form (400 `malformed`), the origin is a pinned
    /// peer (404 `not_found`), its signature on the checkpoint (403 `forbidden`), old size ≤
    /// checkpoint size (400), old size = the size this witness holds (409 with that size),
    /// same size → same root (409, and an equivocation alert), the consistency proof (422
    /// `bad_proof`; an alert when the origin itself sent it). The new state is stored in the
    /// same transaction as the check, before the answer.
    public func addCheckpoint(_ body: [UInt8], from sender: String) async throws -> WitnessAnswer {
        let request = try AddCheckpointRequest(parsing: body)
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(body: request.note.text) } catch { throw AccordError(.malformed, "the checkpoint: \(error.message)") }
        let origin = checkpoint.origin
        guard origin != name, let peer = try await store.peer(named: origin) else {
            throw AccordError(.notFound, "\(name) does not witness a log with origin \"\(origin)\" (not a pinned peer)")
        }
        do { _ = try Checkpoint.open(request.note, logName: origin, logKey: peer.signingKey) } catch {
            throw AccordError(.forbidden, "the checkpoint is not signed by \(origin)'s pinned key: \(error.message)")
        }
        guard request.oldSize <= checkpoint.size else {
            throw AccordError(.malformed, "old size \(request.oldSize) is larger than the checkpoint size \(checkpoint.size)")
        }

        enum Decision: Sendable {
            case cosigned(String)
            case stale(Int64)
            case fork(WitnessState)
            case inconsistent(WitnessState, String)
            case badProof(String)
        }
        let now = time.now()
        let keys = self.keys
        let me = name
        let note = request.note
        let decision: Decision = try await store.updateWitnessState(origin: origin) { current in
            let held = current?.size ?? 0
            guard request.oldSize == held else { return (nil, .stale(held)) }
            if let current, held == checkpoint.size {
                guard current.root == checkpoint.rootHash else { return (nil, .fork(current)) }
                guard request.proof.isEmpty else { return (nil, .badProof("both sizes are \(held): the consistency proof must be empty")) }
            } else if held == 0 {
                // Every tree extends the empty one: nothing to verify, and nothing to send.
                guard request.proof.isEmpty else { return (nil, .badProof("from old size 0 the consistency proof must be empty")) }
            } else if let current {
                do {
                    try Merkle.verifyConsistency(
                        oldSize: held, newSize: checkpoint.size, oldRoot: current.root, newRoot: checkpoint.rootHash, proof: request.proof)
                } catch {
                    return (nil, .inconsistent(current, (error as? AccordError)?.message ?? "\(error)"))
                }
            }
            let line = try Cosignature(signing: note.text, name: me, keys: keys, time: now).noteSignature.line
            let state = WitnessState(origin: origin, size: checkpoint.size, root: checkpoint.rootHash, note: note.serialized, updatedAt: now)
            return (state, .cosigned(line))
        }
        switch decision {
        case .cosigned(let line):
            logger.debug("cosigned a checkpoint", metadata: ["origin": "\(origin)", "size": "\(checkpoint.size)"])
            // Passed on in exchanges with this node's cosignature, which vouches for its consistency.
            let cosigned = (try? SignedNote(parsing: note.serialized + line))?.serialized ?? note.serialized
            gossip.learn(origin: origin, size: checkpoint.size, root: checkpoint.rootHash, note: cosigned, now: now, seconds: configuration.log.gossipHotSeconds)
            return .cosigned(line)
        case .stale(let held):
            return .conflict(held)
        case .fork(let held):
            await raiseEquivocation(
                kind: "same_size_different_root", origin: origin, via: "add-checkpoint from \(sender)",
                message: "\(origin) signed two checkpoints of size \(held.size) with different roots",
                first: held.note, second: note.serialized)
            return .conflict(held.size)
        case .inconsistent(let held, let reason):
            // Anyone may relay a checkpoint with a bad proof; only the origin's own proof accuses it.
            if sender == origin {
                await raiseEquivocation(
                    kind: "inconsistent_proof", origin: origin, via: "add-checkpoint from \(sender)",
                    message: "\(origin)'s checkpoint of size \(checkpoint.size) is not consistent with its checkpoint of size \(held.size) this node cosigned: \(reason)",
                    first: held.note, second: note.serialized)
            }
            throw AccordError(.badProof, "the consistency proof from size \(held.size) to \(checkpoint.size) does not verify: \(reason)")
        case .badProof(let reason):
            throw AccordError(.badProof, reason)
        }
    }

    /// Records an equivocation alert (both signed notes), logs it at error level once.
    ///
    /// The evidence is passed on in exchanges; an alert this node detected itself (not one it
    /// verified from a peer's evidence) is also sent to every peer at once (`alertListener`).
    func raiseEquivocation(kind: String, origin: String, via: String, message: String, first: String, second: String) async {
        let alert = EquivocationAlert(kind: kind, origin: origin, detectedVia: via, message: message, first: first, second: second, raisedAt: time.now())
        do {
            if try await store.raiseAlert(alert) {
                gossip.learn(evidence: origin, first: first, second: second, now: alert.raisedAt, seconds: GossipState.evidenceSeconds)
                if !via.hasPrefix(GossipState.evidenceVia) { alertListener.withLock { $0 }?(alert) }
                logger.error(
                    "equivocation detected: a log signed two inconsistent checkpoints",
                    metadata: ["origin": "\(origin)", "kind": "\(kind)", "via": "\(via)", "detail": "\(message)"])
            }
        } catch {
            logger.error("could not store an equivocation alert", metadata: ["origin": "\(origin)", "error": "\(error)"])
        }
    }
}
