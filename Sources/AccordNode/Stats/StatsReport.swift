import AccordCore
import AccordStore
import Foundation

/// Percentiles by the nearest-rank method: the p-th percentile of n sorted values is the value
/// at rank ⌈p·n/100⌉ (1-based). The median is the 50th percentile: for an even count, the
/// lower of the two middle values. Every percentile is a value that occurred.
public enum Percentile {
    public static func nearestRank(_ sorted: [Int64], _ p: Int) -> Int64? {
        guard !sorted.isEmpty, (1...100).contains(p) else { return nil }
        let rank = (p * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }
}

/// Times in seconds (from milliseconds), shares from 0 to 1.
public struct StatsFigures: Sendable, Codable, Equatable {
    /// Requests (case and addressed party) opened in the period; communication checks are counted apart.
    public var requests = 0
    public var acknowledged = 0
    public var acknowledgeMedianSeconds: Double?
    public var acknowledgeP90Seconds: Double?
    /// Acknowledged by the deadline, of those acknowledged or past the deadline (cases withdrawn unacknowledged left out).
    public var acknowledgedWithinDeadline: Double?
    /// Requests of a kind that takes a formal answer, with an answer deadline.
    public var answerOwed = 0
    /// Final answers: granted, partially granted, refused.
    public var answered = 0
    public var answerMedianSeconds: Double?
    public var answerP90Seconds: Double?
    /// Answered by the deadline, of those answered or past the deadline (cases withdrawn unanswered left out).
    public var answeredWithinDeadline: Double?
    public var overdueAcknowledgements = 0
    public var overdueAnswers = 0
    /// The latest outcome of each request that has one (postponed included).
    public var outcomes: [String: Int] = [:]
    public var refusalGrounds: [String: Int] = [:]
    public var checks = CheckFigures()

    enum CodingKeys: String, CodingKey {
        case requests, acknowledged, answered, outcomes, checks
        case acknowledgeMedianSeconds = "acknowledge_median_seconds"
        case acknowledgeP90Seconds = "acknowledge_p90_seconds"
        case acknowledgedWithinDeadline = "acknowledged_within_deadline"
        case answerOwed = "answer_owed"
        case answerMedianSeconds = "answer_median_seconds"
        case answerP90Seconds = "answer_p90_seconds"
        case answeredWithinDeadline = "answered_within_deadline"
        case overdueAcknowledgements = "overdue_acknowledgements"
        case overdueAnswers = "overdue_answers"
        case refusalGrounds = "refusal_grounds"
    }

    public init() {}

    // Absent times and shares are written as null: a client sees every member.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(acknowledged, forKey: .acknowledged)
        try c.encode(acknowledgeMedianSeconds, forKey: .acknowledgeMedianSeconds)
        try c.encode(acknowledgeP90Seconds, forKey: .acknowledgeP90Seconds)
        try c.encode(acknowledgedWithinDeadline, forKey: .acknowledgedWithinDeadline)
        try c.encode(answerOwed, forKey: .answerOwed)
        try c.encode(answered, forKey: .answered)
        try c.encode(answerMedianSeconds, forKey: .answerMedianSeconds)
        try c.encode(answerP90Seconds, forKey: .answerP90Seconds)
        try c.encode(answeredWithinDeadline, forKey: .answeredWithinDeadline)
        try c.encode(overdueAcknowledgements, forKey: .overdueAcknowledgements)
        try c.encode(overdueAnswers, forKey: .overdueAnswers)
        try c.encode(outcomes, forKey: .outcomes)
        try c.encode(refusalGrounds, forKey: .refusalGrounds)
        try c.encode(checks, forKey: .checks)
    }
}

/// Communication checks: answered means acknowledged by a person on duty; an expired check is unanswered.
public struct CheckFigures: Sendable, Codable, Equatable {
    public var sent = 0
    public var answered = 0
    public var answerMedianSeconds: Double?
    public var answerP90Seconds: Double?
    public var answeredWithinDeadline: Double?
    public var overdue = 0

    enum CodingKeys: String, CodingKey {
        case sent, answered, overdue
        case answerMedianSeconds = "answer_median_seconds"
        case answerP90Seconds = "answer_p90_seconds"
        case answeredWithinDeadline = "answered_within_deadline"
    }

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sent, forKey: .sent)
        try c.encode(answered, forKey: .answered)
        try c.encode(answerMedianSeconds, forKey: .answerMedianSeconds)
        try c.encode(answerP90Seconds, forKey: .answerP90Seconds)
        try c.encode(answeredWithinDeadline, forKey: .answeredWithinDeadline)
        try c.encode(overdue, forKey: .overdue)
    }
}

