import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// Responsiveness statistics against a scripted history between two real nodes over loopback,
/// on one injected clock: every acknowledgement and answer is signed at a known second, so the
/// medians, 90th percentiles (nearest rank) and shares have exact expected values.
@Suite(.serialized) struct StatsTests {
    /// A scripted history: what aurelia sent borealis (10 preservation requests, 5 checks, 1
    /// exercise) and one consultation borealis sent aurelia, acknowledged and answered at set times.
    struct History {
        let time: ManualTime
        let a: TestCluster.Member
        let b: TestCluster.Member
        var offset: Int64 = 0
        var preservations: [String] = []
        var checks: [String] = []
        var exercise = ""
        var consultation = ""

        mutating func at(_ seconds: Int64) {
            precondition(seconds >= offset)
            time.advance(seconds: seconds - offset)
            offset = seconds
        }

        static func id(_ reply: JSONValue) throws -> String { try #require(reply["event"]?.stringValue) }

        func step(_ m: TestCluster.Member, _ id: String, _ body: JSONValue) async throws {
            _ = try await m.client.post("/api/v1/cases/\(id)/steps", body)
        }
    }

    static let acknowledge: JSONValue = ["type": "acknowledge"]
    static func answer(_ outcome: String, _ grounds: [String] = []) -> JSONValue {
        var body: [String: JSONValue] = ["outcome": .string(outcome)]
        if outcome != "granted" { body["reason"] = "Stated in the letter" }
        if !grounds.isEmpty { body["grounds"] = .strings(grounds) }
        return ["type": "answer", "body": .object(body)]
    }

