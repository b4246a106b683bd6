import Foundation
/// The media types of TAXII 2.1 (section 1.6.8): requests and answers are
/// `application/taxii+json;version=2.1`, objects inside are STIX 2.1.
public enum TAXIIMediaType {
    public static let taxii = "application/taxii+json;version=2.1"
    public static let stix = "application/stix+json;version=2.1"

    /// Whether a Content-Type names TAXII 2.1 JSON (parameters in any case and spacing; no
    /// version parameter means the latest, 2.1).
    public static func isTAXII(_ header: String) -> Bool {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/taxii+json" else { return false }
        for p in parts.dropFirst() where p.hasPrefix("version") {
            let value = p.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if value != "2.1" { return false }
        }
        return true
    }

    /// Whether an Accept header allows a TAXII 2.1 answer (absent, `*/*` or `application/*` do).
    public static func accepts(_ header: String?) -> Bool {
        guard let header, !header.isEmpty else { return true }
        // What TAXII clients send, without splitting and case-folding (Foundation's are slow).
        if header == taxii || header == "application/taxii+json; version=2.1" { return true }
        for range in header.split(separator: ",") {
            let type = range.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if type == "*/*" || type == "application/*" { return true }
            if type == "application/taxii+json" && isTAXII(String(range)) { return true }
        }
        return false
    }
}
