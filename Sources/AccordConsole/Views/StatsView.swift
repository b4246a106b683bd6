import AccordCore
import AccordNode
import AccordStore
import Foundation

/// The statistics page: the period form, one table per direction and bar charts drawn on the
/// server as SVG (no script), each with a title and a description for screen readers.
enum StatsView {
    /// The template's context for `report`, or for the form alone with `error`.
    static func context(_ report: StatsReport?, request: StatsRequest?, values: FormValues, peers: [String], error: String?) -> [String: Any] {
        let peerChoice = values["peer"] ?? ""
        let kindChoice = values["kind"] ?? ""
        var c: [String: Any] = [
            "from": values["from"] ?? request.map { shown($0.from, end: false) } ?? "",
            "to": values["to"] ?? request.map { shown($0.to, end: true) } ?? "",
            "peers": ([("", "Any")] + Set(peers + (peerChoice.isEmpty ? [] : [peerChoice])).sorted().map { ($0, $0) })
                .map { ["value": $0.0, "label": $0.1, "selected": $0.0 == peerChoice] },
            "kinds": ([("", "Any")] + CaseKind.allCases.map { ($0.rawValue, $0.title) }).map { ["value": $0.0, "label": $0.1, "selected": $0.0 == kindChoice] },
            "exerciseOnly": values["exercise"] == "only",
        ]
        if let error { c["error"] = error }
        guard let report, let request else { return c }
        c["period"] = "\(report.from.rfc3339) to \(report.to.rfc3339)"
        c["csv"] = "/console/stats?" + request.query(format: .csv)
        c["json"] = "/console/stats?" + request.query(format: .json)
        c["exercise"] = report.exercise == .only
        c["directions"] = [
            direction("sent", "Requests this node sent", "How fast peers acknowledged and answered this node's requests.", report.sent, who: "peers"),
            direction("received", "Requests this node received", "How fast this node acknowledged and answered its peers' requests.", report.received, who: "this node"),
        ]
        return c
    }

    static func day(_ t: Timestamp) -> String { String(t.rfc3339.prefix(10)) }

    /// A period's bound as the form shows it: a date when it falls at midnight (the end of a
    /// period as the day it closes), else the exact time, so that the form asks for the same period again.
    static func shown(_ t: Timestamp, end: Bool) -> String {
        guard t.milliseconds % 86_400_000 == 0 else { return t.rfc3339 }
        return day(end ? t.adding(seconds: -1) : t)
    }

    static func direction(_ id: String, _ title: String, _ hint: String, _ d: DirectionStats, who: String) -> [String: Any] {
        var rows: [[String: Any]] = [row("All", d.total, kind: "total")]
        rows += d.byPeer.map { row($0.name, $0.figures, kind: "peer") }
        rows += d.byKind.map { row(CaseKind(rawValue: $0.name)?.title ?? $0.name, $0.figures, kind: "kind") }
        let peersAck = d.byPeer.map { Bar(label: $0.name, median: $0.figures.acknowledgeMedianSeconds, p90: $0.figures.acknowledgeP90Seconds) }
        let peersAnswer = d.byPeer.map { Bar(label: $0.name, median: $0.figures.answerMedianSeconds, p90: $0.figures.answerP90Seconds) }
        let peersCheck = d.byPeer.map { Bar(label: $0.name, median: $0.figures.checks.answerMedianSeconds, p90: $0.figures.checks.answerP90Seconds) }
        var charts: [String] = []
        charts.append(chart(id: "\(id)-ack", title: "Time to acknowledge, per peer (\(title.lowercased()))",
                            desc: "Median and 90th percentile of the time \(who) took to acknowledge, per peer", bars: peersAck))
        charts.append(chart(id: "\(id)-answer", title: "Time to answer, per peer (\(title.lowercased()))",
                            desc: "Median and 90th percentile of the time \(who) took to give a final answer, per peer", bars: peersAnswer))
        if peersCheck.contains(where: { $0.median != nil }) {
            charts.append(chart(id: "\(id)-checks", title: "Communication checks: time to answer, per peer (\(title.lowercased()))",
                                desc: "Median and 90th percentile of the time a person on duty took to answer a communication check, per peer", bars: peersCheck))
        }
        func counts(_ m: [String: Int]) -> [[String: Any]] { m.sorted { $0.key < $1.key }.map { ["name": $0.key.replacingOccurrences(of: "_", with: " "), "count": $0.value] } }
        return ["id": id, "title": title, "hint": hint, "rows": rows, "charts": charts,
                "outcomes": counts(d.total.outcomes), "grounds": counts(d.total.refusalGrounds)]
    }

