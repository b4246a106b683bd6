import AccordCore
import AccordHTTP
import AccordNode
import AccordTAXII
import AccordTestSupport
import Foundation
import NIOHTTP1
import Testing

/// The TAXII 2.1 server of one real node over HTTP: authentication and rights, the media
/// type, size and envelope rejections, validation in the status resource, and paging with a
/// MACed cursor that refuses tampering and reuse under other filters.
@Suite(.serialized) struct TAXIIServerTests {
    static let root = "/taxii2/api/collections/"

    @Test func authenticationAndRights() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let (collection, token) = try await TAXIIFixtures.setUp(a, account: "misp", password: "correct horse battery")
            let other = try await a.client.post("/api/v1/taxii/collections", ["title": "Other"])
            let otherID = try requireValue(other["id"]?.stringValue)

            // No credentials, a wrong token, a wrong password: 401 with TAXII's error shape.
            let anonymous = try await TAXIITestClient(a, token: nil).get("/taxii2/")
            #expect(anonymous.status == 401 && anonymous.json?["http_status"]?.stringValue == "401", "\(anonymous.text)")
            #expect(anonymous.header("WWW-Authenticate")?.contains("Basic") == true)
            #expect(try await TAXIITestClient(a, token: "taxii_" + String(repeating: "0", count: 64)).get("/taxii2/").status == 401)
            #expect(try await TAXIITestClient(url: a.url, basic: "misp", "wrong password here").get("/taxii2/").status == 401)

            // Discovery and API root with a bearer token and with Basic.
            let discovery = try await TAXIITestClient(a, token: token).get("/taxii2/")
            #expect(discovery.status == 200 && discovery.json?["api_roots"]?.arrayValue?.first?.stringValue == a.url + "/taxii2/api/", "\(discovery.text)")
            #expect(discovery.header("Content-Type") == TAXIIMediaType.taxii)
            let basic = TAXIITestClient(url: a.url, basic: "misp", "correct horse battery")
            let apiRoot = try await basic.get("/taxii2/api/")
            #expect(apiRoot.status == 200 && apiRoot.json?["max_content_length"]?.intValue == 10 << 20, "\(apiRoot.text)")

            // Only collections the account may use are listed; others are 403.
            let listed = try await basic.get(Self.root)
            #expect(listed.json?["collections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [collection])
            #expect(try await basic.get(Self.root + otherID + "/objects/").status == 403)
            #expect(try await basic.get(Self.root + "no-such/objects/").status == 404)

            // A read-only account may not post (403); an account without rights reads nothing.
            let readerToken = try await TAXIIFixtures.account(a, "reader")
            try await TAXIIFixtures.grant(a, "reader", collection, read: true, write: false)
            let reader = TAXIITestClient(a, token: readerToken)
            #expect(try await reader.get(Self.root + collection + "/objects/").status == 200)
            let refused = try await reader.post(Self.root + collection + "/objects/", objects: [TAXIIFixtures.indicator(1)])
            #expect(refused.status == 403 && refused.json?["http_status"]?.stringValue == "403", "\(refused.text)")
            let noneToken = try await TAXIIFixtures.account(a, "nobody")
            #expect(try await TAXIITestClient(a, token: noneToken).get(Self.root + collection + "/manifest/").status == 403)
            // An Accept that allows no TAXII answer: 406.
            #expect(try await TAXIITestClient(a, token: token).send(.GET, Self.root, accept: "text/html").status == 406)

