/// What a person types into a search box, made into an SQLite FTS5 query: words such as
/// `example.com`, `185.220.101.4`, `e-mail` or `subject:x`, which FTS5 would read as syntax,
/// are searched for as phrases (`"example.com"`). Quoted phrases, `prefix*`, `AND`, `OR`,
/// `NOT`, `NEAR(...)` and parentheses keep their meaning; what is still not a valid query is
/// refused with a 400 naming `q`.
public enum SearchQuery {
    public static func prepare(_ text: String) -> String {
        var out: [String] = []
        var current = ""
        var inQuote = false
        func flush() {
            if !current.isEmpty { out.append(word(current)) }
            current = ""
        }
        for ch in text {
            if ch == "\"" {
                inQuote.toggle()
                current.append(ch)
            } else if ch.isWhitespace && !inQuote {
                flush()
            } else {
                current.append(ch)
            }
        }
        flush()
        return out.joined(separator: " ")
    }

    /// One whitespace-separated token: quoted when it holds characters FTS5 barewords cannot.
    static func word(_ token: String) -> String {
        if token.contains("\"") { return token }
        // Parentheses around a word group it; they stay outside the quotes.
        var core = Substring(token)
        var opening = "", closing = ""
        while core.first == "(" { opening.append("("); core = core.dropFirst() }
        while core.last == ")" && !core.contains("(") { closing.append(")"); core = core.dropLast() }
        var star = ""
        if core.last == "*" { star = "*"; core = core.dropLast() }
        let bare = core.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || !$0.isASCII }
        if bare || core.isEmpty || core.contains("(") || core.contains(")") { return token }
        return opening + "\"" + core + "\"" + star + closing
    }
}
