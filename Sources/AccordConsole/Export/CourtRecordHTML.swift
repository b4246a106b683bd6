import AccordCore
import AccordLog

/// The printable court record of a case: one self-contained HTML file (inline CSS, no script
/// that runs, no request to anywhere; a Content-Security-Policy forbids them), every text
/// escaped, the machine-readable archive embedded for `accord case verify-export`.
enum CourtRecordHTML {
    /// Escapes text for HTML element content and quoted attribute values.
    static func h(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let css = """
        body{font:11pt/1.45 Georgia,'Times New Roman',serif;color:#111;margin:2em auto;max-width:60em;padding:0 1em}
        h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;border-bottom:1px solid #444;margin-top:1.6em}h3{font-size:1.05em;margin:.2em 0}
        table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{border:1px solid #999;padding:.2em .4em;text-align:left;vertical-align:top}
        th{width:14em;background:#f1f1f1;font-weight:normal}code,pre,.mono{font-family:'DejaVu Sans Mono',monospace;font-size:.85em;word-break:break-all}
        pre{white-space:pre-wrap;background:#f7f7f7;border:1px solid #ccc;padding:.5em}
        .exercise{border:3px solid #b00;color:#b00;font-weight:bold;text-align:center;padding:.5em;margin:.5em 0}
        .event{border:1px solid #666;padding:.5em .8em;margin:1em 0}.ok{color:#060}.bad{color:#b00;font-weight:bold}
        .note{font-size:.9em;color:#333}
        @media print{body{margin:0;max-width:none;font-size:10pt}.event,table{break-inside:avoid}details>pre{display:none}
        a{color:#000;text-decoration:none}h2{break-after:avoid}@page{margin:1.5cm}}
        """

    static func render(_ x: CourtExport) -> String {
        let v = x.view, a = x.archive
        var o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        o += "<title>Court record: \(h(v.title)) (case \(h(v.shortID)))</title><style>\(css)</style></head><body>\n"
        if v.exercise { o += "<p class=\"exercise\" id=\"exercise\">\(h(CaseView.exerciseBanner))</p>\n" }
        o += "<header><h1>Court record of case: \(h(v.title))</h1>"
        o += row("Case id", "<span class=\"mono\">\(h(v.id))</span>", raw: true, header: true)
        o += "</header>\n<table id=\"case\">"
        o += row("Kind", v.kindTitle + " (\(v.kind))") + row("Status", v.status) + row("Urgent", v.urgent ? "yes" : "no")
        o += row("Exercise", v.exercise ? "yes — a drill, not a real request" : "no")
        o += row("Initiator", v.initiator) + row("Addressed to", v.addressees.joined(separator: ", ")) + row("Opened (claimed by the initiator)", v.openedAt)
        o += row("Exported by", "\(a.exportedBy) at \(a.exportedAt.rfc3339)")
        o += row("Events", "\(a.entries.count)")
        o += "</table>\n"

        // How to verify, and what the exporting node found.
        o += "<section id=\"verify\"><h2>How to verify this record</h2>"
        o += "<p>This file embeds the case's machine-readable archive (format <code>\(CaseArchive.format)</code>): every event as its author signed it, with a proof that it is in its author's Merkle log up to a checkpoint cosigned by witnesses. Anyone can check it offline, without any Accord node, with the keys <em>they</em> trust (not the ones listed here):</p>"
        o += "<pre id=\"verify-command\">accord case verify-export \(h(x.baseName)).html --policy YOUR-TRUST-POLICY.json</pre>"
        o += "<p class=\"note\">The archive alone (<code>\(h(x.baseName)).accord.json</code>) verifies the same way. A trust policy lists each node's signing key, obtained and compared out of band (fingerprints below), and the number of witness cosignatures required (docs/protocol.md §10 and §14).</p>"
        let verified = x.report.events.filter(\.valid).count
        if x.report.valid {
            o += "<p class=\"ok\" id=\"exporter-check\">When exporting, \(h(a.exportedBy)) verified all \(verified) events with its pinned keys: signatures, inclusion proofs, witnessed checkpoints and the case rules.</p>"
        } else {
            o += "<p class=\"bad\" id=\"exporter-check\">When exporting, \(h(a.exportedBy)) verified \(verified) of \(a.entries.count) events with its pinned keys. Problems:</p><ul>"
            for p in x.report.allProblems { o += "<li>\(h(p))</li>" }
            o += "</ul>"
        }
        o += "</section>\n"

        // The request.
        o += "<section id=\"request\"><h2>The request</h2><table>"
        for f in v.fields { o += row(f.label, f.value, name: f.name) }
        o += "</table>"
        if !v.bases.isEmpty {
            o += "<h3>Legal basis</h3><table>"
            for b in v.bases { o += row(b.label, b.value, name: b.name) }
            o += "</table>"
        }
        if !v.norms.isEmpty {
            o += "<h3>Norms cited</h3><table>"
            for n in v.norms { o += row(n.name, n.value) }
            o += "</table>"
        }
        if !v.deadlines.isEmpty {
            o += "<h3>Deadlines</h3><table>"
            for d in v.deadlines { o += row(d.label, d.due + (d.overdue ? " (OVERDUE at export)" : "")) }
            o += "</table>"
        }
        o += "<h3>Parties</h3><table>"
        for p in v.parties {
            var lines = [p.status] + p.timing
            lines += p.answer.map { "\($0.label): \($0.value)" }
            o += row(p.name, lines.map(h).joined(separator: "<br>"), raw: true)
        }
        o += "</table></section>\n"

        // Evidence with hashes and custody.
        o += "<section id=\"evidence\"><h2>Evidence and chain of custody</h2>"
        let files = a.evidence.arrayValue ?? []
        if files.isEmpty { o += "<p>No evidence was attached to this case.</p>" }
        for (i, f) in files.enumerated() {
            o += "<h3>Evidence \(i + 1): \(h(f["name"]?.stringValue ?? "?"))</h3><table class=\"evidence-file\">"
            o += row("Attached by", "\(f["added_by"]?.stringValue ?? "?") at \(f["added_at"]?.stringValue ?? "?") (event \(f["event"]?.stringValue ?? "?"))")
            o += row("Media type", f["media_type"]?.stringValue ?? "")
            o += row("Size (bytes)", f["size"].map(CaseView.text) ?? "")
            o += row("SHA-256", "<span class=\"mono sha256\">\(h(f["sha256"]?.stringValue ?? ""))</span>", raw: true)
            for key in ["description", "collected_at", "collected_by", "method"] {
                if let value = f[key] { o += row(key.replacingOccurrences(of: "_", with: " "), CaseView.text(value)) }
            }
            o += "</table><table class=\"custody\"><tr><th>When (signed)</th><th>Node</th><th>Action</th><th>Details</th></tr>"
            o += "<tr><td>\(h(f["added_at"]?.stringValue ?? ""))</td><td>\(h(f["added_by"]?.stringValue ?? ""))</td><td>added</td><td></td></tr>"
            for c in f["custody"]?.arrayValue ?? [] {
                var details: [String] = []
                for key in ["peer", "sha256", "bytes", "by", "reason"] {
                    if let value = c[key] { details.append("\(key): \(CaseView.text(value))") }
                }
                details.append("event \(c["event"]?.stringValue ?? "")")
                o += "<tr><td>\(h(c["at"]?.stringValue ?? ""))</td><td>\(h(c["node"]?.stringValue ?? ""))</td><td>\(h(c["action"]?.stringValue ?? ""))</td><td>\(details.map(h).joined(separator: "<br>"))</td></tr>"
            }
            o += "</table>"
        }
        o += "</section>\n"

        // Every event.
        let steps = Dictionary(v.steps.map { ($0.event, $0) }, uniquingKeysWith: { a, _ in a })
        let exporterKeys = Dictionary(a.keys.map { ($0.name, $0.key) }, uniquingKeysWith: { a, _ in a })
        o += "<section id=\"events\"><h2>Events (\(a.entries.count))</h2>"
        for (i, entry) in a.entries.enumerated() {
            let e = entry.event
            let step = steps[e.id.hex]
            let result = i < x.report.events.count ? x.report.events[i] : nil
            o += "<article class=\"event\" id=\"event-\(i + 1)\"><h3>\(i + 1). \(h(step?.title ?? e.type.rawValue)) — signed by \(h(e.origin))</h3><table>"
            o += row("Event id", "<span class=\"mono\">\(e.id.hex)</span>", raw: true)
            o += row("Type", e.type.rawValue)
            o += row("Signer", e.origin)
            let fingerprint = result?.signerFingerprint ?? exporterKeys[e.origin]?.fingerprint ?? "unknown to the exporting node"
            o += row("Signer key fingerprint", "<span class=\"mono fingerprint\">\(h(fingerprint))</span>", raw: true)
            o += row("Addressed to", e.to.joined(separator: ", "))
            o += row("Claimed time (signed)", e.time.rfc3339 + ((step?.backdated ?? false) ? " (BACKDATED)" : ""))
            o += row("Received by \(a.exportedBy)", entry.receivedAt?.rfc3339 ?? "-")
            if let summary = step?.summary { o += row("Summary", summary) }
            for key in e.body.keys.sorted() {
                o += row(CaseView.stepLabels[key] ?? key, CaseView.text(e.body[key]!), name: key)
            }
            for d in entry.deliveries { o += row("Delivery to \(d.peer)", d.state) }
            if let proof = entry.proof {
                var what = "leaf \(proof.leafIndex) of \(e.origin)'s log, checkpoint at tree size \(proof.treeSize)"
                if let r = result, !r.witnesses.isEmpty {
                    what += "; cosigned by " + r.witnesses.map { "\($0.name) at \(Timestamp(milliseconds: Int64($0.timestamp) * 1000).rfc3339)" }.joined(separator: ", ")
                }
                o += row("Inclusion proof", what)
            } else {
                o += row("Inclusion proof", "none: \(entry.unproven ?? "the exporting node holds none")")
            }
            if let r = result {
                o += r.valid
                    ? "<tr><th>Exporting node's check</th><td class=\"ok\">verified</td></tr>"
                    : "<tr><th>Exporting node's check</th><td class=\"bad\">\(r.problems.map(h).joined(separator: "<br>"))</td></tr>"
            }
            o += "</table>"
            if let proof = entry.proof {
                o += "<details class=\"proof\"><summary>Proof bundle (\(ProofBundle.format))</summary><pre>\(h(PrettyJSON.string(proof.json)))</pre></details>"
            }
            o += "</article>\n"
        }
        o += "</section>\n"

        o += "<section id=\"keys\"><h2>Keys the exporting node trusted</h2><p class=\"note\">For comparison only: compare each fingerprint with the one the node's operator gives you out of band; a verifier uses its own trusted keys, never these.</p><table>"
        for k in a.keys { o += row("\(k.name) (\(k.role))", "<span class=\"mono\">\(k.key.fingerprint)</span>", raw: true) }
        o += "</table></section>\n"
        // Not executed (a JSON data block, and the policy above forbids scripts): read by verify-export.
        o += "<script type=\"application/json\" id=\"accord-case-export\">"
        o += String(decoding: x.archiveBytes, as: UTF8.self)
        o += "</script>\n</body></html>\n"
        return o
    }

    static func row(_ label: String, _ value: String, raw: Bool = false, name: String? = nil, header: Bool = false) -> String {
        let cell = raw ? value : h(value)
        let attr = name.map { " data-field=\"\(h($0))\"" } ?? ""
        if header { return "<p>\(h(label)): \(cell)</p>" }
        return "<tr\(attr)><th>\(h(label))</th><td>\(cell)</td></tr>"
    }
}
