import Foundation

/// How statistics read to a person (the console and `accord stats`); exports keep exact seconds.
public enum StatsFormat {
    /// 45 s, 12 min, 3.5 h, 2.1 d; "–" when there is nothing to measure.
    public static func duration(_ seconds: Double?) -> String {
        guard let s = seconds else { return "–" }
        if s < 120 { return s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s) }
        if s < 2 * 3600 { return String(format: "%.0f min", s / 60) }
        if s < 2 * 86400 { return String(format: "%.1f h", s / 3600) }
        return String(format: "%.1f d", s / 86400)
    }

    /// 87.5 %; "–" when nothing was due yet.
    public static func share(_ value: Double?) -> String {
        guard let v = value else { return "–" }
        let pct = v * 100
        return pct == pct.rounded() ? "\(Int(pct)) %" : String(format: "%.1f %%", pct)
    }
}
