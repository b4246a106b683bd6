import AccordCore
import AccordSTIX
import AccordStore
import AccordTAXII
import Foundation

/// What a TAXII POST did, as its status resource says it.
public struct TAXIIPostOutcome: Sendable {
    /// The status resource, as stored.
    public var status: TAXIIStatusRecord
    /// Events authored to share the new objects with peers.
    public var shared: [Event]
}

extension Node {
    /// Objects in one `stix.objects_shared` event at most, and bytes: events stay small enough
    /// for a delivery batch of many of them.
    static let stixObjectsPerEvent = 100
    static let stixBytesPerEvent = 256 * 1024

    /// Validates and stores posted objects, then shares the new ones with the collection's peers
    /// as TLP allows. The status resource lists each object's outcome; an exact duplicate is a success.
    public func taxiiAdd(_ objects: [JSONValue], to collection: TAXIICollection, account: String) async throws -> TAXIIPostOutcome {
        // Every peer the collection shares with must be pinned before anything is stored: new
        // objects are shared after they are stored, and a share that cannot be signed would
        // leave them stored and never shared (a retried POST finds them duplicates).
        for peer in Set(collection.shareTo + collection.redTo) where peer != name {
            guard try await store.peer(named: peer) != nil else {
                throw AccordError(
                    .conflict, "collection \(collection.id) is shared with \(peer), which is not a pinned peer of this node; nothing was stored (pin \(peer) again, or take it out of the collection's share_to / red_to)")
            }
        }
        let requested = time.now()
        let unmarked = configuration.taxii.unmarkedLevel
        var failures: [JSONValue] = []
        var prepared: [(JSONValue, TAXIINewObject)] = []
        let intake = objects.map { ($0, ObjectIntake.prepare($0, unmarked: unmarked, origin: nil)) }
        let sources = try await store.provenance(of: intake.compactMap { _, r in
            guard case .success(let o) = r, let v = o.version else { return nil }
            return TAXIIObjectKey(id: o.id, version: v)
        })
        for (object, result) in intake {
            switch result {
            case .success(let o):
                // A peer's TLP:RED object stays in the one collection its named reader reads.
                if let v = o.version, let source = sources[TAXIIObjectKey(id: o.id, version: v)], source.tlp == TLPLevel.red.rawValue {
                    failures.append(Self.statusDetail(
                        id: o.id, version: object["modified"]?.stringValue, message: "object_marking_refs: TLP:RED from \(source.origin) is not put in a collection other accounts read"))
                    continue
                }
                prepared.append((object, o))
            case .failure(let r): failures.append(Self.statusDetail(id: r.id, version: r.version, message: r.message))
            }
        }
        // The objects and the status resource that reports them: one transaction.
        let statusID = UUID().uuidString.lowercased()
        let entries = prepared.map { object, o in (id: o.id, version: object["modified"]?.stringValue ?? object["created"]?.stringValue) }
        let refused = failures, total = objects.count
        // A published collection also records, in that transaction, the share it now owes its
        // peers, settled by the commit of the events that share the objects: a node stopped (or
        // failing) in between shares them when it starts again (`resumePendingShares`).
        let (results, status, pending) = try await store.addObjects(
            prepared.map(\.1), to: collection.id, now: requested.milliseconds * 1000, holdForSharing: collection.publishes
        ) { results in
            let status = Self.postStatus(id: statusID, requested: requested, total: total, entries: entries, results: results, refused: refused)
            return TAXIIStatusRecord(id: statusID, account: account, body: CanonicalJSON.encode(status), createdAt: requested)
        }
        guard let pending else { return TAXIIPostOutcome(status: status, shared: []) }
        let fresh = zip(prepared, results).compactMap { item, result -> (JSONValue, TAXIINewObject)? in
            if case .added = result { return item }
            return nil
        }
        let shared = await settlingShare(pending, collection: collection.id) { try await shareObjects(fresh, from: collection, settling: pending) }
        return TAXIIPostOutcome(status: status, shared: shared)
    }

    /// Runs the sharing of pending share `pending`, marked in flight meanwhile, unless this
    /// process is sharing it already (then nothing is done). The objects are stored and the
    /// client's status says so whatever happens here: a failure is logged and left to
    /// `resumePendingShares`, never reported as a failed POST the client would repeat.
    func settlingShare(_ pending: Int64, collection: String, _ share: () async throws -> [Event]) async -> [Event] {
        guard sharesInFlight.withLock({ $0.insert(pending).inserted }) else { return [] }
        defer { sharesInFlight.withLock { _ = $0.remove(pending) } }
        do {
            return try await share()
        } catch {
            logger.warning("STIX share not sent yet; it is retried", metadata: ["collection": "\(collection)", "share": "\(pending)", "error": "\(error)"])
            return []
        }
    }