    static func play(_ cluster: TestCluster, time: ManualTime) async throws -> History {
        var h = History(time: time, a: cluster["aurelia"], b: cluster["borealis"])
        let (a, b) = (h.a, h.b)
        for _ in 0..<10 { h.preservations.append(try History.id(try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"])))) }
        for _ in 0..<5 { h.checks.append(try History.id(try await a.client.post("/api/v1/cases", ["kind": "check", "title": "Check", "to": ["borealis"], "fields": [:]]))) }
        guard case .object(var drill) = Fixtures.preservation(to: ["borealis"]) else { fatalError() }
        drill["exercise"] = true
        h.exercise = try History.id(try await a.client.post("/api/v1/cases", .object(drill)))
        h.consultation = try History.id(try await b.client.post("/api/v1/cases", [
            "kind": "consultation", "title": "Scanning from shared hosting", "to": ["aurelia"],
            "fields": ["subject": "Scanning", "proposed_dates": ["2026-12-01T10:00:00Z"], "participants": ["duty officers"]],
        ]))
        for id in h.preservations + h.checks + [h.exercise] { _ = try await Fixtures.state(b, id) }
        _ = try await Fixtures.state(a, h.consultation)

        // Acknowledgements, seconds after opening: checks 30, 60, 90, 120 (the fifth never);
        // the exercise 45; preservation i at 60·(i+1); aurelia acknowledges the consultation at 300.
        let acks: [(Int64, TestCluster.Member, String)] =
            [(30, b, h.checks[0]), (45, b, h.exercise), (60, b, h.checks[1]), (90, b, h.checks[2]), (120, b, h.checks[3]), (300, a, h.consultation)]
            + h.preservations.enumerated().map { (Int64(60 * ($0.offset + 1)), b, $0.element) }
        for (t, m, id) in acks.sorted(by: { $0.0 < $1.0 }) {
            h.at(t)
            try await h.step(m, id, acknowledge)
        }
        // Answers to preservation 0–7 at 10 h, 20 h, … 80 h (the last after the 72 h deadline); 8 and 9 never.
        let answers = [answer("granted"), answer("refused", ["dual_criminality"]), answer("granted"), answer("refused", ["dual_criminality"]),
                       answer("granted"), answer("partially_granted"), answer("refused", ["data_unavailable"]), answer("granted")]
        for (i, body) in answers.enumerated() {
            h.at(Int64(i + 1) * 36_000)
            try await h.step(b, h.preservations[i], body)
        }
        return h
    }

    /// Waits until aurelia holds every step borealis signed. A delivery that failed on a busy
    /// machine is retried on the injected clock: it is moved on 30 s at a time while waiting
    /// (nothing else in the history falls due within hours).
    static func settle(_ a: TestCluster.Member, time: ManualTime) async throws -> Bool {
        try await TestCluster.eventually(advancing: time, by: 30_000, timeout: .seconds(120), pause: .milliseconds(200)) {
            let s = try await stats(a)["sent"]?["total"]
            return s?["answered"]?.doubleValue == 8 && s?["checks"]?["answered"]?.doubleValue == 4
        }
    }

    static func stats(_ m: TestCluster.Member, _ query: String = "") async throws -> JSONValue {
        try await m.client.get("/api/v1/stats" + query)
    }

    @Test func scriptedHistoryGivesExactFigures() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let h = try await Self.play(cluster, time: time)
            let a = h.a, b = h.b
            // Until aurelia holds every answer borealis signed.
            #expect(try await Self.settle(a, time: time))

            let report = try await Self.stats(a)
            #expect(report["percentile_method"]?.stringValue == "nearest-rank")
            #expect(report["exercise"]?.stringValue == "exclude")
            let sent = try #require(report["sent"]?["total"])
            func n(_ v: JSONValue?, _ path: String...) -> Double? {
                var x = v
                for p in path { x = x?[p] }
                return x?.doubleValue
            }
            #expect(n(sent, "requests") == 10)
            #expect(n(sent, "acknowledged") == 10)
            // 60, 120, … 600 s: rank ⌈0.5·10⌉ = 5 → 300 s; rank ⌈0.9·10⌉ = 9 → 540 s.
            #expect(n(sent, "acknowledge_median_seconds") == 300)
            #expect(n(sent, "acknowledge_p90_seconds") == 540)
            #expect(n(sent, "acknowledged_within_deadline") == 1)
            #expect(n(sent, "answer_owed") == 10)
            #expect(n(sent, "answered") == 8)
            // 10 h … 80 h: rank 4 → 40 h; rank ⌈0.9·8⌉ = 8 → 80 h.
            #expect(n(sent, "answer_median_seconds") == 144_000)
            #expect(n(sent, "answer_p90_seconds") == 288_000)
            // Seven answered by the 72 h deadline, of ten decided (eight answered, two overdue).
            #expect(n(sent, "answered_within_deadline") == 0.7)
            #expect(n(sent, "overdue_acknowledgements") == 0)
            #expect(n(sent, "overdue_answers") == 2)
            #expect(sent["outcomes"] == ["granted": 4, "refused": 3, "partially_granted": 1])
            #expect(sent["refusal_grounds"] == ["dual_criminality": 2, "data_unavailable": 1])
            // Checks: 30, 60, 90, 120 s answered, one expired unanswered.
            #expect(n(sent, "checks", "sent") == 5)
            #expect(n(sent, "checks", "answered") == 4)
            #expect(n(sent, "checks", "answer_median_seconds") == 60)
            #expect(n(sent, "checks", "answer_p90_seconds") == 120)
            #expect(n(sent, "checks", "answered_within_deadline") == 0.8)
            // The unanswered check expired and its sender closed it: unanswered, not overdue now.
            #expect(n(sent, "checks", "overdue") == 0)
            // Per peer and per kind: one peer, two kinds.
            let byPeer = report["sent"]?["by_peer"]?.arrayValue ?? []
            #expect(byPeer.map { $0["name"]?.stringValue } == ["borealis"])
            #expect(byPeer.first?["figures"] == sent)
            let byKind = report["sent"]?["by_kind"]?.arrayValue ?? []
            #expect(byKind.map { $0["name"]?.stringValue } == ["preservation", "check"])
            #expect(n(byKind.first?["figures"], "acknowledge_median_seconds") == 300)
            #expect(n(byKind.last?["figures"], "checks", "answer_median_seconds") == 60)
            #expect(n(byKind.last?["figures"], "requests") == 0)

            // What aurelia received: the consultation, acknowledged at 300 s, its answer not yet due.
            let received = try #require(report["received"]?["total"])
            #expect(n(received, "requests") == 1)
            #expect(n(received, "acknowledge_median_seconds") == 300)
            #expect(n(received, "acknowledge_p90_seconds") == 300)
            #expect(n(received, "answered") == 0)
            #expect(received["answered_within_deadline"] == .null)
            #expect(received["answer_median_seconds"] == .null)

            // borealis reads the same history from the other side: the same numbers.
            #expect(try await TestCluster.eventually(timeout: .seconds(60)) {
                try await Self.stats(b)["received"]?["total"] == sent
            })

            // Exercises apart: only the drill, acknowledged at 45 s.
            let drill = try await Self.stats(a, "?exercise=only")
            #expect(n(drill["sent"]?["total"], "requests") == 1)
            #expect(n(drill["sent"]?["total"], "acknowledge_median_seconds") == 45)
            #expect(n(drill["received"]?["total"], "requests") == 0)

            // Filters: a kind, a peer, a period before the history.
            #expect(n(try await Self.stats(a, "?kind=check")["sent"]?["total"], "checks", "sent") == 5)
            #expect(n(try await Self.stats(a, "?kind=check")["sent"]?["total"], "requests") == 0)
            #expect(n(try await Self.stats(a, "?peer=nobody")["sent"]?["total"], "requests") == 0)
            #expect(n(try await Self.stats(a, "?from=2026-01-01&to=2026-11-26")["sent"]?["total"], "requests") == 0)
            #expect(n(try await Self.stats(a, "?from=2026-11-27&to=2026-11-27")["sent"]?["total"], "requests") == 10)

            // The CSV carries the same numbers.
            let csv = try await a.client.send(.GET, "/api/v1/stats?format=csv")
            #expect(csv.status == 200)
            let lines = String(decoding: csv.body, as: UTF8.self).split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = try #require(lines.first)
            let total = try #require(lines.first { $0.prefix(2) == ["sent", "total"] })
            func col(_ name: String) -> String? { header.firstIndex(of: name).map { total[$0] } }
            #expect(col("acknowledge_median_seconds") == "300")
            #expect(col("acknowledge_p90_seconds") == "540")
            #expect(col("answer_median_seconds") == "144000")
            #expect(col("answer_p90_seconds") == "288000")
            #expect(col("answered_within_deadline") == "0.7000")
            #expect(col("refused_dual_criminality") == "2")
            #expect(col("check_answer_median_seconds") == "60")
            #expect(col("checks_answered_within_deadline") == "0.8000")
        }
    }