    static func row(_ name: String, _ f: StatsFigures, kind: String) -> [String: Any] {
        [
            "name": name, "group": kind, "requests": f.requests, "acknowledged": f.acknowledged,
            "ackMedian": StatsFormat.duration(f.acknowledgeMedianSeconds), "ackP90": StatsFormat.duration(f.acknowledgeP90Seconds),
            "ackInTime": StatsFormat.share(f.acknowledgedWithinDeadline), "answered": f.answered, "answerOwed": f.answerOwed,
            "answerMedian": StatsFormat.duration(f.answerMedianSeconds), "answerP90": StatsFormat.duration(f.answerP90Seconds),
            "answerInTime": StatsFormat.share(f.answeredWithinDeadline), "overdueAck": f.overdueAcknowledgements, "overdueAnswer": f.overdueAnswers,
            "checksSent": f.checks.sent, "checksAnswered": f.checks.answered, "checkMedian": StatsFormat.duration(f.checks.answerMedianSeconds),
            "checkP90": StatsFormat.duration(f.checks.answerP90Seconds),
        ]
    }

    struct Bar {
        var label: String
        var median: Double?
        var p90: Double?
    }

    /// A horizontal bar chart: per label a median bar and a 90th-percentile bar, with the values
    /// written beside them. Every text is escaped; `data-` attributes carry exact seconds.
    static func chart(id: String, title: String, desc: String, bars: [Bar]) -> String {
        let shown = bars.filter { $0.median != nil || $0.p90 != nil }
        let labelWidth = 150.0, plot = 420.0, valueWidth = 90.0, rowHeight = 34.0, top = 28.0
        let width = labelWidth + plot + valueWidth
        let height = top + max(1, Double(shown.count)) * rowHeight + 8
        let scale = max(shown.compactMap { max($0.median ?? 0, $0.p90 ?? 0) }.max() ?? 0, 1)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-\(esc(id))" role="img" aria-labelledby="chart-\(esc(id))-title chart-\(esc(id))-desc" \
            viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))">
            <title id="chart-\(esc(id))-title">\(esc(title))</title>
            <desc id="chart-\(esc(id))-desc">\(esc(desc)).\(shown.isEmpty ? " No request in the period has this measured." : "")</desc>
            <rect x="\(Int(labelWidth))" y="6" width="12" height="12" class="median"/><text x="\(Int(labelWidth) + 16)" y="17">median</text>
            <rect x="\(Int(labelWidth) + 90)" y="6" width="12" height="12" class="p90"/><text x="\(Int(labelWidth) + 106)" y="17">90th percentile</text>

            """
        if shown.isEmpty {
            svg += "<text x=\"\(Int(labelWidth))\" y=\"\(Int(top + 20))\">No data in this period.</text>\n"
        }
        for (i, bar) in shown.enumerated() {
            let y = top + Double(i) * rowHeight
            let m = bar.median.map { String($0) } ?? "", p = bar.p90.map { String($0) } ?? ""
            svg += "<g class=\"bar\" data-label=\"\(esc(bar.label))\" data-median-seconds=\"\(m)\" data-p90-seconds=\"\(p)\">"
            svg += "<text x=\"\(Int(labelWidth) - 8)\" y=\"\(Int(y + 20))\" text-anchor=\"end\">\(esc(String(bar.label.prefix(24))))</text>"
            let mw = max(1, (bar.median ?? 0) / scale * plot), pw = max(1, (bar.p90 ?? 0) / scale * plot)
            svg += "<rect class=\"median\" x=\"\(Int(labelWidth))\" y=\"\(Int(y + 4))\" width=\"\(String(format: "%.1f", mw))\" height=\"12\"><title>\(esc(bar.label)) median: \(esc(StatsFormat.duration(bar.median)))</title></rect>"
            svg += "<rect class=\"p90\" x=\"\(Int(labelWidth))\" y=\"\(Int(y + 17))\" width=\"\(String(format: "%.1f", pw))\" height=\"12\"><title>\(esc(bar.label)) 90th percentile: \(esc(StatsFormat.duration(bar.p90)))</title></rect>"
            svg += "<text x=\"\(Int(labelWidth + plot) + 6)\" y=\"\(Int(y + 20))\">\(esc(StatsFormat.duration(bar.median))) / \(esc(StatsFormat.duration(bar.p90)))</text>"
            svg += "</g>\n"
        }
        return svg + "</svg>"
    }

    /// Escapes text for SVG (XML) content and attribute values.
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
