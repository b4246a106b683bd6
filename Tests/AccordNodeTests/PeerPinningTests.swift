import AccordCore
import AccordHTTP
@testable import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Pinning: an impostor claiming a pinned name is refused; a replacement is explicit and recorded;
/// profiles (and with them encryption keys) reach peers signed by the pinned key.
@Suite(.serialized) struct PeerPinningTests {
    @Test func anImpostorClaimingAPinnedNameIsRefused() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await TestCluster.with(["borealis"]) { impostors in
                try await cluster.startAll()
                try await impostors.startAll()
                let a = cluster["aurelia"], real = cluster["borealis"], fake = impostors["borealis"]
                let fakeFingerprint = fake.node.keys.publicSigningKey.fingerprint
                let realFingerprint = real.node.keys.publicSigningKey.fingerprint

                // The admin even confirms the impostor's own fingerprint: the name is taken.
                let refused = try await a.client.send(.POST, "/api/v1/peers", body: CanonicalJSON.encode(["url": .string(fake.url), "fingerprint": .string(fakeFingerprint)]))
                #expect(refused.status == 409)
                #expect(refused.json?["error"]?["field"]?.stringValue == "replace")
                #expect(refused.json?["error"]?["message"]?.stringValue?.contains("already pinned") == true)
                #expect(try await a.node.store.peer(named: "borealis")?.signingKey == real.node.keys.publicSigningKey)

                // Replacing needs the old fingerprint, exactly.
                let wrongOld = try await a.client.send(.POST, "/api/v1/peers", body: CanonicalJSON.encode([
                    "url": .string(fake.url), "fingerprint": .string(fakeFingerprint), "replace": .string(fakeFingerprint),
                ]))
                #expect(wrongOld.status == 400)
                #expect(wrongOld.json?["error"]?["code"]?.stringValue == "bad_key")
                #expect(try await a.node.store.peer(named: "borealis")?.signingKey == real.node.keys.publicSigningKey)
                #expect(try await a.node.store.peerReplacements().isEmpty)

                // An admin who knows the old key was lost replaces it; the replacement is recorded.
                let replaced = try await a.client.call(.POST, "/api/v1/peers", json: [
                    "url": .string(fake.url), "fingerprint": .string(fakeFingerprint), "replace": .string(realFingerprint),
                ])
                #expect(replaced["outcome"]?.stringValue == "replaced")
                #expect(replaced["replaced_fingerprint"]?.stringValue == realFingerprint)
                #expect(replaced["organisation"]?.stringValue == "Test borealis")
                #expect(replaced["country"]?.stringValue == "XT")
                let log = try await a.node.store.peerReplacements()
                #expect(log.count == 1)
                #expect(log.first?.oldKey == real.node.keys.publicSigningKey)
                #expect(log.first?.newKey == fake.node.keys.publicSigningKey)
                #expect(log.first?.by == "token:test-admin")
                let listed = try await a.client.get("/api/v1/peers/replacements")
                #expect(listed.arrayValue?.first?["old_fingerprint"]?.stringValue == realFingerprint)
            }
        }
    }

    @Test func aKeyPinnedUnderAnotherNameIsRefused() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            let a = cluster["aurelia"], b = cluster["borealis"]
            let alias = Peer(name: "borealis-alias", url: b.url, signingKey: b.node.keys.publicSigningKey, encryptionKey: b.node.keys.publicEncryptionKey, addedAt: a.node.time.now())
            await #expect(throws: AccordError.self) {
                _ = try await PeerPinning.pin(alias, replacing: nil, by: "test", selfName: "aurelia", store: a.node.store, now: a.node.time.now())
            }
            let alias2 = try await a.node.store.peer(named: "borealis-alias")
            #expect(alias2 == nil)
        }
    }

    @Test func aNewEncryptionKeyReachesPeersInASignedProfile() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let before = a.node.keys.publicEncryptionKey
            let reply = try await a.client.post("/api/v1/key/rotate-encryption", [:])
            let announcedText = try #require(reply["encryption_key"]?.stringValue)
            let announced = try PublicEncryptionKey(base64: announcedText)
            #expect(announced != before)
            #expect(announced == a.node.keys.publicEncryptionKey)
            #expect(try await TestCluster.eventually { try await b.node.store.peer(named: "aurelia")?.encryptionKey == announced })
            // The profile served and the one borealis holds are the same signed event.
            let served = try await a.client.get("/api/v1/node")
            let held = try #require(try await b.node.store.peer(named: "aurelia")?.profile)
            let servedProfile = try #require(served["profile"])
            let heldID = try Event(bytes: held).id
            let servedID = try Event(json: servedProfile).id
            #expect(heldID == servedID)
            // The key on disk is the new one, owner-only.
            #expect(try a.directory.loadKeys().publicEncryptionKey == announced)
        }
    }

    @Test func aProfileSignedByAnotherKeyIsRefused() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("borealis")
            let a = cluster["aurelia"], b = cluster["borealis"]
            let other = NodeKeys.generate()
            let forged = Profile.event(configuration: a.node.configuration, keys: other, time: a.node.time.now(), to: ["borealis"])
            let reply = try await RawFederationClient().post(Batch.encode([forged]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(reply.status == 200)
            let result = try BatchResponse(bytes: reply.body).results.first
            #expect(result?.status == .rejected)
            #expect(try await b.node.store.peer(named: "aurelia")?.encryptionKey == a.node.keys.publicEncryptionKey)
        }
    }
}

