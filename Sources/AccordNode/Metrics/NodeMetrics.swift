import AccordCore
import AccordStore
import Prometheus

/// What the people who run a node watch, in the Prometheus text format (`GET /metrics`,
/// docs/operations.md "Metrics").
///
/// Each node records into a registry of its own, never the process-wide metrics system, so
/// that nodes sharing a process (tests, the demo) keep their numbers apart. Labels take only
/// bounded values: event types, pinned peers' names, error codes, route patterns.
public final class NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    public init() {}

    // MARK: Names and help

    static var authored: MetricNameDescriptor { descriptor("events_authored", "total", "Events this node signed and logged, by type.") }
    static var received: MetricNameDescriptor { descriptor("events_received", "total", "Events accepted from peers, by type and the peer that sent them.") }
    static var rejections: MetricNameDescriptor {
        descriptor("rejections", "total", "Refusals by error code and scope: event (an event refused within a peer's batch), federation (a node-to-node request refused), api (an operator API error).")
    }
    static var deliveryLag: MetricNameDescriptor {
        descriptor("delivery_lag", "seconds", "Seconds from an event's signing to the peer's acknowledgement of the batch that carried it, by peer.")
    }
    static var outboxDepth: MetricNameDescriptor { descriptor("outbox_depth", "", "Events waiting for delivery to a peer (not yet acknowledged), read at scrape time.") }
    static var checkpointAge: MetricNameDescriptor { descriptor("checkpoint_age", "seconds", "Seconds since this node signed its latest checkpoint, read at scrape time.") }
    static var sharesPending: MetricNameDescriptor {
        descriptor("taxii_shares_pending", "", "TAXII shares (objects or deletions) stored and not yet sent to the collection's peers, read at scrape time.")
    }
    static var cosignatures: MetricNameDescriptor { descriptor("witness_cosignatures", "total", "Cosignatures of this node's checkpoints received, by witness.") }
    static var httpDuration: MetricNameDescriptor {
        descriptor("http_request_duration", "seconds", "Time to answer an HTTP request, by route pattern, method and status class (2xx, 4xx, ...).")
    }

    static func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "accord", metricName: name, unitName: unit, helpText: help)
    }

    /// Seconds; from a near-instant delivery to a peer that was away for a day.
    static let lagBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400]
    static let httpBuckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000].map { Duration.microseconds(Int64($0 * 1000)) }

    // MARK: Recording

    /// Events this node authored, once committed to its log.
    public func authored(_ types: some Sequence<EventType>) {
        var counts: [EventType: Int64] = [:]
        for t in types { counts[t, default: 0] += 1 }
        for (type, n) in counts { registry.makeCounter(descriptor: Self.authored, labels: [("type", type.rawValue)]).increment(by: n) }
    }

    /// Events accepted from `peer`, once committed.
    public func received(_ types: some Sequence<EventType>, from peer: String) {
        var counts: [EventType: Int64] = [:]
        for t in types { counts[t, default: 0] += 1 }
        for (type, n) in counts {
            registry.makeCounter(descriptor: Self.received, labels: [("type", type.rawValue), ("peer", peer)]).increment(by: n)
        }
    }

    /// Where a refusal happened.
    public enum Scope: String, Sendable {
        /// An event refused within a batch a peer sent (the batch itself was answered).
        case event
        /// A node-to-node request refused as a whole.
        case federation
        /// An operator API request that failed.
        case api
    }

    public func rejected(_ code: AccordError.Code, scope: Scope) {
        registry.makeCounter(descriptor: Self.rejections, labels: [("code", code.rawValue), ("scope", scope.rawValue)]).increment()
    }

    /// A peer acknowledged a batch at `now`: one observation per event, from its signing time.
    public func delivered(signedAt times: [Timestamp], to peer: String, now: Timestamp) {
        guard !times.isEmpty else { return }
        let histogram = registry.makeValueHistogram(descriptor: Self.deliveryLag, labels: [("peer", peer)], buckets: Self.lagBuckets)
        for t in times { histogram.record(Double(max(0, now.milliseconds - t.milliseconds)) / 1000) }
    }

    /// Cosignatures of this node's checkpoints gathered from witnesses.
    public func cosigned(by witnesses: some Sequence<String>) {
        for w in witnesses { registry.makeCounter(descriptor: Self.cosignatures, labels: [("witness", w)]).increment() }
    }

    /// One HTTP request answered. `route` is the route's pattern (never the raw path).
    public func answered(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", Self.methodLabel(method)), ("status", "\(min(max(status / 100, 1), 5))xx")]
        registry.makeDurationHistogram(descriptor: Self.httpDuration, labels: labels, buckets: Self.httpBuckets).record(duration)
    }

    /// Methods outside the usual set share one label value, so a client cannot add series at will.
    static func methodLabel(_ method: String) -> String {
        ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(method) ? method : "OTHER"
    }

    // MARK: Scraping

    /// The registry in the text format, after reading what is read at scrape time: outbox depth
    /// per peer, the age of the latest checkpoint and the TAXII shares still owed to peers.
    public func scrape(store: any Store, now: Timestamp) async throws -> String {
        for status in try await store.deliveryStatus() {
            registry.makeGauge(descriptor: Self.outboxDepth, labels: [("peer", status.peer)]).set(Double(status.pending))
        }
        if let latest = try await store.latestCheckpoint() {
            registry.makeGauge(descriptor: Self.checkpointAge).set(Double(max(0, now.milliseconds - latest.issuedAt.milliseconds)) / 1000)
        }
        registry.makeGauge(descriptor: Self.sharesPending).set(Double(try await store.pendingShareCount()))
        return registry.emitToString()
    }
}
