import AccordCore
import AccordHTTP
import AccordLog
import ArgumentParser
import Foundation

extension CaseCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a case's court export: a printable HTML record and a JSON archive that verifies offline.",
            discussion: """
                The record shows every event with all its fields, the signer's key fingerprint, claimed and received times, \
                delivery and receipt state, the evidence with its SHA-256 and chain of custody, and the proof bundles; it embeds \
                the archive. The archive (docs/protocol.md §14) holds each event as signed with its proof of inclusion in its \
                author's witnessed log; 'accord case verify-export' checks it (or the record) without any node. Each export is \
                recorded in the custody of the case's evidence.
                """)
        @OptionGroup var api: APIOptions
        @Argument(help: "The case id (or a unique prefix).") var id: String
        @Option(name: .shortAndLong, help: "A directory to write case-ID.html and case-ID.accord.json into, or a file name (its extension is replaced). Default: the current directory.")
        var out: String?
        @Flag(help: "Write the HTML record only.") var htmlOnly = false
        @Flag(help: "Write the JSON archive only.") var archiveOnly = false

        func run() async throws {
            try await reporting {
                guard !(htmlOnly && archiveOnly) else { throw ValidationError("--html-only and --archive-only exclude each other") }
                let client = try api.client()
                let caseID = try await resolve(id, client)
                let reply = try await client.send(.GET, "/api/v1/cases/\(caseID)/export?format=\(archiveOnly ? "archive" : "html")")
                guard reply.status == 200 else {
                    let message = reply.json?["error"]?["message"]?.stringValue ?? "the node answered HTTP \(reply.status)"
                    throw AccordError(.unavailable, message)
                }
                var archive = reply.body
                if !archiveOnly {
                    guard let embedded = CaseArchive.embeddedArchive(in: reply.body) else { throw AccordError(.malformed, "the node's record embeds no archive") }
                    archive = Array(embedded)
                }
                let parsed = try CaseArchive.parse(archive)
                let base = "case-\(parsed.caseID.short)"
                var isDirectory: ObjCBool = false
                let target = out ?? "."
                let stem: String
                if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue {
                    stem = (target as NSString).appendingPathComponent(base)
                } else {
                    var s = target
                    for ext in [".accord.json", ".html", ".json"] where s.hasSuffix(ext) { s = String(s.dropLast(ext.count)); break }
                    stem = s
                }
                var written: [String] = []
                if !archiveOnly {
                    try write(reply.body, to: stem + ".html")
                    written.append(stem + ".html")
                }
                if !htmlOnly {
                    try write(archive, to: stem + ".accord.json")
                    written.append(stem + ".accord.json")
                }
                print("Exported case \(parsed.caseID.hex) (\(parsed.entries.count) events, \(parsed.entries.filter { $0.proof == nil }.count) without proof):")
                for w in written { print("  \(w)") }
                print("Verify offline: accord case verify-export \(written.last!) --policy YOUR-TRUST-POLICY.json")
            }
        }

        func write(_ bytes: [UInt8], to path: String) throws {
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw AccordError(.storage, "cannot write \(path)") }
        }
    }

    struct VerifyExport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-export",
            abstract: "Verify a court export (the JSON archive or the HTML record) offline, under your own trust policy.",
            discussion: """
                For every event: its signature with the key you trust for its author, its author's checkpoint signed by that \
                key and cosigned by at least --quorum of the witnesses you trust, and its inclusion proof; then that the events \
                form one case (ids, each log's order, the case rules, evidence and custody records). The keys the archive carries \
                are never used. Prints one line per event and exits 0 if all hold, 1 (saying which event, field or proof failed) \
                otherwise.
                """)
        @Argument(help: "The archive (case-ID.accord.json) or the HTML record (case-ID.html).") var archive: String
        @OptionGroup var trust: TrustOptions
        @Flag(help: "Print every check that held, not only one line per event.") var verbose = false

        func run() async throws {
            try await reporting {
                let attributes = try? FileManager.default.attributesOfItem(atPath: archive)
                guard let size = (attributes?[.size] as? NSNumber)?.intValue else { throw AccordError(.notFound, "cannot read \(archive)") }
                guard size <= CaseArchive.maxBytes else {
                    print("INVALID: \(archive) is \(size) bytes; a case export is read only up to \(CaseArchive.maxBytes) bytes")
                    throw ExitCode.failure
                }
                let policy = try await trust.policy()
                guard let data = FileManager.default.contents(atPath: archive) else { throw AccordError(.notFound, "cannot read \(archive)") }
                let parsed: CaseArchive
                do { parsed = try CaseArchive.parse([UInt8](data)) } catch let e as AccordError {
                    print("INVALID: \(archive): \(e.message)")
                    throw ExitCode.failure
                }
                let report = CaseArchiveVerifier(policy: policy).verify(parsed)
                print("case \(parsed.caseID.hex), exported by \(parsed.exportedBy) at \(parsed.exportedAt.rfc3339): \(parsed.entries.count) events")
                for e in report.events {
                    if e.valid {
                        let witnesses = e.witnesses.map(\.name).joined(separator: ", ")
                        print("ok: \(e.label): signed (key \(e.signerFingerprint ?? "?")), in \(e.event.origin)'s log, witnessed by \(witnesses.isEmpty ? "nobody (quorum 0)" : witnesses)")
                        if verbose { for c in e.checks { print("      \(c)") } }
                    } else {
                        for p in e.problems { print("FAIL: \(e.label): \(p)") }
                    }
                }
                for p in report.problems { print("FAIL: \(p)") }
                let evidence = parsed.evidence.arrayValue ?? []
                for f in evidence {
                    print("evidence: \(f["name"]?.stringValue ?? "?") sha256 \(f["sha256"]?.stringValue ?? "?"), \((f["custody"]?.arrayValue ?? []).count) custody record(s)")
                }
                if report.valid {
                    print("VALID: all \(parsed.entries.count) events of case \(parsed.caseID.short) verify with your keys and form a consistent case")
                } else {
                    print("INVALID: \(report.allProblems.count) problem(s); the first: \(report.allProblems.first ?? "")")
                    throw ExitCode.failure
                }
            }
        }
    }
}