/// One line of a table: a peer or a kind of case, with its figures.
public struct StatsRow: Sendable, Codable, Equatable {
    public var name: String
    public var figures: StatsFigures
}

/// One direction: requests this node sent (its peers' responsiveness) or received (its own).
public struct DirectionStats: Sendable, Codable, Equatable {
    public var total: StatsFigures
    public var byPeer: [StatsRow]
    public var byKind: [StatsRow]

    enum CodingKeys: String, CodingKey {
        case total
        case byPeer = "by_peer"
        case byKind = "by_kind"
    }
}

/// Responsiveness statistics over a period, seen from one node.
public struct StatsReport: Sendable, Codable, Equatable {
    public var node: String
    public var from: Timestamp
    public var to: Timestamp
    public var generatedAt: Timestamp
    public var peer: String?
    public var kind: CaseKind?
    public var exercise: StatsQuery.Exercise
    public var percentileMethod = "nearest-rank"
    public var sent: DirectionStats
    public var received: DirectionStats

    enum CodingKeys: String, CodingKey {
        case node, from, to, peer, kind, exercise, sent, received
        case generatedAt = "generated_at"
        case percentileMethod = "percentile_method"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(node, forKey: .node)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(generatedAt, forKey: .generatedAt)
        try c.encode(peer, forKey: .peer)
        try c.encode(kind, forKey: .kind)
        try c.encode(exercise, forKey: .exercise)
        try c.encode(percentileMethod, forKey: .percentileMethod)
        try c.encode(sent, forKey: .sent)
        try c.encode(received, forKey: .received)
    }

    public init(request: StatsRequest, node: String, generatedAt: Timestamp, data: StatsData) {
        self.node = node
        from = request.from
        to = request.to
        self.generatedAt = generatedAt
        peer = request.peer
        kind = request.kind
        exercise = request.exercise
        sent = Self.direction(.sent, data)
        received = Self.direction(.received, data)
    }

    /// Adds up the cells of one direction into its total, per-peer and per-kind figures.
    static func direction(_ dir: StatsDirection, _ data: StatsData) -> DirectionStats {
        // Groups: 0 the total, then one per peer and one per kind; each cell adds to three.
        var groups = [Group()]
        var peerGroup: [String: Int] = [:]
        var kindGroup: [CaseKind: Int] = [:]
        var targets = [(Int, Int)?](repeating: nil, count: data.cells.count)
        for (i, cell) in data.cells.enumerated() where cell.direction == dir {
            let p = peerGroup[cell.counterpart] ?? { groups.append(Group()); peerGroup[cell.counterpart] = groups.count - 1; return groups.count - 1 }()
            let k = kindGroup[cell.kind] ?? { groups.append(Group()); kindGroup[cell.kind] = groups.count - 1; return groups.count - 1 }()
            targets[i] = (p, k)
            for g in [0, p, k] { groups[g].add(cell.kind, data.counts[i]) }
        }
        // In ascending order from the store: appended in order, every group's list is sorted.
        for (c, ms) in data.acknowledgeMilliseconds {
            guard let (p, k) = targets[c] else { continue }
            let check = data.cells[c].kind == .check
            groups[0].acknowledge(check, ms)
            groups[p].acknowledge(check, ms)
            groups[k].acknowledge(check, ms)
        }
        for (c, ms) in data.answerMilliseconds {
            guard let (p, k) = targets[c] else { continue }
            groups[0].answer.append(ms)
            groups[p].answer.append(ms)
            groups[k].answer.append(ms)
        }
        return DirectionStats(
            total: groups[0].figures,
            byPeer: peerGroup.keys.sorted().map { StatsRow(name: $0, figures: groups[peerGroup[$0]!].figures) },
            byKind: CaseKind.allCases.compactMap { k in kindGroup[k].map { StatsRow(name: k.rawValue, figures: groups[$0].figures) } })
    }

    struct Group {
        var cases = StatsCounts()
        var checks = StatsCounts()
        var acknowledge: [Int64] = []
        var answer: [Int64] = []
        var checkAnswer: [Int64] = []

        mutating func add(_ kind: CaseKind, _ counts: StatsCounts) {
            if kind == .check { checks.add(counts) } else { cases.add(counts) }
        }

        mutating func acknowledge(_ check: Bool, _ ms: Int64) {
            if check { checkAnswer.append(ms) } else { acknowledge.append(ms) }
        }

