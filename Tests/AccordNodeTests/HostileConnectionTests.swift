import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Hostile connections cannot exhaust a node: bodies are refused before they are read unless
/// their signature headers name a pinned peer; slow and idle connections are closed; a client
/// holds only its share of connections; a noisy peer is answered 429; redirects are not followed.
@Suite(.serialized) struct HostileConnectionTests {
    static func head(_ path: String, length: Int, extra: [(String, String)] = []) -> String {
        var lines = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: \(length)"]
        lines += extra.map { "\($0.0): \($0.1)" }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func status(_ read: RawConnection.Read) -> Int? {
        guard case .data(let text) = read, let line = text.split(separator: "\r\n").first else { return nil }
        let parts = line.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    @Test func unsignedAndOversizedBodiesAreRefusedBeforeTheyAreRead() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("borealis")
            let a = cluster["aurelia"], b = cluster["borealis"]
            let eightMiB = 8 << 20
            // No signature: answered while the 8 MiB body has not been sent.
            for path in [Batch.path, LogCoordinator.witnessPath] {
                let c = try RawConnection(port: b.port)
                c.send(Self.head(path, length: eightMiB) + String(repeating: "x", count: 1024))
                let answerc = await c.read(timeout: .seconds(20))
                #expect(Self.status(answerc) == 401, "\(path)")
            }
            // Signature headers of a node borealis has not pinned: refused the same way.
            let stranger = NodeKeys.generate()
            let strangerHeaders = MessageSignature.sign(method: "POST", path: Batch.path, body: [], recipient: "borealis", sender: "mallory", keys: stranger, created: SystemTime().now())
            let c1 = try RawConnection(port: b.port)
            c1.send(Self.head(Batch.path, length: eightMiB, extra: strangerHeaders.filter { $0.0 != "Content-Digest" } + [("Content-Digest", MessageSignature.contentDigest([UInt8]()))]))
            let answerc1 = await c1.read(timeout: .seconds(20))
            #expect(Self.status(answerc1) == 403)
            // A pinned peer's headers but a declared body beyond max_body_bytes: 413 before reading it.
            let big = MessageSignature.sign(method: "POST", path: Batch.path, body: [], recipient: "borealis", sender: "aurelia", keys: a.node.keys, created: SystemTime().now())
            let c2 = try RawConnection(port: b.port)
            c2.send(Self.head(Batch.path, length: b.node.configuration.maxBodyBytes + 1, extra: big))
            let answerc2 = await c2.read(timeout: .seconds(20))
            #expect(Self.status(answerc2) == 413)
            // A signature created long ago is refused on its headers too.
            let stale = MessageSignature.sign(method: "POST", path: Batch.path, body: [], recipient: "borealis", sender: "aurelia", keys: a.node.keys, created: SystemTime().now().adding(seconds: -3600))
            let c3 = try RawConnection(port: b.port)
            c3.send(Self.head(Batch.path, length: eightMiB, extra: stale))
            let answerc3 = await c3.read(timeout: .seconds(20))
            #expect(Self.status(answerc3) == 401)
            #expect(try await b.node.store.eventCount() == 1)
        }
    }

    @Test func slowAndIdleConnectionsAreClosed() async throws {
        try await TestCluster.with(["borealis"], limits: LimitSettings(idleTimeoutSeconds: 1)) { cluster in
            try await cluster.startAll()
            let b = cluster["borealis"]
            let idle = try RawConnection(port: b.port)
            let slow = try RawConnection(port: b.port)
            slow.send("POST /federation/v1/bat")
            let answeridle = await idle.read(timeout: .seconds(20))
            #expect(answeridle == .closed)
            let answerslow = await slow.read(timeout: .seconds(20))
            #expect(answerslow == .closed)
            // The node still answers.
            #expect(try await b.client.send(.GET, "/api/v1/node").status == 200)
        }
    }

    @Test func aClientHoldsOnlyItsShareOfConnections() async throws {
        try await TestCluster.with(["borealis"], limits: LimitSettings(maxConnectionsPerClient: 3, idleTimeoutSeconds: 30)) { cluster in
            try await cluster.startAll()
            let b = cluster["borealis"]
            // Four connections from one address: the server keeps three (whichever it registers first).
            let connections = try (0..<4).map { _ in try RawConnection(port: b.port) }
            try await Task.sleep(for: .milliseconds(300))
            var kept: [RawConnection] = []
            var closed = 0
            for c in connections {
                c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = await c.read(timeout: .seconds(10))
                if answer == .closed { closed += 1 } else if Self.status(answer) == 200 { kept.append(c) }
            }
            #expect(closed == 1)
            #expect(kept.count == 3)
        }
    }

