import AccordCore
import AccordStore

/// What one inbound batch has changed so far, shared by the handlers of its events; written
/// in one transaction once every event has been checked.
struct ReceiptContext {
    let node: Node
    let sender: Peer
    /// The key the sender's next events must be signed with (a rotation in the batch changes it).
    var signingKey: PublicSigningKey
    var states: [EventID: CaseState] = [:]
    var keyChanges: [(peer: String, key: PublicSigningKey)] = []
    var profileUpdates: [Peer] = []
    /// STIX objects and tombstones for the sender's collections on this node.
    var taxii: [TAXIIInbound] = []

    init(node: Node, sender: Peer) {
        self.node = node
        self.sender = sender
        self.signingKey = sender.signingKey
    }
}

extension ReceiptContext {
    /// For an event about a case that is not a case step (evidence, custody): the case it names,
    /// which this node holds, with its author a party and every addressee a party.
    func requireCaseParties(_ event: Event, what: String, plural: String) async throws -> EventID {
        guard let caseID = event.caseID else { throw AccordError(.malformed, "\(what) names its case", field: "case") }
        var state = states[caseID]
        if state == nil { state = try await node.currentState(caseID) }
        guard let state else { throw AccordError(.unknownCase, "\(node.name) holds no case \(caseID.hex)") }
        guard state.participants.contains(event.origin) else { throw AccordError(.forbidden, "\(event.origin) is not a party to case \(caseID.short)") }
        guard event.to.allSatisfy(state.participants.contains) else {
            throw AccordError(.notAddressed, "\(plural) may be addressed only to the parties of case \(caseID.short)", field: "to")
        }
        return caseID
    }
}

/// Checks a received event of one type against what the node holds and records its effects in
/// the batch's context, or throws the reason it is refused. Nothing is stored here.
protocol ReceiptHandler: Sendable {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws
}

/// The types this node accepts from peers, each with its handler. A new event type (evidence,
/// STIX objects) adds a handler here; the case machine is reached only through `CaseStepHandler`.
enum ReceiptHandlers {
    static let byType: [EventType: any ReceiptHandler] = {
        var handlers: [EventType: any ReceiptHandler] = [
            .profile: ProfileHandler(),
            .keyRotation: KeyRotationHandler(),
            .open: CaseOpenHandler(),
            .evidenceAdded: EvidenceHandler(),
            .evidenceCustody: CustodyHandler(),
            .stixShared: STIXSharedHandler(),
            .stixDeleted: STIXDeletedHandler(),
        ]
        for type in EventType.allCases where type.isCaseStep && type != .open { handlers[type] = CaseStepHandler() }
        return handlers
    }()

    /// The type names this node accepts, as its profile advertises them.
    public static var acceptedTypeNames: [String] { byType.keys.map(\.rawValue).sorted() }
}

/// A peer's new profile, delivered after it changed (a new encryption key, endpoint or contact
/// details). It must be the sender's own, signed by the key pinned for it.
struct ProfileHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        let verified = try Profile.verify(event.canonical)
        guard verified.name == context.sender.name else {
            throw AccordError(.forbidden, "a profile for \(verified.name) sent by \(context.sender.name)")
        }
        guard verified.signingKey == context.signingKey else {
            throw AccordError(.badKey, "the profile announces signing key \(verified.signingKey.displayFingerprint), not the key pinned for \(context.sender.name); a new signing key comes in a node.key_rotation event")
        }
        var peer = context.profileUpdates.last ?? context.sender
        if let held = peer.profile, let previous = try? Event(bytes: held), previous.id != event.id {
            // A newer profile replaces an older one, never the reverse: by version when both
            // have one (profiles of earlier versions have none), else by signing time.
            let had = Profile.version(of: previous)
            if verified.version > 0 && had > 0 {
                guard verified.version > had else {
                    throw AccordError(.replay, "profile version \(verified.version) of \(verified.name) is not newer than version \(had), which this node holds")
                }
            } else if event.time < previous.time {
                throw AccordError(.replay, "this profile of \(verified.name) is dated \(event.time), before the one this node holds (\(previous.time))")
            }
        }
        peer.signingKey = context.signingKey
        peer.encryptionKey = verified.encryptionKey
        peer.profile = event.canonical
        context.profileUpdates.append(peer)
    }
}

struct KeyRotationHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        let newKey = try Node.rotatedKey(event)
        context.signingKey = newKey
        context.keyChanges.append((context.sender.name, newKey))
    }
}

struct CaseOpenHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        guard event.caseID == nil else { throw AccordError(.malformed, "case.open carries no case member", field: "case") }
        if context.states[event.id] != nil { throw AccordError(.illegalStep, "case \(event.id.short) is already open") }
        context.states[event.id] = try CaseState.open(CaseStep(event))
    }
}

/// Every `case.*` step after the opening: the case machine decides.
struct CaseStepHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        guard let caseID = event.caseID else { throw AccordError(.malformed, "\(event.type.rawValue) names its case", field: "case") }
        var state: CaseState
        if let s = context.states[caseID] {
            state = s
        } else if let s = try await context.node.currentState(caseID) {
            state = s
        } else {
            throw AccordError(.unknownCase, "\(context.node.name) holds no case \(caseID.hex)")
        }
        try state.apply(CaseStep(event))
        context.states[caseID] = state
    }
}
