import AccordCore
import AccordSTIX
import AccordStore
import AccordTAXII

/// A peer's shared STIX objects: every object valid STIX 2.1, or the event is refused naming the
/// first bad one. Objects land in the sender's inbound collection; TLP:RED ones in its
/// restricted collection, which at most one account may read.
struct STIXSharedHandler: ReceiptHandler {
    static let maxObjects = 1000

    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        guard event.caseID == nil else { throw AccordError(.malformed, "stix.objects_shared carries no case member", field: "case") }
        guard let objects = event.body["objects"]?.arrayValue, (1...Self.maxObjects).contains(objects.count) else {
            throw AccordError(.invalidField, "stix.objects_shared carries 1–\(Self.maxObjects) objects", field: "objects")
        }
        let declared = event.body["unmarked_tlp"]?.stringValue
        let unmarked = declared.flatMap(SharingPolicy.level(named:)) ?? context.node.configuration.taxii.unmarkedLevel
        var open: [TAXIINewObject] = []
        var red: [TAXIINewObject] = []
        for (i, object) in objects.enumerated() {
            switch ObjectIntake.prepare(object, unmarked: unmarked, origin: event.origin) {
            case .failure(let r):
                throw AccordError(.invalidField, "objects[\(i)] \(r.id ?? ""): \(r.message)", field: "objects")
            case .success(let o):
                if o.tlp == TLPLevel.red.rawValue { red.append(o) } else { open.append(o) }
            }
        }
        if !open.isEmpty { context.taxii.append(TAXIIInbound(peer: event.origin, restricted: false, objects: open)) }
        if !red.isEmpty { context.taxii.append(TAXIIInbound(peer: event.origin, restricted: true, objects: red)) }
    }
}

/// A peer's tombstones: the versions it deleted leave its collections here too.
struct STIXDeletedHandler: ReceiptHandler {
    func accept(_ event: Event, into context: inout ReceiptContext) async throws {
        guard event.caseID == nil else { throw AccordError(.malformed, "stix.objects_deleted carries no case member", field: "case") }
        guard let items = event.body["objects"]?.arrayValue, (1...STIXSharedHandler.maxObjects).contains(items.count) else {
            throw AccordError(.invalidField, "stix.objects_deleted names 1–\(STIXSharedHandler.maxObjects) object versions", field: "objects")
        }
        var gone: [TAXIIDeleted] = []
        for (i, item) in items.enumerated() {
            guard let id = item["id"]?.stringValue, STIXIdentifier.isValid(id), let text = item["version"]?.stringValue, let v = STIXTime.micros(text) else {
                throw AccordError(.invalidField, "objects[\(i)] needs a STIX id and a version timestamp", field: "objects")
            }
            gone.append(TAXIIDeleted(id: id, version: v))
        }
        context.taxii.append(TAXIIInbound(peer: event.origin, restricted: false, objects: [], deletions: gone))
        context.taxii.append(TAXIIInbound(peer: event.origin, restricted: true, objects: [], deletions: gone))
    }
}