    @Test func aPeerOverItsRateIsToldWhenToComeBack() async throws {
        try await TestCluster.with(["aurelia", "borealis"], limits: LimitSettings(peerRequestsPerSecond: 0.2, peerBurst: 2)) { cluster in
            try await cluster.start("borealis")
            let a = cluster["aurelia"], b = cluster["borealis"]
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<3 {
                let e = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a))
                let reply = try await RawFederationClient().post(Batch.encode([e]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
                statuses.append(reply.status)
                if reply.status == 429 { retryAfter = reply.header("Retry-After") }
            }
            #expect(statuses == [200, 200, 429])
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 && $0 <= 5 } == true)
            #expect(try await b.node.store.eventCount() == 3)
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let redirector = try CannedHTTPServer(response: "HTTP/1.1 307 Temporary Redirect\r\nLocation: \(b.url)/federation/v1/batches\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            defer { redirector.stop() }
            // A profile fetched for pinning through a redirect is refused, naming the redirect.
            await #expect(throws: AccordError.self) { _ = try await FederationClient().fetchProfile(url: redirector.url) }
            do {
                _ = try await FederationClient().fetchProfile(url: redirector.url)
            } catch let e as AccordError {
                #expect(e.message.contains("redirect"))
            }
            // Delivery to a peer whose URL now redirects: the signed batch is not re-sent elsewhere.
            var pinned = try #require(try await a.node.store.peer(named: "borealis"))
            pinned.url = redirector.url
            try await a.node.store.savePeer(pinned)
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let caseID = try #require(opened["event"]?.stringValue.flatMap(EventID.init(hex:)))
            #expect(try await TestCluster.eventually { (try await a.node.store.deliveryStatus().first { $0.peer == "borealis" }?.lastError ?? "").contains("redirect") })
            #expect(redirector.requestCount >= 1)
            #expect(try await b.node.store.caseState(caseID) == nil)
        }
    }

    @Test func bodiesInFlightStayWithinTheNodesBudget() async throws {
        try await TestCluster.with(["aurelia", "borealis"], limits: LimitSettings(bodyBytesInFlight: 1 << 20)) { cluster in
            try await cluster.start("borealis")
            let a = cluster["aurelia"], b = cluster["borealis"]
            func signedHead(_ length: Int) -> String {
                let headers = MessageSignature.sign(method: "POST", path: Batch.path, body: [], recipient: "borealis", sender: "aurelia", keys: a.node.keys, created: SystemTime().now())
                return Self.head(Batch.path, length: length, extra: headers)
            }
            // A pinned peer's slow 900 KB body holds most of the 1 MiB budget while it trickles in.
            let slow = try RawConnection(port: b.port)
            slow.send(signedHead(900_000) + String(repeating: "x", count: 1000))
            #expect(await TestCluster.eventually(timeout: .seconds(10)) { b.node.bodyBudget.inUse == 900_000 })
            // Another body that would pass the budget is refused at once, unread, with a retry hint
            // (the timeout only allows for a test machine loaded by every other suite: nothing of
            // the body is ever sent, so an answer at all means it was refused unread).
            let second = try RawConnection(port: b.port)
            second.send(signedHead(500_000))
            let refused = await second.read(timeout: .seconds(20))
            #expect(Self.status(refused) == 503)
            if case .data(let text) = refused { #expect(text.lowercased().contains("retry-after: 1")) }
            // Once the slow one goes away its share comes back.
            slow.send(String(repeating: "x", count: 898_999) + "\r\n")
            _ = await slow.read(timeout: .seconds(20))
            #expect(await TestCluster.eventually { b.node.bodyBudget.inUse == 0 })
            let third = try RawConnection(port: b.port)
            third.send(signedHead(500_000) + String(repeating: "x", count: 500_000))
            let answer = await third.read(timeout: .seconds(20))
            #expect(Self.status(answer) == 401)  // read, then refused: the digest does not match
        }
    }
}