        static func seconds(_ ms: Int64?) -> Double? { ms.map { Double($0) / 1000 } }
        static func share(_ n: Int, of d: Int) -> Double? { d == 0 ? nil : Double(n) / Double(d) }

        var figures: StatsFigures {
            var f = StatsFigures()
            f.requests = cases.requests
            f.acknowledged = cases.acknowledged
            f.acknowledgeMedianSeconds = Self.seconds(Percentile.nearestRank(acknowledge, 50))
            f.acknowledgeP90Seconds = Self.seconds(Percentile.nearestRank(acknowledge, 90))
            f.acknowledgedWithinDeadline = Self.share(cases.acknowledgedInTime, of: cases.acknowledgementDecided)
            f.answerOwed = cases.answerOwed
            f.answered = cases.answered
            f.answerMedianSeconds = Self.seconds(Percentile.nearestRank(answer, 50))
            f.answerP90Seconds = Self.seconds(Percentile.nearestRank(answer, 90))
            f.answeredWithinDeadline = Self.share(cases.answeredInTime, of: cases.answerDecided)
            f.overdueAcknowledgements = cases.overdueAcknowledgement
            f.overdueAnswers = cases.overdueAnswer
            f.outcomes = cases.outcomes
            f.refusalGrounds = cases.refusalGrounds
            f.checks.sent = checks.requests
            f.checks.answered = checks.acknowledged
            f.checks.answerMedianSeconds = Self.seconds(Percentile.nearestRank(checkAnswer, 50))
            f.checks.answerP90Seconds = Self.seconds(Percentile.nearestRank(checkAnswer, 90))
            f.checks.answeredWithinDeadline = Self.share(checks.acknowledgedInTime, of: checks.acknowledgementDecided)
            f.checks.overdue = checks.overdueAcknowledgement
            return f
        }
    }
}

// MARK: CSV

extension StatsReport {
    static let outcomeColumns = AnswerOutcome.allCases.map(\.rawValue)
    static let groundColumns = Ground.refusal.map(\.rawValue)

    public static var csvHeader: [String] {
        ["direction", "group", "name", "requests", "acknowledged", "acknowledge_median_seconds", "acknowledge_p90_seconds", "acknowledged_within_deadline",
         "answer_owed", "answered", "answer_median_seconds", "answer_p90_seconds", "answered_within_deadline", "overdue_acknowledgements", "overdue_answers"]
            + outcomeColumns.map { "outcome_" + $0 } + groundColumns.map { "refused_" + $0 }
            + ["checks_sent", "checks_answered", "check_answer_median_seconds", "check_answer_p90_seconds", "checks_answered_within_deadline", "checks_overdue"]
    }

    /// One line per direction and group (total, each peer, each kind), RFC 4180, with a header line.
    public var csv: String {
        func n(_ d: Double?) -> String {
            guard let d else { return "" }
            return d == d.rounded() ? String(Int64(d)) : String(format: "%.3f", d)
        }
        func share(_ d: Double?) -> String { d.map { String(format: "%.4f", $0) } ?? "" }
        func line(_ dir: StatsDirection, _ group: String, _ name: String, _ f: StatsFigures) -> String {
            var cells = [dir.rawValue, group, name, String(f.requests), String(f.acknowledged), n(f.acknowledgeMedianSeconds), n(f.acknowledgeP90Seconds),
                         share(f.acknowledgedWithinDeadline), String(f.answerOwed), String(f.answered), n(f.answerMedianSeconds), n(f.answerP90Seconds),
                         share(f.answeredWithinDeadline), String(f.overdueAcknowledgements), String(f.overdueAnswers)]
            cells += Self.outcomeColumns.map { String(f.outcomes[$0] ?? 0) }
            cells += Self.groundColumns.map { String(f.refusalGrounds[$0] ?? 0) }
            cells += [String(f.checks.sent), String(f.checks.answered), n(f.checks.answerMedianSeconds), n(f.checks.answerP90Seconds),
                      share(f.checks.answeredWithinDeadline), String(f.checks.overdue)]
            return cells.map(Self.csvField).joined(separator: ",")
        }
        var lines = [Self.csvHeader.joined(separator: ",")]
        for (dir, stats) in [(StatsDirection.sent, sent), (.received, received)] {
            lines.append(line(dir, "total", "", stats.total))
            for r in stats.byPeer { lines.append(line(dir, "peer", r.name, r.figures)) }
            for r in stats.byKind { lines.append(line(dir, "kind", r.name, r.figures)) }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Quoted when needed; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it.
    static func csvField(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
}
