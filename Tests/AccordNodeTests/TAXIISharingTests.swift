import AccordCore
import AccordSTIX
import AccordStore
import AccordTAXII
import AccordTestSupport
import Foundation
import NIOHTTP1
import Testing

/// Collections published to peers on real nodes: objects travel as signed `stix.*` events and
/// land in the receiver's collection for the sender; TLP 2.0 decides who gets what and whether
/// it goes further; deletions follow as tombstones.
@Suite(.serialized) struct TAXIISharingTests {
    static let root = "/taxii2/api/collections/"

    static func ids(_ reply: TAXIITestClient.Reply) -> Set<String> {
        Set((reply.json?["objects"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
    }

    static func inbound(_ member: TestCluster.Member, from peer: String, red: Bool) async throws -> String? {
        try await member.node.store.collections().first { $0.inboundPeer == peer && $0.restricted == red }?.id
    }

    @Test func aPostToACollectionSharedWithAPeerNoLongerPinnedStoresNothing() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let (shared, token) = try await TAXIIFixtures.setUp(a, title: "To borealis", shareTo: ["borealis"])
            let client = TAXIITestClient(a, token: token)
            #expect(try await a.node.store.removePeer(named: "borealis"))
            let refused = try await client.post(Self.root + shared + "/objects/", objects: [TAXIIFixtures.indicator(1)])
            #expect(refused.status == 409 && refused.text.contains("not a pinned peer") && refused.text.contains("nothing was stored"), "\(refused.text)")
            #expect(try await a.node.store.objects(TAXIIObjectQuery(collection: shared, limit: 10)).objects.isEmpty)
            #expect(try await a.node.store.events(ofType: EventType.stixShared.rawValue).isEmpty)
        }
    }

    @Test func tlpDecidesWhatTravelsAndHowFar() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"], c = cluster["caledonia"]
            let (shared, aToken) = try await TAXIIFixtures.setUp(a, title: "To borealis", shareTo: ["borealis"], redTo: ["borealis"])
            let aClient = TAXIITestClient(a, token: aToken)
            let clear = TAXIIFixtures.indicator(1, marking: TLP.clear), green = TAXIIFixtures.indicator(2, marking: TLP.green)
            let amber = TAXIIFixtures.indicator(3, marking: TLP.amber), red = TAXIIFixtures.indicator(4, marking: TLP.red)
            let unmarked = TAXIIFixtures.indicator(5)
            let id = { (o: JSONValue) in o["id"]!.stringValue! }
            let posted = try await aClient.post(Self.root + shared + "/objects/", objects: [clear, green, amber, red, unmarked])
            #expect(posted.json?["success_count"]?.intValue == 5, "\(posted.text)")

            // Borealis holds them: RED apart, in a collection at most one account reads.
            #expect(try await TestCluster.eventually { try await Self.inbound(b, from: "aurelia", red: true) != nil })
            #expect(try await TestCluster.eventually {
                guard let open = try await Self.inbound(b, from: "aurelia", red: false) else { return false }
                return try await b.node.store.objects(TAXIIObjectQuery(collection: open, limit: 10)).objects.count == 4
            })
            let inbound = try requireValue(try await Self.inbound(b, from: "aurelia", red: false))
            let redInbound = try requireValue(try await Self.inbound(b, from: "aurelia", red: true))
            let analystToken = try await TAXIIFixtures.account(b, "analyst")
            let otherToken = try await TAXIIFixtures.account(b, "other")
            try await TAXIIFixtures.grant(b, "analyst", inbound, read: true, write: false)
            try await TAXIIFixtures.grant(b, "other", inbound, read: true, write: false)
            try await TAXIIFixtures.grant(b, "analyst", redInbound, read: true, write: false)
            // A second reader of the RED collection is refused; so is a writer of an inbound one.
            let second = try await b.client.send(.POST, "/api/v1/taxii/accounts/other/rights", body: CanonicalJSON.encode(["collection": .string(redInbound), "read": true, "write": false]))
            #expect(second.status == 409, "\(String(decoding: second.body, as: UTF8.self))")
            let writer = try await b.client.send(.POST, "/api/v1/taxii/accounts/other/rights", body: CanonicalJSON.encode(["collection": .string(inbound), "read": true, "write": true]))
            #expect(writer.status == 400)

            let analyst = TAXIITestClient(b, token: analystToken), other = TAXIITestClient(b, token: otherToken)
            let openIDs = Self.ids(try await other.get(Self.root + inbound + "/objects/"))
            #expect(openIDs == Set([clear, green, amber, unmarked].map(id)))
            #expect(Self.ids(try await analyst.get(Self.root + redInbound + "/objects/")) == [id(red)])
            #expect(try await other.get(Self.root + redInbound + "/objects/").status == 403)
            // Inbound collections take no posts.
            #expect(try await analyst.post(Self.root + inbound + "/objects/", objects: [TAXIIFixtures.indicator(99)]).status == 403)

            // Borealis's client re-posts everything it read into a collection published to
            // caledonia: CLEAR and GREEN go on; AMBER (marked or by default) does not; RED is refused.
            let (onward, bToken) = try await TAXIIFixtures.setUp(b, title: "To caledonia", shareTo: ["caledonia"], redTo: ["caledonia"], account: "relay")
            let relay = TAXIITestClient(b, token: bToken)
            let again = try await relay.post(Self.root + onward + "/objects/", objects: [clear, green, amber, unmarked, red])
            #expect(again.json?["success_count"]?.intValue == 4 && again.json?["failure_count"]?.intValue == 1, "\(again.text)")
            #expect(again.json?["failures"]?.arrayValue?.first?["message"]?.stringValue?.contains("TLP:RED") == true)
            #expect(try await TestCluster.eventually {
                guard let open = try await Self.inbound(c, from: "borealis", red: false) else { return false }
                return try await c.node.store.objects(TAXIIObjectQuery(collection: open, limit: 10)).objects.count == 2
            })
            let atC = try requireValue(try await Self.inbound(c, from: "borealis", red: false))
            let cIDs = Set(try await c.node.store.objects(TAXIIObjectQuery(collection: atC, limit: 10)).objects.map(\.id))
            #expect(cIDs == Set([clear, green].map(id)))
            #expect(try await Self.inbound(c, from: "borealis", red: true) == nil)
            #expect(try await c.node.store.collections().allSatisfy { $0.inboundPeer != "aurelia" })

            // A deletion on aurelia travels as a tombstone.
            #expect(try await aClient.send(.DELETE, Self.root + shared + "/objects/\(id(green))/").status == 200)
            #expect(try await TestCluster.eventually { Self.ids(try await other.get(Self.root + inbound + "/objects/")) == Set([clear, amber, unmarked].map(id)) })
            // Every share was a signed event in aurelia's log.
            #expect(try await a.node.store.events(ofType: EventType.stixShared.rawValue).count == 1)
            #expect(try await a.node.store.events(ofType: EventType.stixDeleted.rawValue).count == 1)
        }
    }

    /// A node stopped between storing posted objects (or a deletion) and committing the events
    /// that share them: the state such a crash leaves is written here through the store, then the
    /// node starts again and shares them; a POST that shares at once leaves nothing owed.
    @Test func sharesOwedWhenTheNodeStoppedAreSentWhenItStartsAgain() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let (shared, token) = try await TAXIIFixtures.setUp(a, title: "To borealis", shareTo: ["borealis"])
            let (local, _) = try await TAXIIFixtures.setUp(a, title: "Kept here", account: "local")
            let client = TAXIITestClient(a, token: token)
            let id = { (o: JSONValue) in o["id"]!.stringValue! }
            let first = TAXIIFixtures.indicator(1)
            #expect(try await client.post(Self.root + shared + "/objects/", objects: [first]).json?["success_count"]?.intValue == 1)
            #expect(try await TestCluster.eventually {
                guard let open = try await Self.inbound(b, from: "aurelia", red: false) else { return false }
                return try await b.node.store.objects(TAXIIObjectQuery(collection: open, limit: 10)).objects.count == 1
            })
            #expect(try await a.node.store.pendingShares().isEmpty)
            let inbound = try requireValue(try await Self.inbound(b, from: "aurelia", red: false))

            await cluster.stop("aurelia")
            // What a crash after the first transaction leaves: two objects stored and owed to
            // borealis, and the first object deleted with its tombstone owed.
            let late = [TAXIIFixtures.indicator(2), TAXIIFixtures.indicator(3)]
            let objects = late.map { o in
                TAXIINewObject(id: id(o), type: "indicator", specVersion: "2.1", version: STIXTime.version(of: o), body: CanonicalJSON.encode(o), tlp: nil, origin: nil)
            }
            let now = a.node.time.now()
            let stored = try await a.node.store.addObjects(objects, to: shared, now: now.milliseconds * 1000, holdForSharing: true) { _ in
                TAXIIStatusRecord(id: "crash-status", account: "misp", body: [], createdAt: now)
            }
            #expect(stored.pendingShare != nil)
            let deleted = try await a.node.store.deleteObject(id(first), versions: TAXIIVersionFilter(), from: shared, holdForSharing: true, now: now)
            #expect(deleted.deleted.count == 1 && deleted.pendingShare != nil)
            // Collections that publish nothing owe nothing.
            let kept = try await a.node.store.addObjects(objects, to: local, now: now.milliseconds * 1000, holdForSharing: false) { _ in
                TAXIIStatusRecord(id: "local-status", account: "local", body: [], createdAt: now)
            }
            #expect(kept.pendingShare == nil)
            // A collection shared with a peer no longer pinned: its share waits, holding up no other.
            let ghost = TAXIICollection(id: "c0ffee00-0000-4000-8000-000000000001", title: "To a peer unpinned since", shareTo: ["ghost"], createdAt: now)
            try await a.node.store.saveCollection(ghost)
            let stuck = try await a.node.store.addObjects([objects[0]], to: ghost.id, now: now.milliseconds * 1000, holdForSharing: true) { _ in
                TAXIIStatusRecord(id: "ghost-status", account: "misp", body: [], createdAt: now)
            }
            let stuckShare = try requireValue(stuck.pendingShare)
            #expect(try await a.node.store.pendingShares().count == 3)
            #expect(try await b.node.store.objects(TAXIIObjectQuery(collection: inbound, limit: 10)).objects.map(\.id) == [id(first)])

            try await cluster.start("aurelia")
            #expect(try await TestCluster.eventually {
                Set(try await b.node.store.objects(TAXIIObjectQuery(collection: inbound, limit: 10)).objects.map(\.id)) == Set(late.map(id))
            })
            #expect(try await TestCluster.eventually { try await a.node.store.pendingShares().map(\.id) == [stuckShare] })
            let scraped = try await a.node.metrics.scrape(store: a.node.store, now: a.node.time.now())
            #expect(scraped.contains("\naccord_taxii_shares_pending 1"), "\(scraped)")
            #expect(try await a.node.store.events(ofType: EventType.stixShared.rawValue).count == 2)
            #expect(try await a.node.store.events(ofType: EventType.stixDeleted.rawValue).count == 1)
        }
    }
}
