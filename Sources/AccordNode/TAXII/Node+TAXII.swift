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
        let (results, status) = try await store.addObjects(prepared.map(\.1), to: collection.id, now: requested.milliseconds * 1000) { results in
            let status = Self.postStatus(id: statusID, requested: requested, total: total, entries: entries, results: results, refused: refused)
            return TAXIIStatusRecord(id: statusID, account: account, body: CanonicalJSON.encode(status), createdAt: requested)
        }
        let fresh = zip(prepared, results).compactMap { item, result -> (JSONValue, TAXIINewObject)? in
            if case .added = result { return item }
            return nil
        }
        let shared = try await shareObjects(fresh, from: collection)
        return TAXIIPostOutcome(status: status, shared: shared)
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
    func shareObjects(_ objects: [(JSONValue, TAXIINewObject)], from collection: TAXIICollection) async throws -> [Event] {
        guard !objects.isEmpty, !(collection.shareTo.isEmpty && collection.redTo.isEmpty) else { return [] }
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
        return try await authorSTIX(.stixShared, bodies)
    }

    /// Signs and commits `stix.*` events (not case steps), and wakes delivery to their peers.
    func authorSTIX(_ type: EventType, _ bodies: [([String], [String: JSONValue])]) async throws -> [Event] {
        guard !bodies.isEmpty else { return [] }
        try await requirePinned(Array(Set(bodies.flatMap(\.0))))
        let (events, tickets) = try await caseLock.withLock {
            let epoch = commits.epoch
            var events: [Event] = []
            var tickets: [GroupCommit.Ticket] = []
            for (to, body) in bodies {
                let event = Event.sign(type: type, origin: name, to: to, caseID: nil, time: time.now(), body: body, keys: keys)
                events.append(event)
                tickets.append(try commits.enqueue(AuthoredCommit(event: event, caseState: nil), epoch: epoch))
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
        let gone = try await store.deleteObject(id, versions: versions, from: collection.id)
        let peers = Array(Set(collection.shareTo + collection.redTo)).filter { $0 != name }.sorted()
        if !gone.isEmpty, !peers.isEmpty {
            let items: [JSONValue] = gone.map { .object(["id": .string($0.id), "version": .string(STIXTime.format($0.version))]) }
            _ = try await authorSTIX(.stixDeleted, [(peers, ["collection": .string(collection.id), "objects": .array(items)])])
        }
        return gone
    }
}