    /// Shares what published collections still owe their peers (`TAXIIStore.pendingShares`):
    /// those recorded before `cutoff` that no request of this process is sharing now (a share
    /// recorded later may be a request's, about to be marked in flight). One share that cannot
    /// go (a peer no longer pinned) holds up no other.
    public func resumePendingShares(recordedBefore cutoff: Timestamp) async throws {
        for share in try await store.pendingShares() where share.createdAt < cutoff {
            _ = await settlingShare(share.id, collection: share.collection) { try await resume(share) }
        }
    }

    /// Shares one pending share's objects (as stored) or tombstone; nothing when its collection is gone.
    func resume(_ share: TAXIIPendingShare) async throws -> [Event] {
        guard let collection = try await store.collection(share.collection) else { return [] }
        let events: [Event]
        switch share.work {
        case .added(let from, let through):
            let objects = try await store.objectsAdded(to: collection.id, from: from, through: through).compactMap { stored -> (JSONValue, TAXIINewObject)? in
                // Stored bytes were parsed and validated when they were posted.
                guard let object = try? JSONParser.parse(stored.body) else { return nil }
                return (object, TAXIINewObject(
                    id: stored.id, type: object["type"]?.stringValue ?? "", specVersion: object["spec_version"]?.stringValue ?? "2.1",
                    version: stored.version, body: stored.body, tlp: stored.tlp, origin: stored.origin))
            }
            events = try await shareObjects(objects, from: collection, settling: share.id)
        case .deleted(let gone):
            events = try await shareDeletion(gone, from: collection, settling: share.id)
        }
        logger.info("STIX share owed to peers sent", metadata: ["collection": "\(collection.id)", "share": "\(share.id)"])
        return events
    }

    /// A POST's status resource (TAXII 2.1 section 4.3.1): every object's outcome, in order,
    /// those refused before storing (`refused`) among the failures.
    static func postStatus(
        id: String, requested: Timestamp, total: Int, entries: [(id: String, version: String?)], results: [TAXIIAddResult], refused: [JSONValue]
    ) -> JSONValue {
        var successes: [JSONValue] = []
        var failures = refused
        for (entry, result) in zip(entries, results) {
            switch result {
            case .added(let version, _):
                successes.append(statusDetail(id: entry.id, version: entry.version ?? STIXTime.format(version), message: nil))
            case .duplicate(let version):
                successes.append(statusDetail(id: entry.id, version: entry.version ?? STIXTime.format(version), message: "already in the collection"))
            case .conflict(let version):
                failures.append(statusDetail(
                    id: entry.id, version: entry.version ?? STIXTime.format(version),
                    message: "modified: the collection holds another object with this id and version; a change needs a later modified"))
            }
        }
        return .object([
            "id": .string(id), "status": "complete", "request_timestamp": .string(STIXTime.format(requested.milliseconds * 1000)),
            "total_count": .number(Double(total)), "success_count": .number(Double(successes.count)),
            "failure_count": .number(Double(failures.count)), "pending_count": 0,
            "successes": .array(successes), "failures": .array(failures), "pendings": .array([]),
        ])
    }

