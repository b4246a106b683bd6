import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// `GET /metrics` of real nodes over real HTTP, read with the Prometheus project's parser:
/// exact counts after a known exchange, each node with numbers of its own, and access as
/// configured.
@Suite(.serialized) struct MetricsTests {
    let raw = RawFederationClient()

    @Test func twoNodesCountWhatTheyExchangedWitnessedAndRefused() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]

            // A case opened by aurelia, acknowledged by borealis.
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            try await b.node.waitForReceipt(of: try #require(EventID(hex: id)))
            let ack = try await b.client.post("/api/v1/cases/\(id)/steps", ["type": "acknowledge", "body": ["note": "On it"]])
            try await a.node.waitForReceipt(of: try #require(ack["event"]?.stringValue.flatMap(EventID.init(hex:))))
            // Both deliveries acknowledged and counted.
            let lagged = try await TestCluster.eventually {
                let pending = try await a.node.store.deliveryStatus().map(\.pending) + b.node.store.deliveryStatus().map(\.pending)
                return pending.allSatisfy { $0 == 0 }
                    && a.node.metrics.registry.emitToString().contains("accord_delivery_lag_seconds_count{peer=\"borealis\"} 1")
                    && b.node.metrics.registry.emitToString().contains("accord_delivery_lag_seconds_count{peer=\"aurelia\"} 1")
            }
            #expect(lagged)

            // aurelia's checkpoint, cosigned by borealis.
            let log = try #require(cluster.log("aurelia"))
            let checkpoint = try await log.checkpointRound(ignoringBackoff: true)
            #expect(checkpoint?.witnessedAt != nil)

            // Refusals: garbage and a forged signature from "aurelia", an event addressed to
            // someone else, an unknown case and a wrong token on aurelia's API.
            var r = try await raw.post(Array("not json".utf8), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(r.status == 400)
            #expect(r.errorCode == "malformed")
            let impostor = NodeKeys.generate()
            let forged = Fixtures.event(a, .open, to: ["borealis"], body: Fixtures.openBody(a), keys: impostor)
            r = try await raw.post(Batch.encode([forged]), to: b.url, recipient: "borealis", sender: "aurelia", keys: impostor)
            #expect(r.status == 401)
            #expect(r.errorCode == "bad_signature")
            let elsewhere = Fixtures.event(a, .open, to: ["caledonia"], body: Fixtures.openBody(a))
            r = try await raw.post(Batch.encode([elsewhere]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
            #expect(r.status == 200)
            let unknownCase = String(repeating: "ab", count: 32)
            let missing = try await a.client.send(.GET, "/api/v1/cases/\(unknownCase)")
            #expect(missing.status == 404)
            let missingCode = try #require(missing.json?["error"]?["code"]?.stringValue)
            let anonymous = try await OperatorClient(url: a.url, token: "not-a-token").send(.GET, "/api/v1/cases")
            #expect(anonymous.status == 401)

            let replyA = try await MetricsFixtures.get(a.url)
            #expect(replyA.status == 200)
            #expect(replyA.header("Content-Type")?.hasPrefix("text/plain") == true)
            let ma = try await MetricsFixtures.parse(replyA.text)
            let mb = try await MetricsFixtures.parse(try await MetricsFixtures.get(b.url).text)

            // Events authored and received, each node its own numbers.
            let open = EventType.open.rawValue, acknowledge = EventType.acknowledge.rawValue
            #expect(ma.type("accord_events_authored") == "counter")
            #expect(ma.value("accord_events_authored", nil, ["type": open]) == 1)
            #expect(ma.value("accord_events_authored", nil, ["type": acknowledge]) == nil)
            #expect(mb.value("accord_events_authored", nil, ["type": acknowledge]) == 1)
            #expect(mb.value("accord_events_authored", nil, ["type": open]) == nil)
            #expect(mb.value("accord_events_received", nil, ["type": open, "peer": "aurelia"]) == 1)
            #expect(ma.value("accord_events_received", nil, ["type": acknowledge, "peer": "borealis"]) == 1)
            #expect(mb.samples("accord_events_received").count == 1, "the refused events are not counted as received")

            // Delivery lag: one event each way, signed moments before it was acknowledged.
            #expect(ma.type("accord_delivery_lag_seconds") == "histogram")
            #expect(ma.value("accord_delivery_lag_seconds", "accord_delivery_lag_seconds_count", ["peer": "borealis"]) == 1)
            let lag = try #require(ma.value("accord_delivery_lag_seconds", "accord_delivery_lag_seconds_sum", ["peer": "borealis"]))
            #expect(lag >= 0 && lag < 60)
            #expect(mb.value("accord_delivery_lag_seconds", "accord_delivery_lag_seconds_count", ["peer": "aurelia"]) == 1)

            // Outbox depth, read at scrape time.
            #expect(ma.type("accord_outbox_depth") == "gauge")
            #expect(ma.value("accord_outbox_depth", nil, ["peer": "borealis"]) == 0)

            // Rejections by code and scope.
            #expect(mb.value("accord_rejections", nil, ["code": "malformed", "scope": "federation"]) == 1)
            #expect(mb.value("accord_rejections", nil, ["code": "bad_signature", "scope": "federation"]) == 1)
            #expect(mb.value("accord_rejections", nil, ["code": "not_addressed", "scope": "event"]) == 1)
            #expect(ma.value("accord_rejections", nil, ["code": missingCode, "scope": "api"]) == 1)
            #expect(ma.value("accord_rejections", nil, ["code": "unauthorized", "scope": "api"]) == 1)
            #expect(ma.samples("accord_rejections").filter { $0.labels["scope"] != "api" }.isEmpty, "aurelia refused nothing from a peer")

            // Checkpoint age, cosignatures and the witnessed size.
            let age = try #require(ma.value("accord_checkpoint_age_seconds"))
            #expect(age >= 0 && age < 300)
            #expect(ma.value("accord_witness_cosignatures", nil, ["witness": "borealis"]) == 1)
            #expect(ma.value("accord_log_witnessed_size") == Double(try await a.node.store.logSize()))
            #expect(mb.value("accord_checkpoint_age_seconds") == nil, "borealis signed no checkpoint")

            // HTTP latency by route pattern, method and status class; no ids in any label.
            #expect(mb.type("accord_http_request_duration_seconds") == "histogram")
            let batches = ["route": Batch.path, "method": "POST"]
            #expect((mb.value("accord_http_request_duration_seconds", "accord_http_request_duration_seconds_count", batches.merging(["status": "2xx"]) { $1 }) ?? 0) >= 2)
            #expect(mb.value("accord_http_request_duration_seconds", "accord_http_request_duration_seconds_count", batches.merging(["status": "4xx"]) { $1 }) == 2)
            let routes = Set((ma.samples("accord_http_request_duration_seconds") + mb.samples("accord_http_request_duration_seconds")).compactMap { $0.labels["route"] })
            #expect(routes.contains { $0.hasPrefix("/api/v1/cases/") && ($0.contains(":") || $0.contains("{")) }, "\(routes.sorted())")
            let hex = try Regex("[0-9a-f]{16,}")
            #expect(routes.allSatisfy { $0.firstMatch(of: hex) == nil }, "\(routes.sorted())")
            #expect(ma.value("accord_http_request_duration_seconds", "accord_http_request_duration_seconds_count",
                             ["route": "/api/v1/cases/{id}", "method": "GET", "status": "4xx"]) == 1
                    || ma.value("accord_http_request_duration_seconds", "accord_http_request_duration_seconds_count",
                                ["route": "/api/v1/cases/:id", "method": "GET", "status": "4xx"]) == 1, "\(routes.sorted())")

            // With borealis away, aurelia's next case waits in its outbox.
            await cluster.stop("borealis")
            _ = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let waiting = try await MetricsFixtures.parse(try await MetricsFixtures.get(a.url).text)
            #expect(waiting.value("accord_outbox_depth", nil, ["peer": "borealis"]) == 1)
            #expect(waiting.value("accord_events_authored", nil, ["type": open]) == 2)
        }
    }

    @Test func aTokenLetsInAScraperFromAnAddressNotAllowed() async throws {
        let token = "metrics-token-0123456789abcdef"
        try await MetricsFixtures.withNode(MetricsSettings(token: token, allow: ["10.0.0.0/8"])) { node in
            var r = try await MetricsFixtures.get(node.url)
            #expect(r.status == 401)
            #expect(r.errorCode == "unauthorized")
            #expect(r.header("WWW-Authenticate") == "Bearer")
            for wrong in ["Bearer metrics-token-0123456789abcdeX", "Bearer ", "Basic bWV0cmljczp4", "Bearer \(token)x"] {
                r = try await MetricsFixtures.get(node.url, authorization: wrong)
                #expect(r.status == 401, "\(wrong)")
                #expect(r.errorCode == "unauthorized")
                #expect(!r.text.contains(token))
            }
            r = try await MetricsFixtures.get(node.url, authorization: "Bearer \(token)")
            #expect(r.status == 200)
            let scrape = try await MetricsFixtures.parse(r.text)
            // The refused scrapes were answered, and timed, on the metrics route.
            #expect(scrape.value("accord_http_request_duration_seconds", "accord_http_request_duration_seconds_count",
                                 ["route": "/metrics", "method": "GET", "status": "4xx"]) == 5)
            // Refused scrapes are not operator or peer refusals.
            #expect(scrape.samples("accord_rejections").isEmpty)
        }
    }

    @Test func anAddressNotAllowedIsForbiddenWithoutAToken() async throws {
        try await MetricsFixtures.withNode(MetricsSettings(allow: ["10.0.0.0/8", "2001:db8::/32"])) { node in
            let r = try await MetricsFixtures.get(node.url, authorization: "Bearer anything-at-all-0123")
            #expect(r.status == 403)
            #expect(r.errorCode == "forbidden")
            #expect(r.text.contains("metrics.allow"))
        }
    }

    @Test func disabledMetricsAreNotThere() async throws {
        try await MetricsFixtures.withNode(MetricsSettings(enabled: false)) { node in
            let r = try await MetricsFixtures.get(node.url)
            #expect(r.status == 404)
            #expect(r.errorCode == "not_found")
            let health = try await OperatorClient(url: node.url, token: "").send(.GET, "/healthz")
            #expect(health.status == 200)
        }
    }

    @Test func aTokenFileMustBePrivate() async throws {
        let token = "file-token-0123456789abcdef"
        func write(_ dir: DataDirectory, mode: mode_t) throws {
            let path = dir.url.appendingPathComponent("metrics.token").path
            try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, mode)
        }
        try await MetricsFixtures.withNode(MetricsSettings(tokenFile: "metrics.token", allow: []), prepare: { try write($0, mode: 0o600) }) { node in
            let without = try await MetricsFixtures.get(node.url)
            #expect(without.status == 401)
            let with = try await MetricsFixtures.get(node.url, authorization: "Bearer \(token)")
            #expect(with.status == 200)
        }
        let refused = await #expect(throws: AccordError.self) {
            try await MetricsFixtures.withNode(MetricsSettings(tokenFile: "metrics.token"), prepare: { try write($0, mode: 0o644) }) { _ in }
        }
        #expect(refused?.code == .configuration)
        #expect(refused?.message.contains("metrics.token_file") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains(token) == false)
    }

    @Test func allowListAndTokenDecisions() throws {
        let open = MetricsAccess(networks: ["127.0.0.1/32", "::1/128", "10.20.0.0/16"].compactMap(IPNetwork.init), token: nil)
        for address in ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.20.0.1", "10.20.255.254"] {
            #expect(open.decide(address: address, authorization: nil) == .allowed, "\(address)")
        }
        for address in ["127.0.0.2", "10.21.0.1", "::2", "192.0.2.1", "unknown", ""] {
            #expect(open.decide(address: address, authorization: nil) == .forbidden, "\(address)")
        }
        // Without a configured token, a header opens nothing.
        #expect(open.decide(address: "192.0.2.1", authorization: "Bearer x") == .forbidden)

        let secret = "s3cret-token-for-metrics"
        let guarded = MetricsAccess(networks: [try #require(IPNetwork("127.0.0.1"))], token: Array(secret.utf8))
        #expect(guarded.decide(address: "192.0.2.1", authorization: nil) == .needsToken)
        #expect(guarded.decide(address: "192.0.2.1", authorization: "Bearer \(secret)") == .allowed)
        #expect(guarded.decide(address: "2001:db8::1", authorization: "Bearer  \(secret) ") == .allowed)
        #expect(guarded.decide(address: "127.0.0.1", authorization: nil) == .allowed)
        for wrong in ["Bearer s3cret-token-for-metric", "Bearer \(secret)s", "bearer \(secret)", "Basic \(secret)", ""] {
            #expect(guarded.decide(address: "127.0.0.1", authorization: wrong) == .wrongToken, "\(wrong)")
        }

        for bad in ["10.0.0.0/33", "::1/129", "localhost", "10.0.0.0/", "10.0.0.0/-1", "1.2.3.4/8/9", "1.2.3/24", "10.0.0.0/ 8"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
        let everyV4 = try #require(IPNetwork("0.0.0.0/0"))
        #expect(everyV4.contains("203.0.113.9"))
        #expect(!everyV4.contains("::1"))
        let half = try #require(IPNetwork("192.168.1.0/25"))
        #expect(half.contains("192.168.1.127"))
        #expect(!half.contains("192.168.1.128"))
        #expect(try #require(IPNetwork("fd00::/8")).contains("fd12:3456::1"))
    }

    @Test func badMetricsSettingsNameTheKey() throws {
        let root = TemporaryDirectory("accord-metrics-config")
        defer { root.remove() }
        let base = NodeConfiguration(name: "aurelia", profile: ProfileInfo(organisation: "A", country: "XT", roles: [.technical], languages: ["en"], hours: "24/7"))
        let cases: [(JSONValue, String)] = [
            (["allow": "127.0.0.1/32"], "metrics.allow must be a list"),
            (["allow": ["127.0.0.1/32", "localhost"]], "metrics.allow[1]"),
            (["enabled": "yes"], "metrics.enabled must be true or false"),
            (["token": "short"], "metrics.token must be at least 16 bytes"),
            (["token": "0123456789abcdef0", "token_file": "metrics.token"], "at most one of token and token_file"),
        ]
        for (metrics, expected) in cases {
            var json = try JSONParser.parse(Array(base.encoded()))
            guard case .object(var o) = json else { Issue.record("not an object"); return }
            o["metrics"] = metrics
            json = .object(o)
            let url = URL(fileURLWithPath: root.path + "/accord.json")
            try Data(CanonicalJSON.encode(json)).write(to: url)
            let error = #expect(throws: AccordError.self) { _ = try NodeConfiguration.load(from: url) }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error"), expected \(expected)")
            #expect(error?.message.contains("0123456789abcdef0") == false)
        }
    }
}