    @Test func badParametersAreRefusedNamingThem() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            for (query, field) in [
                ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("from=2026-02-01&to=2026-01-01", "from"), ("from=2000-01-01&to=2026-01-01", "from"),
                ("kind=ping", "kind"), ("peer=Not%20A%20Name", "peer"), ("exercise=yes", "exercise"), ("format=xml", "format"), ("colour=red", "colour"),
                ("kind=check&kind=mla", "kind"),
            ] {
                let reply = try await a.client.send(.GET, "/api/v1/stats?" + query)
                #expect(reply.status == 400, "\(query)")
                #expect(reply.json?["error"]?["field"]?.stringValue == field, "\(query)")
            }
            let ok = try await a.client.send(.GET, "/api/v1/stats?from=2026-01-01T00:00:00Z&kind=mla&exercise=only")
            #expect(ok.status == 200)
            #expect(ok.json?["sent"]?["total"]?["requests"]?.doubleValue == 0)
        }
    }

    @Test func percentilesAreNearestRank() {
        #expect(Percentile.nearestRank([], 50) == nil)
        #expect(Percentile.nearestRank([7], 50) == 7)
        #expect(Percentile.nearestRank([7], 90) == 7)
        #expect(Percentile.nearestRank([1, 2], 50) == 1)
        #expect(Percentile.nearestRank([1, 2, 3], 50) == 2)
        #expect(Percentile.nearestRank(Array(1...10), 90) == 9)
        #expect(Percentile.nearestRank(Array(1...11), 90) == 10)
        #expect(Percentile.nearestRank(Array(1...100), 90) == 90)
        #expect(Percentile.nearestRank(Array(1...100), 100) == 100)
    }
}
