import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// What a receiving node refuses, each with its specific error, and that nothing is stored.
@Suite(.serialized) struct RejectionTests {
    let raw = RawFederationClient()

    /// Three nodes; borealis (started) pins aurelia only, aurelia pins borealis, caledonia is unknown to both.
    func withCluster(_ body: (TestCluster) async throws -> Void) async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"], pin: false) { c in
            let a = c["aurelia"], b = c["borealis"]
            try await b.node.store.savePeer(Peer(name: "aurelia", url: a.url, signingKey: a.node.keys.publicSigningKey, encryptionKey: a.node.keys.publicEncryptionKey, addedAt: b.node.time.now()))
            try await a.node.store.savePeer(Peer(name: "borealis", url: b.url, signingKey: b.node.keys.publicSigningKey, encryptionKey: b.node.keys.publicEncryptionKey, addedAt: a.node.time.now()))
            try await c.start("borealis")
            try await body(c)
        }
    }

    func storedEvents(_ m: TestCluster.Member) async throws -> Int64 { try await m.node.store.eventCount() }

    @Test func anUnpinnedSenderIsRefused() async throws {
        try await withCluster { c in
            let b = c["borealis"], mallory = c["caledonia"]
            let before = try await storedEvents(b)
            let e = Fixtures.event(mallory, .open, to: ["borealis"], body: Fixtures.openBody(mallory))
            let reply = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "caledonia", keys: mallory.node.keys)
            #expect(reply.status == 403)
            #expect(reply.errorCode == "unknown_peer")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func aPinnedNameWithAnotherKeyIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            let impostor = NodeKeys.generate()
            let e = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a), keys: impostor)
            let reply = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: impostor)
            #expect(reply.status == 401)
            #expect(reply.errorCode == "bad_signature")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func aBadRequestSignatureIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            let e = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            // A valid signature over another body: the digest no longer matches.
            let other = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            let reply = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys) { headers in
                let forOther = MessageSignature.sign(method: "POST", path: Batch.path, body: Batch.encode([other]), recipient: "borealis", sender: "aurelia", keys: a.node.keys, created: SystemTime().now())
                return headers.map { h in h.0 == "Signature" ? forOther.first { $0.0 == "Signature" }! : h }
            }
            #expect(reply.status == 401)
            #expect(reply.errorCode == "bad_signature")
            let unsigned = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys) { $0.filter { $0.0 != "Signature" } }
            #expect(unsigned.status == 401)
            #expect(unsigned.errorCode == "unauthorized")
            let stale = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys, created: SystemTime().now().adding(seconds: -600))
            #expect(stale.status == 401)
            #expect(stale.errorCode == "clock_skew")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func aBadEventSignatureIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            let good = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            guard case .object(var m) = good.json else { return }
            m["body"] = .object(Fixtures.openBody(a).merging(["title": "Tampered in transit"]) { $1 })
            let tampered = try Event(json: .object(m))
            let reply = try await raw.post(Batch.encode([tampered]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.status == 200)
            #expect(reply.json?["results"]?.arrayValue?.first?["status"]?.stringValue == "rejected")
            #expect(reply.json?["results"]?.arrayValue?.first?["code"]?.stringValue == "bad_signature")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func anEventNotAddressedToTheReceiverIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            let e = Fixtures.event(a, .open, to: ["caledonia"], body: Fixtures.openBody(a))
            let reply = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.json?["results"]?.arrayValue?.first?["code"]?.stringValue == "not_addressed")
            // And a request addressed to another node is refused whole.
            let misrouted = try await raw.post(Batch.encode([e]), to: b.url, recipient: "caledonia", sender: "aurelia", keys: a.node.keys)
            #expect(misrouted.status == 403)
            #expect(misrouted.errorCode == "not_addressed")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func anEventRelayedForAnotherOriginIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"], other = c["caledonia"]
            let before = try await storedEvents(b)
            let e = Fixtures.event(other, .open, to: ["borealis"], body: Fixtures.openBody(other))
            let reply = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.json?["results"]?.arrayValue?.first?["code"]?.stringValue == "forbidden")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func aReplayedBatchIsAcceptedOnceAndAppliedOnce() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            let e = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            let body = Batch.encode([e])
            let first = try await raw.post(body, to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            let replay = try await raw.post(body, to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(first.status == 200)
            #expect(replay.status == 200)
            #expect(first.body == replay.body)
            #expect(first.json?["results"]?.arrayValue?.first?["status"]?.stringValue == "accepted")
            #expect(try await storedEvents(b) == before + 1)
            // The same event in a new batch: a duplicate, not applied again.
            let again = try await raw.post(Batch.encode([e, e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(again.json?["results"]?.arrayValue?.map { $0["status"]?.stringValue } == ["duplicate", "duplicate"])
            #expect(try await storedEvents(b) == before + 1)
        }
    }

    @Test func malformedJSONIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            for garbage in ["{\"batch\": \"x\", \"events\": [", "not json", "{\"batch\":\"x\",\"batch\":\"y\",\"events\":[{}]}", "{\"batch\":\"x\",\"events\":[]}", "[]"] {
                let reply = try await raw.post(Array(garbage.utf8), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
                #expect(reply.status == 400, "\(garbage)")
                #expect(reply.errorCode == "malformed")
            }
            // A well-formed batch with a malformed event: that event alone is rejected.
            let reply = try await raw.post(Array("{\"batch\":\"b1\",\"events\":[{\"v\":1}]}".utf8), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.json?["results"]?.arrayValue?.first?["code"]?.stringValue == "malformed")
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func anOversizedBodyIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let before = try await storedEvents(b)
            let huge = [UInt8](repeating: UInt8(ascii: " "), count: b.node.configuration.maxBodyBytes + 1)
            let reply = try await raw.post(huge, to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.status == 413)
            #expect(try await storedEvents(b) == before)
        }
    }

    @Test func anIllegalStepIsRefusedOnReceipt() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let open = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            // The initiator "acknowledging" its own case, and a step in a case the receiver does not hold.
            let selfAck = Fixtures.event(a, .acknowledge, to: ["borealis"], caseID: open.id, body: [:])
            let orphan = Fixtures.event(a, .withdraw, to: ["borealis"], caseID: EventID(bytes: [UInt8](repeating: 1, count: 32)), body: ["reason": "x"])
            let reply = try await raw.post(Batch.encode([open, selfAck, orphan]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            let results = reply.json?["results"]?.arrayValue ?? []
            #expect(results.map { $0["status"]?.stringValue } == ["accepted", "rejected", "rejected"])
            #expect(results.map { $0["code"]?.stringValue } == [nil, "illegal_step", "unknown_case"])
            #expect(try await b.node.store.events(inCase: open.id).count == 1)
        }
    }

    @Test func aFutureDatedEventIsRefused() async throws {
        try await withCluster { c in
            let a = c["aurelia"], b = c["borealis"]
            let future = a.node.time.now().adding(hours: 2)
            let body = ["kind": JSONValue.string("check"), "title": "x", "fields": [:], "deadlines": a.node.policy.deadlines(for: .check, openedAt: future).json]
            let e = Event.sign(type: .open, origin: "aurelia", to: ["borealis"], caseID: nil, time: future, body: body, keys: a.node.keys)
            let reply = try await raw.post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.json?["results"]?.arrayValue?.first?["code"]?.stringValue == "clock_skew")
        }
    }
}
