import Foundation

/// Treaty articles a request may cite as its legal basis, beyond the UN norms (`Norms`):
/// the Council of Europe Convention on Cybercrime (Budapest, ETS 185) and the UN Convention
/// against Cybercrime (A/RES/79/243). Cited as `budapest:29` or `uncc:42`.
///
/// The UN Convention's article numbers for chapter V are marked unverified in the project's
/// domain notes; they follow the adopted text as far as known and are listed with that caveat
/// in docs/protocol.md.
public enum LegalBases {
    public struct Article: Sendable, Hashable, Codable {
        /// `budapest:29`
        public let id: String
        public let treaty: String
        public let article: String
        public let title: String
    }

    public static let treaties: [String: String] = [
        "budapest": "Council of Europe Convention on Cybercrime (Budapest, ETS 185)",
        "uncc": "UN Convention against Cybercrime (A/RES/79/243)",
    ]

    public static let all: [Article] = [
        budapest("25", "General principles of mutual assistance; expedited means in urgent cases (25(3))"),
        budapest("26", "Spontaneous information"),
        budapest("27", "Mutual assistance requests in the absence of applicable international agreements"),
        budapest("28", "Confidentiality and limitation on use"),
        budapest("29", "Expedited preservation of stored computer data"),
        budapest("30", "Expedited disclosure of preserved traffic data"),
        budapest("31", "Mutual assistance regarding accessing of stored computer data"),
        budapest("35", "24/7 network"),
        uncc("40", "Mutual legal assistance"),
        uncc("41", "24/7 network"),
        uncc("42", "Expedited preservation of stored electronic data"),
        uncc("43", "Expedited disclosure of preserved traffic data"),
        uncc("47", "Law enforcement cooperation"),
        uncc("48", "Joint investigations"),
    ]

    static func budapest(_ n: String, _ title: String) -> Article { Article(id: "budapest:\(n)", treaty: "budapest", article: n, title: title) }
    static func uncc(_ n: String, _ title: String) -> Article { Article(id: "uncc:\(n)", treaty: "uncc", article: n, title: title) }

    public static let byID: [String: Article] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// Normalises what a person types (`Budapest:29`, `budapest 29`, `uncc:art. 42`) to the
    /// cited form, or nil when it names no listed article.
    public static func normalise(_ text: String) -> String? {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        guard let sep = lowered.firstIndex(where: { $0 == ":" || $0 == " " }) else { return nil }
        let treaty = String(lowered[..<sep])
        var article = String(lowered[lowered.index(after: sep)...]).trimmingCharacters(in: .whitespaces)
        for prefix in ["art.", "art", "article"] where article.hasPrefix(prefix) {
            article = String(article.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
            break
        }
        let id = "\(treaty):\(article)"
        return byID[id] == nil ? nil : id
    }

    /// Checks a list of cited articles: each listed, in its cited form, no repeats.
    public static func validate(_ cited: [String], field: String = "bases") throws(AccordError) {
        var seen = Set<String>()
        for id in cited {
            guard byID[id] != nil else {
                let hint = normalise(id).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw AccordError(
                    .invalidField,
                    "unknown legal basis \"\(id)\"\(hint); cite one of \(all.map(\.id).joined(separator: ", "))",
                    field: field)
            }
            guard seen.insert(id).inserted else { throw AccordError(.invalidField, "legal basis \(id) cited twice", field: field) }
        }
    }
}
