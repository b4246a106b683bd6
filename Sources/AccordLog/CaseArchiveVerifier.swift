import AccordCore

/// Verifies a court export offline under the verifier's own trust policy (docs/protocol.md
/// §14.3), and says for every event whether it holds and, if not, what failed.
public struct CaseArchiveVerifier: Sendable {
    public struct EventResult: Sendable {
        public var index: Int
        public var event: Event
        /// "event 3 of 7 (case.answer by borealis, id 1a2b3c4d5e6f)".
        public var label: String
        /// What held, for people.
        public var checks: [String]
        /// What failed; empty when the event verified.
        public var problems: [String]
        /// Witnesses whose cosignatures counted, with the times they cosigned (POSIX seconds).
        public var witnesses: [(name: String, timestamp: UInt64)]
        /// The fingerprint of the key the event verified with.
        public var signerFingerprint: String?
        public var valid: Bool { problems.isEmpty }
    }

    public struct Report: Sendable {
        public var caseID: EventID
        public var events: [EventResult]
        /// Problems of the case as a whole (not of one event).
        public var problems: [String]
        public var valid: Bool { problems.isEmpty && events.allSatisfy(\.valid) }
        /// Every problem, each naming its event.
        public var allProblems: [String] { events.flatMap { e in e.problems.map { "\(e.label): \($0)" } } + problems }
    }

    public var policy: TrustPolicy

    public init(policy: TrustPolicy) { self.policy = policy }

    public static func label(_ e: Event, index: Int, count: Int) -> String {
        "event \(index + 1) of \(count) (\(e.type.rawValue) by \(e.origin), id \(e.id.short))"
    }

    public func verify(_ archive: CaseArchive) -> Report {
        let count = archive.entries.count
        var results: [EventResult] = archive.entries.enumerated().map { i, entry in
            EventResult(index: i + 1, event: entry.event, label: Self.label(entry.event, index: i, count: count), checks: [], problems: [], witnesses: [], signerFingerprint: nil)
        }
        var caseProblems: [String] = []

        // 1. Each event: signature with the verifier's key for its origin, checkpoint signed by
        //    the origin and witnessed per the verifier's quorum, inclusion proof.
        for (i, entry) in archive.entries.enumerated() {
            guard let proof = entry.proof else {
                let why = entry.unproven ?? "none given"
                // The signature alone can still be checked; the event is not proven in a log.
                if let key = policy.origins[entry.event.origin] {
                    if entry.event.isSigned(by: key) {
                        results[i].checks.append("signed by \(entry.event.origin) (key fingerprint \(key.fingerprint))")
                        results[i].signerFingerprint = key.fingerprint
                    } else {
                        results[i].problems.append("signature does not verify with \(entry.event.origin)'s trusted key (fingerprint \(key.fingerprint))")
                    }
                }
                results[i].problems.append("no inclusion proof: the exporting node had none (\(why)); export again once \(entry.event.origin)'s log is witnessed")
                continue
            }
            do {
                let v = try proof.verify(policy: policy)
                results[i].checks += v.steps
                results[i].witnesses = v.witnesses
                results[i].signerFingerprint = v.eventKeyFingerprint
            } catch {
                results[i].problems.append(Self.explain(error, proof: proof, origin: entry.event.origin, policy: policy))
            }
        }

        // 2. The events form one case: ids, order in each origin's log, the case rules.
        guard let first = archive.entries.first else { return Report(caseID: archive.caseID, events: results, problems: ["the archive holds no event"]) }
        var seen: [EventID: Int] = [:]
        var lastLeaf: [String: (leaf: Int64, index: Int)] = [:]
        var state: CaseState?
        var evidence = Set<EventID>()
        if first.event.type != .open || first.event.id != archive.caseID {
            results[0].problems.append(first.event.type != .open
                ? "the first event must be the case.open whose id is the case id \(archive.caseID.short), not a \(first.event.type.rawValue): events were moved or removed"
                : "this case.open has id \(first.event.id.short), but the archive is of case \(archive.caseID.short)")
        }
        for (i, entry) in archive.entries.enumerated() {
            let e = entry.event
            if let earlier = seen[e.id] {
                results[i].problems.append("the same event as event \(earlier + 1)")
                continue
            }
            seen[e.id] = i
            if let proof = entry.proof {
                if let previous = lastLeaf[e.origin], previous.leaf >= proof.leafIndex {
                    results[i].problems.append(
                        "out of order: it is at leaf \(proof.leafIndex) of \(e.origin)'s log, but event \(previous.index + 1), listed before it, is at leaf \(previous.leaf): events were moved")
                }
                lastLeaf[e.origin] = (proof.leafIndex, i)
            }
            if e.type == .open {
                guard i == 0 else {
                    results[i].problems.append("a second case.open in the case")
                    continue
                }
                do { state = try CaseState.open(CaseStep(e)) } catch {
                    results[i].problems.append("the case rules refuse it: \(error.message)")
                }
                continue
            }
            guard e.caseID == archive.caseID else {
                results[i].problems.append("it belongs to case \(e.caseID?.short ?? "none"), not to case \(archive.caseID.short)")
                continue
            }
            guard var s = state else { continue }
            switch e.type {
            case .evidenceAdded:
                if !s.participants.contains(e.origin) { results[i].problems.append("\(e.origin) is not a party to the case and cannot attach evidence") }
                evidence.insert(e.id)
            case .evidenceCustody:
                if !s.participants.contains(e.origin) { results[i].problems.append("\(e.origin) is not a party to the case") }
                let named = e.body["evidence"]?.stringValue.flatMap(EventID.init(hex:))
                if let named, !evidence.contains(named) {
                    results[i].problems.append("it records custody of evidence \(named.short), which no earlier evidence.file_added event of the archive attaches")
                } else if named == nil {
                    results[i].problems.append("a custody record without \"evidence\"")
                }
            default:
                do {
                    try s.apply(CaseStep(e))
                    state = s
                } catch {
                    results[i].problems.append("the case rules refuse it after the events before it: \(error.message)")
                }
            }
        }
        // The exporter's informational keys are compared, so that a person sees a substituted key.
        for k in archive.keys where k.role == "origin" {
            if let mine = policy.origins[k.name], mine != k.key {
                caseProblems.append("the archive claims \(k.name)'s key is \(k.key.fingerprint), but you trust \(mine.fingerprint) (the archive's keys are never used)")
            }
        }
        return Report(caseID: archive.caseID, events: results, problems: caseProblems)
    }

    /// A bundle's failure in the terms of the case export: which check failed for which log.
    static func explain(_ error: AccordError, proof: ProofBundle, origin: String, policy: TrustPolicy) -> String {
        let m = error.message
        if error.field == "inclusion_proof" {
            return "inclusion proof does not lead from the event's leaf \(proof.leafIndex) to the root of \(origin)'s checkpoint at size \(proof.treeSize) (\(m))"
        }
        if m.hasPrefix("checkpoint cosignatures") {
            return "\(origin)'s log is not witnessed enough for you: \(m)"
        }
        return m
    }
}
