import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Exercises, urgency and cited treaty articles between two real nodes.
@Suite(.serialized) struct ExerciseAndUrgencyTests {
    @Test func anExerciseIsSignedSoBothSidesSeeIt() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"], b = cluster["borealis"]
            var request = Fixtures.preservation(to: ["borealis"]).objectValue!
            request["exercise"] = true
            request["urgent"] = true
            request["bases"] = ["budapest:29", "uncc:42"]
            let opened = try await a.client.post("/api/v1/cases", .object(request))
            let id = try #require(opened["event"]?.stringValue)
            #expect(opened["state"]?["exercise"]?.boolValue == true)
            // The addressee holds the same marks, from the signed event.
            let there = try await Fixtures.state(b, id)
            #expect(there["exercise"]?.boolValue == true)
            #expect(there["bases"]?.arrayValue?.compactMap(\.stringValue) == ["budapest:29", "uncc:42"])
            let event = try #require(try await b.node.store.event(EventID(hex: id)!))
            #expect(event.event.body["exercise"]?.boolValue == true)
            // Urgent: acknowledged within the urgent deadline (120 minutes for preservation).
            let opening = event.event.time
            #expect(there["deadlines"]?["acknowledge_by"]?.stringValue == opening.adding(seconds: 120 * 60).rfc3339)
            // Statistics and the console keep exercises apart through the case summary and the filter.
            #expect(try await b.node.store.cases(CaseQuery(exercise: false)).isEmpty)
            #expect(try await b.node.store.cases(CaseQuery(exercise: true)).map(\.isExercise) == [true])
            // A real case carries no mark at all, as an earlier version wrote it.
            let real = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let realID = try #require(real["event"]?.stringValue)
            let realEvent = try #require(try await a.node.store.event(EventID(hex: realID)!))
            #expect(realEvent.event.body["exercise"] == nil)
            #expect(realEvent.event.body["bases"] == nil)
            #expect(realEvent.event.time.adding(hours: 24).rfc3339 == real["state"]?["deadlines"]?["acknowledge_by"]?.stringValue)
        }
    }

    @Test func marksArePutOnlyToPeersThatReadThem() async throws {
        // Peers pinned without their profile are taken for version-1 nodes.
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            for extra: (String, JSONValue) in [("exercise", true), ("bases", ["budapest:29"])] {
                var request = Fixtures.preservation(to: ["borealis"]).objectValue!
                request[extra.0] = extra.1
                let r = try await a.client.send(.POST, "/api/v1/cases", body: CanonicalJSON.encode(.object(request)))
                #expect(r.status == 409)
                #expect(r.json?["error"]?["field"]?.stringValue == extra.0)
                #expect(r.json?["error"]?["message"]?.stringValue?.contains("earlier version") == true)
            }
            #expect(try await a.node.store.cases(CaseQuery()).isEmpty)
            // An unknown article is refused before anything is signed, whatever the peer.
            try await cluster.pinProfiles()
            var request = Fixtures.preservation(to: ["borealis"]).objectValue!
            request["bases"] = ["budapest:290"]
            let r = try await a.client.send(.POST, "/api/v1/cases", body: CanonicalJSON.encode(.object(request)))
            #expect(r.status == 400)
            #expect(r.json?["error"]?["field"]?.stringValue == "bases")
            #expect(try await a.node.store.cases(CaseQuery()).isEmpty)
            // The citable articles are listed for forms and clients.
            let bases = try await a.client.get("/api/v1/bases").arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(bases.contains("budapest:29") && bases.contains("uncc:42") && bases.count == LegalBases.all.count)
            // The profile lists what the node reads.
            let profile = try Profile.verify(try await a.node.profile().canonical)
            #expect(profile.features == Set(Profile.Feature.all))
        }
    }
}
