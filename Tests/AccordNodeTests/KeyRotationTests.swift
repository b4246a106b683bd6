import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Key rotation: announced under the old key, applied by peers in order, safe across restarts.
@Suite(.serialized) struct KeyRotationTests {
    @Test func peersFollowARotation() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let oldKeys = a.node.keys
            // Events authored before the rotation are still queued when it happens: delivered after a restart of b.
            await cluster.stop("borealis")
            let before = try await a.node.open(OpenCaseRequest(kind: .check, title: "Before", to: ["borealis"], fields: [:]))
            let rotated = try await a.client.post("/api/v1/key/rotate", [:])
            #expect(rotated["fingerprint"]?.stringValue == a.node.keys.publicSigningKey.fingerprint)
            #expect(a.node.keys.publicSigningKey != oldKeys.publicSigningKey)
            let after = try await a.node.open(OpenCaseRequest(kind: .check, title: "After", to: ["borealis"], fields: [:]))
            #expect(after.event.isSigned(by: a.node.keys.publicSigningKey))
            try await cluster.start("borealis")

            #expect(try await TestCluster.eventually { try await b.node.store.caseState(after.event.id) != nil })
            #expect(try await b.node.store.caseState(before.event.id) != nil)
            #expect(try await b.node.store.peer(named: "aurelia")?.signingKey == a.node.keys.publicSigningKey)
            #expect(try await a.node.store.deliveryStatus().first?.rejected == 0)

            // The old key no longer speaks for aurelia.
            let forged = Event.sign(type: .open, origin: "aurelia", to: ["borealis"], caseID: nil, time: a.node.time.now(), body: Fixtures.openBody(a), keys: oldKeys)
            let reply = try await RawFederationClient().post(Batch.encode([forged]), to: b.url, recipient: "borealis", sender: "aurelia", keys: oldKeys)
            #expect(reply.status == 401)
            #expect(reply.errorCode == "bad_signature")

            // The profile now announces the new key, signed by it.
            let profile = try Profile.verify(try await a.node.profile().canonical)
            #expect(profile.signingKey == a.node.keys.publicSigningKey)

            // From disk: the new key is in place, the old one retired with owner-only permissions.
            let reopened = try Node.open(a.directory, logger: TestCluster.logger("reopened"))
            #expect(reopened.keys.publicSigningKey == a.node.keys.publicSigningKey)
            let retired = a.directory.keysURL.appendingPathComponent("retired")
            let files = try FileManager.default.contentsOfDirectory(atPath: retired.path)
            #expect(files.count == 1)
            var info = stat()
            #expect(stat(retired.appendingPathComponent(files[0]).path, &info) == 0)
            #expect(info.st_mode & 0o077 == 0)
        }
    }

    @Test func anInterruptedRotationThatWasNeverCommittedIsDiscarded() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            let a = cluster["aurelia"]
            let current = a.node.keys.publicSigningKey
            // A crash after writing the next key but before committing the rotation event.
            let stray = NodeKeys.generate()
            let next = a.directory.keysURL.appendingPathComponent("signing.key.next")
            let fd = open(next.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            #expect(fd >= 0)
            let text = Encoding.base64(Array(stray.signing.rawRepresentation)) + "\n"
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
            let reopened = try Node.open(a.directory, logger: TestCluster.logger("reopened"))
            #expect(reopened.keys.publicSigningKey == current)
            #expect(!FileManager.default.fileExists(atPath: next.path))
        }
    }
}
