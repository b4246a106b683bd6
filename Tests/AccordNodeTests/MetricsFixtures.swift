import AccordCore
import AccordHTTP
import AccordNode
import AccordTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Reads `GET /metrics` over real HTTP and parses it with the Prometheus project's own parser
/// (scripts/metrics-parse.py, prometheus_client).
enum MetricsFixtures {
    struct Reply {
        var status: Int
        var text: String
        var headers: [(String, String)]
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var errorCode: String? { (try? JSONParser.parse(Array(text.utf8)))?["error"]?["code"]?.stringValue }
    }

    static func get(_ url: String, authorization: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url + "/metrics")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), text: buffer.readString(length: buffer.readableBytes) ?? "",
                     headers: response.headers.map { ($0.name, $0.value) })
    }

    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// What prometheus_client read: families by name (counters without `_total`), with samples.
    struct Scrape {
        var families: [String: JSONValue]

        func samples(_ family: String) -> [Sample] {
            (families[family]?["samples"]?.arrayValue ?? []).compactMap { s in
                guard let a = s.arrayValue, a.count == 3, let name = a[0].stringValue, let value = a[2].doubleValue else { return nil }
                let labels = (a[1].objectValue ?? [:]).compactMapValues(\.stringValue)
                return Sample(name: name, labels: labels, value: value)
            }
        }

        /// The value of the one sample named `name` whose labels include `labels`; nil if none.
        func value(_ family: String, _ name: String? = nil, _ labels: [String: String] = [:]) -> Double? {
            let matching = samples(family).filter { s in
                (name == nil || s.name == name) && labels.allSatisfy { s.labels[$0.key] == $0.value }
            }
            return matching.count == 1 ? matching[0].value : nil
        }

        func type(_ family: String) -> String? { families[family]?["type"]?.stringValue }
    }

    /// Parses `text` with prometheus_client; fails the test (with the parser's words) if it cannot.
    static func parse(_ text: String) async throws -> Scrape {
        let file = NSTemporaryDirectory() + "accord-metrics-\(UUID().uuidString.prefix(8)).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try await ProjectScripts.run("python3", "metrics-parse.py", [file])
        try #require(status == 0, "prometheus_client refused the exposition:\n\(output)")
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let json = try JSONParser.parse(Array(last.utf8))
        return Scrape(families: json["families"]?.objectValue ?? [:])
    }

    /// A node of its own (not pinned to anyone) with `metrics` settings, started on loopback;
    /// `prepare` runs on its data directory before it opens.
    static func withNode(_ metrics: MetricsSettings, prepare: (DataDirectory) throws -> Void = { _ in }, _ body: (RunningNode) async throws -> Void) async throws {
        let root = TemporaryDirectory("accord-metrics")
        defer { root.remove() }
        let port = try FreePort.find()
        var config = NodeConfiguration(
            name: "aurelia", listenHost: "127.0.0.1", listenPort: port,
            profile: ProfileInfo(organisation: "Test aurelia", country: "XT", roles: [.technical], languages: ["en"], hours: "24/7"), log: .onDemand)
        config.metrics = metrics
        let dir = DataDirectory(root.path + "/aurelia")
        _ = try await dir.create(configuration: config)
        try prepare(dir)
        let node = try Node.open(dir, logger: TestCluster.logger("aurelia"))
        let running = try await RunningNode.start(node, port: port)
        do {
            try await body(running)
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }
}