            // Revocations apply to the next request: rights taken away, an account deleted and
            // made again with another password (its earlier Basic credential was verified a
            // moment ago and is remembered), the old token.
            try await TAXIIFixtures.grant(a, "reader", collection, read: false, write: false)
            #expect(try await reader.get(Self.root + collection + "/objects/").status == 403)
            #expect(try await basic.get(Self.root + collection + "/objects/").status == 200)
            _ = try await a.client.send(.DELETE, "/api/v1/taxii/accounts/misp")
            #expect(try await basic.get(Self.root + collection + "/objects/").status == 401)
            #expect(try await TAXIITestClient(a, token: token).get(Self.root + collection + "/objects/").status == 401)
            let newToken = try await TAXIIFixtures.account(a, "misp", password: "another long passphrase")
            try await TAXIIFixtures.grant(a, "misp", collection, read: true, write: true)
            #expect(try await basic.get(Self.root + collection + "/objects/").status == 401)
            #expect(try await TAXIITestClient(a, token: token).get(Self.root + collection + "/objects/").status == 401)
            #expect(try await TAXIITestClient(url: a.url, basic: "misp", "another long passphrase").get(Self.root + collection + "/objects/").status == 200)
            #expect(try await TAXIITestClient(a, token: newToken).get(Self.root + collection + "/objects/").status == 200)
        }
    }

    @Test func rejectionsOfPosts() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let (collection, token) = try await TAXIIFixtures.setUp(a)
            let client = TAXIITestClient(a, token: token)
            let path = Self.root + collection + "/objects/"
            let envelope = CanonicalJSON.encode(["objects": .array([TAXIIFixtures.indicator(1)])])

            let wrongType = try await client.send(.POST, path, body: envelope, contentType: "application/json")
            #expect(wrongType.status == 415, "\(wrongType.text)")
            let oversize = try await client.send(.POST, path, body: [UInt8](repeating: 0x20, count: (10 << 20) + 1))
            #expect(oversize.status == 413, "\(oversize.text)")
            for bad in ["not json", "[]", "{\"objects\": {}}", "{\"objects\": []}", "{\"more\": false}"] {
                let reply = try await client.send(.POST, path, body: Array(bad.utf8))
                #expect(reply.status == 400 && reply.json?["title"] != nil, "\(bad): \(reply.status) \(reply.text)")
            }
            #expect(try await client.get(path).json?["objects"] == nil, "nothing was stored by refused posts")

            // Per-object outcomes: an invalid object fails naming its property; the rest is stored.
            var broken = TAXIIFixtures.indicator(2).objectValue!
            broken.removeValue(forKey: "pattern")
            let posted = try await client.post(path, objects: [TAXIIFixtures.indicator(1), .object(broken)])
            #expect(posted.status == 202, "\(posted.text)")
            let status = try requireValue(posted.json)
            #expect(status["success_count"]?.intValue == 1 && status["failure_count"]?.intValue == 1)
            let failure = status["failures"]?.arrayValue?.first
            #expect(failure?["id"]?.stringValue == "indicator--" + TAXIIFixtures.uuid(2))
            #expect(failure?["message"]?.stringValue?.contains("pattern") == true, "\(String(describing: failure))")
            // The status resource is kept for the account that posted.
            let statusID = try requireValue(status["id"]?.stringValue)
            #expect(try await client.get("/taxii2/api/status/\(statusID)/").json?["total_count"]?.intValue == 2)
            // An exact duplicate is a success; same id and version with other content is not.
            let again = try await client.post(path, objects: [TAXIIFixtures.indicator(1)])
            #expect(again.json?["success_count"]?.intValue == 1, "\(again.text)")
            var changed = TAXIIFixtures.indicator(1).objectValue!
            changed["name"] = "Changed without a new modified"
            #expect(try await client.post(path, objects: [.object(changed)]).json?["failure_count"]?.intValue == 1)
        }
    }

    @Test func pagingFiltersAndCursors() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let (collection, token) = try await TAXIIFixtures.setUp(a)
            let other = try requireValue(try await a.client.post("/api/v1/taxii/collections", ["title": "Other"])["id"]?.stringValue)
            try await TAXIIFixtures.grant(a, "misp", other, read: true, write: true)
            let client = TAXIITestClient(a, token: token)
            let path = Self.root + collection + "/objects/"
            // 250 indicators in envelopes of 50, one malware, and a second version of indicator 0.
            for start in stride(from: 0, to: 250, by: 50) {
                let r = try await client.post(path, objects: (start..<start + 50).map { TAXIIFixtures.indicator($0) })
                #expect(r.json?["success_count"]?.intValue == 50)
            }
            _ = try await client.post(path, objects: [TAXIIFixtures.malware(1), TAXIIFixtures.indicator(0, modified: "2026-02-01T00:00:00.000Z")])
            _ = try await client.post(Self.root + other + "/objects/", objects: [TAXIIFixtures.indicator(9000)])

            // Every object exactly once, ascending by date_added, 100 a page.
            var seen: [String] = []
            var next: String? = nil
            var lastAdded = ""
            repeat {
                let reply = try await client.get(path + "?limit=100" + (next.map { "&next=\($0)" } ?? ""))
                #expect(reply.status == 200, "\(reply.text)")
                let objects = reply.json?["objects"]?.arrayValue ?? []
                seen += objects.compactMap { $0["id"]?.stringValue }
                let first = try requireValue(reply.header("X-TAXII-Date-Added-First"))
                #expect(first > lastAdded)
                lastAdded = try requireValue(reply.header("X-TAXII-Date-Added-Last"))
                next = reply.json?["more"]?.boolValue == true ? reply.json?["next"]?.stringValue : nil
            } while next != nil
            #expect(seen.count == 251 && Set(seen).count == 251)

            // Filters: type, id (OR within), spec_version, version first/last/all, added_after.
            #expect(try await client.get(path + "?match[type]=malware").json?["objects"]?.arrayValue?.count == 1)
            #expect(try await client.get(path + "?match%5Btype%5D=malware,indicator&limit=1000").json?["objects"]?.arrayValue?.count == 251)
            let two = "indicator--\(TAXIIFixtures.uuid(3)),indicator--\(TAXIIFixtures.uuid(4))"
            #expect(try await client.get(path + "?match[id]=\(two)").json?["objects"]?.arrayValue?.count == 2)
            #expect(try await client.get(path + "?match[spec_version]=2.0").json?["objects"] == nil)
            let zero = "indicator--\(TAXIIFixtures.uuid(0))"
            #expect(try await client.get(path + "?match[id]=\(zero)&match[version]=all").json?["objects"]?.arrayValue?.count == 2)
            #expect(try await client.get(path + "?match[id]=\(zero)&match[version]=first").json?["objects"]?.arrayValue?.first?["modified"]?.stringValue == "2026-01-01T00:00:00.000Z")
            #expect(try await client.get(path + "?match[id]=\(zero)").json?["objects"]?.arrayValue?.first?["modified"]?.stringValue == "2026-02-01T00:00:00.000Z")
            #expect(try await client.get(path + "?match[id]=\(zero)&match[version]=2026-01-01T00:00:00.000Z").json?["objects"]?.arrayValue?.count == 1)
            let afterAll = try await client.get(path + "?added_after=\(lastAdded)")
            #expect(afterAll.status == 200 && afterAll.json?["objects"] == nil && afterAll.json?["more"]?.boolValue == false)
            // Versions, manifest and one object.
            let versions = try await client.get(path + "\(zero)/versions/")
            #expect(versions.json?["versions"]?.arrayValue?.count == 2, "\(versions.text)")
            let manifest = try await client.get(Self.root + collection + "/manifest/?limit=5")
            #expect(manifest.json?["objects"]?.arrayValue?.first?["media_type"]?.stringValue == TAXIIMediaType.stix)
            #expect(try await client.get(path + "\(zero)/").json?["objects"]?.arrayValue?.count == 1)

            // Cursors: tampered, from another collection, under other filters: 400.
            let page = try await client.get(path + "?limit=10&match[type]=indicator")
            let cursor = try requireValue(page.json?["next"]?.stringValue)
            var bytes = Array(cursor.utf8)
            bytes[12] = bytes[12] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let tampered = String(decoding: bytes, as: UTF8.self)
            #expect(try await client.get(path + "?limit=10&match[type]=indicator&next=\(tampered)").status == 400)
            #expect(try await client.get(path + "?limit=10&match[type]=malware&next=\(cursor)").status == 400)
            #expect(try await client.get(Self.root + other + "/objects/?limit=10&match[type]=indicator&next=\(cursor)").status == 400)
            #expect(try await client.get(Self.root + collection + "/manifest/?limit=10&match[type]=indicator&next=\(cursor)").status == 400)
            #expect(try await client.get(path + "?limit=10&match[type]=indicator&next=not-a-cursor").status == 400)
            #expect(try await client.get(path + "?limit=7&match[type]=indicator&next=\(cursor)").status == 200, "a cursor is not bound to limit")

            // Invalid filter values: 400 naming the parameter.
            for bad in ["limit=0", "limit=ten", "added_after=yesterday", "match[version]=newest", "match[type]=Not_A_Type", "match[id]=nope",
                        "match[spec_version]=3.0", "match[color]=red", "match[type]=indicator,,malware"] {
                let reply = try await client.get(path + "?" + bad)
                #expect(reply.status == 400 && reply.json?["details"]?["parameter"] != nil, "\(bad): \(reply.status) \(reply.text)")
            }

            // Delete one version, then the object.
            let deleted = try await client.send(.DELETE, path + "\(zero)/?match[version]=2026-01-01T00:00:00.000Z")
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(try await client.get(path + "\(zero)/versions/").json?["versions"]?.arrayValue?.count == 1)
            #expect(try await client.send(.DELETE, path + "\(zero)/").status == 200)
            #expect(try await client.get(path + "\(zero)/").status == 404)
        }
    }
}