/// A protocol that can grow: types a peer does not accept are held, not sent; a receiver tells
/// "unsupported type" from "malformed"; parked events can be sent again.
@Suite(.serialized) struct EventTypeNegotiationTests {
    @Test func aReceiverTellsUnsupportedFromMalformed() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("borealis")
            let a = cluster["aurelia"], b = cluster["borealis"]
            let e = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
            func retyped(_ type: String) throws -> [UInt8] {
                guard case .object(var m) = e.json else { throw AccordError(.malformed, "not an object") }
                m["type"] = .string(type)
                m.removeValue(forKey: "sig")
                let unsigned = CanonicalJSON.encode(.object(m))
                m["sig"] = .string(Encoding.base64(a.node.keys.sign(unsigned)))
                return CanonicalJSON.encode(.object(m))
            }
            for (type, code) in [("report.future_kind", "unsupported_type"), ("Not A Type!", "malformed")] {
                let body = Array("{\"batch\":\"t-\(code)\",\"events\":[".utf8) + (try retyped(type)) + Array("]}".utf8)
                let reply = try await RawFederationClient().post(body, to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
                #expect(reply.status == 200)
                #expect(try BatchResponse(bytes: reply.body).results.first?.code == code)
            }
            #expect(try await b.node.store.eventCount() == 1)  // its own profile only
        }
    }

    @Test func aPeerThatDoesNotAcceptATypeNeverReceivesIt() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            // borealis advertises every type but conditions proposals (as an older or restricted node would).
            var limited = try #require(try await b.node.profile().json.objectValue)
            var body = try #require(limited["body"]?.objectValue)
            body["accepts"] = .strings(ReceiptHandlers.acceptedTypeNames.filter { $0 != EventType.proposeConditions.rawValue })
            limited["body"] = .object(body)
            limited.removeValue(forKey: "sig")
            let unsigned = CanonicalJSON.encode(.object(limited))
            limited["sig"] = .string(Encoding.base64(b.node.keys.sign(unsigned)))
            let profile = try Event(json: .object(limited))
            var pinned = try #require(try await a.node.store.peer(named: "borealis"))
            pinned.profile = profile.canonical
            try await a.node.store.savePeer(pinned)

            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseID = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, caseID)
            let proposal = try await a.client.post("/api/v1/cases/\(caseID)/steps", ["type": "propose_conditions", "body": ["conditions": "Use only for this investigation"]])
            let proposalID = try #require(proposal["event"]?.stringValue.flatMap(EventID.init(hex:)))
            let second = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let secondID = try #require(second["event"]?.stringValue.flatMap(EventID.init(hex:)))
            // What follows the held event still arrives; the held one never does.
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(secondID) })
            #expect(try await b.node.store.containsEvent(proposalID) == false)
            let parked = try await a.client.get("/api/v1/deliveries/borealis/parked")
            #expect(parked.arrayValue?.count == 1)
            #expect(parked.arrayValue?.first?["code"]?.stringValue == "held")
            #expect(parked.arrayValue?.first?["type"]?.stringValue == "case.conditions_proposed")

            // borealis upgrades (its real profile lists the type); the operator re-sends.
            pinned.profile = try await b.node.profile().canonical
            try await a.node.store.savePeer(pinned)
            let resend = try await a.client.send(.POST, "/api/v1/deliveries/borealis/resend")
            #expect(resend.status == 202)
            #expect(try await TestCluster.eventually { try await b.node.store.containsEvent(proposalID) })
            #expect(try await TestCluster.eventually { try await a.node.store.parkedDeliveries(peer: "borealis").isEmpty })
            // The same from the command line.
            let listed = try await ProofBundleTests.run(["peer", "parked", "borealis", "--node", a.url, "--token", a.token])
            #expect(listed.status == 0 && listed.output.contains("Nothing parked for borealis."), "\(listed.output)")
            let resent = try await ProofBundleTests.run(["peer", "resend", "borealis", "--node", a.url, "--token", a.token])
            #expect(resent.status == 0 && resent.output.contains("Re-sending 0 parked event(s) to borealis"), "\(resent.output)")
            let unknown = try await ProofBundleTests.run(["peer", "resend", "nobody", "--node", a.url, "--token", a.token])
            #expect(unknown.status != 0 && unknown.output.contains("no pinned peer named nobody"), "\(unknown.output)")
        }
    }
}

/// `init` makes the data directory owner-only even when it already existed.
@Suite struct DataDirectoryPermissionTests {
    @Test func anExistingDirectoryIsMadeOwnerOnly() async throws {
        let root = TemporaryDirectory("accord-init")
        defer { root.remove() }
        let path = root.path + "/node"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let config = NodeConfiguration(
            name: "aurelia", profile: ProfileInfo(organisation: "Aurelia", country: "XA", roles: [.technical], languages: ["en"], hours: "24/7"))
        _ = try await DataDirectory(path).create(configuration: config)
        func mode(_ p: String) -> mode_t {
            var info = stat()
            stat(p, &info)
            return info.st_mode & 0o777
        }
        #expect(mode(path) == 0o700)
        #expect(mode(path + "/keys") == 0o700)
        #expect(mode(path + "/accord.sqlite") == 0o600)
        #expect(mode(path + "/keys/signing.key") == 0o600)
        #expect(mode(path + "/accord.json") == 0o600)
    }
}