    static func statusDetail(id: String?, version: String?, message: String?) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(id ?? "")]
        if let version { o["version"] = .string(version) }
        if let message { o["message"] = .string(message) }
        return .object(o)
    }

    /// Signs `stix.objects_shared` events for new objects of a published collection: grouped
    /// by audience (TLP decides), at most `stixObjectsPerEvent` objects or `stixBytesPerEvent` each.
    /// The last event settles the pending share `settling` in its commit; with no event to
    /// sign (TLP withheld everything), the share is settled on its own.
    func shareObjects(_ objects: [(JSONValue, TAXIINewObject)], from collection: TAXIICollection, settling pending: Int64) async throws -> [Event] {
        guard !objects.isEmpty, collection.publishes else {
            try await store.settleShare(pending)
            return []
        }
        var groups: [[String]: [JSONValue]] = [:]
        var order: [[String]] = []
        let sources = try await store.provenance(of: objects.compactMap { _, o in o.version.map { TAXIIObjectKey(id: o.id, version: $0) } })
        for (object, o) in objects {
            let level = o.tlp.flatMap(TLPLevel.init(rawValue:)) ?? configuration.taxii.unmarkedLevel
            let source = o.version.flatMap { sources[TAXIIObjectKey(id: o.id, version: $0)] }
            // Marked down since it arrived? The level it came with still holds.
            let effective = max(level, source?.tlp.flatMap(TLPLevel.init(rawValue:)) ?? level)
            let audience = SharingPolicy.audience(level: effective, receivedFrom: source?.origin, shareTo: collection.shareTo, redTo: collection.redTo)
            if let why = audience.withheld { logger.info("STIX object not shared", metadata: ["object": "\(o.id)", "reason": "\(why)"]) }
            let peers = audience.peers.filter { $0 != name }.sorted()
            guard !peers.isEmpty else { continue }
            if groups[peers] == nil { order.append(peers) }
            groups[peers, default: []].append(object)
        }
        var bodies: [([String], [String: JSONValue])] = []
        for peers in order {
            var chunk: [JSONValue] = []
            var bytes = 0
            func flush() {
                guard !chunk.isEmpty else { return }
                bodies.append((peers, [
                    "collection": .string(collection.id), "title": .string(collection.title),
                    "unmarked_tlp": .string(SharingPolicy.name(configuration.taxii.unmarkedLevel)), "objects": .array(chunk),
                ]))
                chunk = []
                bytes = 0
            }
            for object in groups[peers] ?? [] {
                let size = CanonicalJSON.encode(object).count
                if chunk.count >= Self.stixObjectsPerEvent || (bytes + size > Self.stixBytesPerEvent && !chunk.isEmpty) { flush() }
                chunk.append(object)
                bytes += size
            }
            flush()
        }
        return try await authorSTIX(.stixShared, bodies, settling: pending)
    }

    /// Signs and commits `stix.*` events (not case steps), and wakes delivery to their peers.
    /// The last event's commit settles the pending share `settling` (with no events, it is
    /// settled on its own).
    func authorSTIX(_ type: EventType, _ bodies: [([String], [String: JSONValue])], settling pending: Int64?) async throws -> [Event] {
        guard !bodies.isEmpty else {
            if let pending { try await store.settleShare(pending) }
            return []
        }
        try await requirePinned(Array(Set(bodies.flatMap(\.0))))
        let (events, tickets) = try await caseLock.withLock {
            let epoch = commits.epoch
            var events: [Event] = []
            var tickets: [GroupCommit.Ticket] = []
            for (n, (to, body)) in bodies.enumerated() {
                let event = Event.sign(type: type, origin: name, to: to, caseID: nil, time: time.now(), body: body, keys: keys)
                events.append(event)
                let settles = n == bodies.count - 1 ? pending : nil
                tickets.append(try commits.enqueue(AuthoredCommit(event: event, caseState: nil, settles: settles), epoch: epoch))
            }
            return (events, tickets)
        }
        for t in tickets { _ = try await committed(t) }
        logger.info("STIX events authored", metadata: ["type": "\(type.rawValue)", "events": "\(events.count)"])
        wakeDelivery(for: Array(Set(events.flatMap(\.to))))
        return events
    }

    /// Deletes versions of an object from a collection; a published collection tells its peers
    /// with a `stix.objects_deleted` tombstone. Returns the versions deleted.
    public func taxiiDelete(_ id: String, versions: TAXIIVersionFilter, from collection: TAXIICollection) async throws -> [TAXIIDeleted] {
        let (gone, pending) = try await store.deleteObject(id, versions: versions, from: collection.id, holdForSharing: collection.publishes, now: time.now())
        if let pending { _ = await settlingShare(pending, collection: collection.id) { try await shareDeletion(gone, from: collection, settling: pending) } }
        return gone
    }

    func shareDeletion(_ gone: [TAXIIDeleted], from collection: TAXIICollection, settling pending: Int64) async throws -> [Event] {
        let peers = Array(Set(collection.shareTo + collection.redTo)).filter { $0 != name }.sorted()
        guard !gone.isEmpty, !peers.isEmpty else {
            try await store.settleShare(pending)
            return []
        }
        let items: [JSONValue] = gone.map { .object(["id": .string($0.id), "version": .string(STIXTime.format($0.version))]) }
        return try await authorSTIX(.stixDeleted, [(peers, ["collection": .string(collection.id), "objects": .array(items)])], settling: pending)
    }
}
