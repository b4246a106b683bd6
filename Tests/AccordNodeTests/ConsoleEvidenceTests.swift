import AccordCore
import AccordEvidence
import AccordStore
import AccordTestSupport
import Crypto
import Foundation
import NIOCore
import Testing

@testable import AccordConsole
@testable import AccordNode

/// The streaming reader of `multipart/form-data` bodies behind the console's attach form.
@Suite struct MultipartReaderTests {
    struct Pieces: AsyncIteratorProtocol {
        var left: [ByteBuffer]
        mutating func next() async throws -> ByteBuffer? { left.isEmpty ? nil : left.removeFirst() }
    }

    static let boundary = "----Accord7MA4YWxkTrZu0gW"

    /// Text fields, then a file whose content holds line ends, dashes and every proper prefix of
    /// the delimiter: none of them ends the part.
    static let content: [UInt8] = {
        var bytes = Array("first line\r\nsecond\r\n-\r\n--\r".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        for n in 1..<delimiter.count { bytes += delimiter.prefix(n) + [0x00, 0xff] }
        return bytes + [13]
    }()

    static let body: [UInt8] = Array("""
        --\(boundary)\r
        Content-Disposition: form-data; name="csrf"\r
        \r
        0123abcd\r
        --\(boundary)\r
        Content-Disposition: form-data; name="description"\r
        \r
        Log of "mx1"; line two\r
        --\(boundary)\r
        Content-Disposition: form-data; name="file"; filename="C:\\\\Users\\\\duty\\\\mx \\"1\\".log"\r
        Content-Type: text/plain\r
        \r

        """.utf8) + content + Array("\r\n--\(boundary)--\r\n".utf8)

    typealias Reader = MultipartReader<Pieces>

    static func parts(_ pieces: [[UInt8]]) async throws -> [(Reader.PartHead, [UInt8])] {
        let reader = Reader(boundary: boundary, source: Pieces(left: pieces.map { ByteBuffer(bytes: $0) }))
        var out: [(Reader.PartHead, [UInt8])] = []
        while let head = try await reader.nextPart() {
            out.append((head, try await reader.collect(limit: 1 << 20, field: head.name)))
        }
        _ = try await reader.finish()
        return out
    }

    static func split(_ bytes: [UInt8], every size: Int) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    @Test func everySplitOfABodyGivesTheSameParts() async throws {
        let whole = try await Self.parts([Self.body])
        #expect(whole.map(\.0.name) == ["csrf", "description", "file"])
        #expect(whole.map(\.0.filename) == [nil, nil, "mx \"1\".log"])
        #expect(whole[2].0.contentType == "text/plain")
        #expect(whole[0].1 == Array("0123abcd".utf8))
        #expect(whole[1].1 == Array("Log of \"mx1\"; line two".utf8))
        #expect(whole[2].1 == Self.content)
        for size in 1...64 {
            let parts = try await Self.parts(Self.split(Self.body, every: size))
            #expect(parts.map(\.1) == whole.map(\.1), "pieces of \(size) bytes")
        }
        for at in 1..<Self.body.count {
            let parts = try await Self.parts([Array(Self.body[..<at]), Array(Self.body[at...])])
            #expect(parts.map(\.1) == whole.map(\.1), "split at byte \(at)")
        }
        // A preamble before the first boundary is skipped (RFC 2046 §5.1.1).
        let preamble = try await Self.parts([Array("This is a preamble.\r\n".utf8) + Self.body])
        #expect(preamble.map(\.1) == whole.map(\.1))
    }

    @Test func aBodyCutAnywhereBeforeItsClosingBoundaryIsAnError() async throws {
        let end = Self.body.count - 2  // after "--boundary--", before the last CRLF
        for cut in 0..<end {
            let error = await #expect(throws: AccordError.self, "cut at \(cut)") { _ = try await Self.parts([Array(Self.body[..<cut])]) }
            #expect(error?.code == .malformed)
        }
        let cutInFile = await #expect(throws: AccordError.self) { _ = try await Self.parts([Array(Self.body[..<(end - 40)])]) }
        #expect(cutInFile?.message.contains("cut short") == true)
    }

    @Test func badHeadersAreRefusedNamingWhatIsWrong() async throws {
        func refused(_ text: String) async -> String? {
            await #expect(throws: AccordError.self, "\(text.prefix(60))") { _ = try await Self.parts([Array(text.utf8)]) }?.message
        }
        let b = Self.boundary
        #expect(await refused("--\(b)\r\nContent-Type: text/plain\r\n\r\nx\r\n--\(b)--\r\n")?.contains("Content-Disposition") == true)
        #expect(await refused("--\(b)\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nx\r\n--\(b)--\r\n")?.contains("form-data") == true)
        #expect(await refused("--\(b)\r\nContent-Disposition form-data\r\n\r\nx\r\n--\(b)--\r\n")?.contains("Name: value") == true)
        #expect(await refused("--\(b)\r\nX-Long: \(String(repeating: "a", count: 9000))\r\n\r\nx\r\n--\(b)--\r\n")?.contains("longer than") == true)
        #expect(await refused("--\(b)garbage\r\n\r\n--\(b)--\r\n")?.contains("line end") == true)
        #expect(await refused(String(repeating: "no boundary here ", count: 1000))?.contains("does not start with its boundary") == true)
        // A field longer than the reader is allowed to collect.
        let reader = Reader(boundary: b, source: Pieces(left: [ByteBuffer(string: "--\(b)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n\(String(repeating: "x", count: 100))\r\n--\(b)--\r\n")]))
        _ = try await reader.nextPart()
        let long = await #expect(throws: AccordError.self) { _ = try await reader.collect(limit: 50, field: "note") }
        #expect(long?.code == .tooLarge && long?.field == "note")
    }

    @Test func boundariesDispositionsAndFileNames() throws {
        #expect(try MultipartForm.boundary(contentType: "multipart/form-data; boundary=----WebKitFormBoundaryx7") == "----WebKitFormBoundaryx7")
        #expect(try MultipartForm.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"") == "a b:c")
        #expect(try MultipartForm.boundary(contentType: "application/x-www-form-urlencoded") == nil)
        #expect(throws: AccordError.self) { try MultipartForm.boundary(contentType: "multipart/form-data") }
        #expect(throws: AccordError.self) { try MultipartForm.boundary(contentType: "multipart/form-data; boundary=\(String(repeating: "x", count: 71))") }
        #expect(throws: AccordError.self) { try MultipartForm.boundary(contentType: "multipart/form-data; boundary=a\rb") }
        #expect(MultipartForm.formData("form-data; name=\"a;b\"; filename=\"x\\\"y.log\"") == ["name": "a;b", "filename": "x\"y.log"])
        #expect(MultipartForm.formData("form-data; name=plain") == ["name": "plain"])
        #expect(MultipartForm.formData("attachment; name=\"x\"") == nil)
        #expect(MultipartForm.baseName("../../etc/passwd") == "passwd")
        #expect(MultipartForm.baseName("C:\\Users\\duty\\capture.pcap") == "capture.pcap")
        #expect(MultipartForm.baseName("") == "")
    }
}

/// Attaching evidence in the console, between real nodes: the file is encrypted as it arrives,
/// reaches the other party byte-identical, and every bad upload is refused with the problem
/// named and nothing kept.
@Suite(.serialized) struct ConsoleEvidenceTests {
    static func casePath(_ id: EventID) -> String { "/console/cases/\(id.hex)" }

    @Test func anOfficerAttachesAFileAndThePeerReceivesItIntact() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let caseID = try await EvidenceTransferTests.openCase(cluster)
            _ = try await ConsoleFixtures.account(a, "duty", .officer)
            let browser = ConsoleBrowser(a.url)
            #expect(try await browser.login("duty", ConsoleFixtures.password).status == 303)
            let page = try await browser.get(Self.casePath(caseID))
            #expect(page.body.contains("id=\"attach-evidence\" enctype=\"multipart/form-data\""))
            let csrf = try #require(page.csrf)

            // Three megabytes, with the form's own delimiter (but for its last character) inside.
            let boundary = "----AccordTestBoundary7MA4YWxkTrZu0gW"
            var bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
            bytes.replaceSubrange(1000..<(1000 + boundary.count + 3), with: Array("\r\n--\(boundary.dropLast())".utf8))
            let reply = try await browser.upload(Self.casePath(caseID) + "/evidence", [
                ("csrf", csrf), ("description", "Mail server log, 1 to 3 December"), ("collected_by", "J. Duty"),
                ("collected_at", "2026-12-04T08:00:00Z"), ("method", "exported from the mail server"), ("media_type", ""),
            ], file: .init(filename: "mx1.log", type: "text/plain", bytes: bytes), boundary: boundary)
            #expect(reply.status == 303, "\(reply.body.prefix(2000))")
            #expect(reply.location == Self.casePath(caseID) + "?done=evidence")
            let done = try await browser.get(try #require(reply.location))
            #expect(done.body.contains("The file was encrypted for the case"))
            #expect(done.body.contains("mx1.log") && done.body.contains("Mail server log, 1 to 3 December"))

            let items = try await a.node.evidence(inCase: caseID)
            try #require(items.count == 1)
            let m = items[0].metadata
            #expect(m.name == "mx1.log" && m.mediaType == "text/plain" && m.size == Int64(bytes.count))
            #expect(m.sha256 == Array(SHA256.hash(data: bytes)))
            #expect(m.collectedBy == "J. Duty" && m.method == "exported from the mail server" && m.collectedAt == Timestamp(rfc3339: "2026-12-04T08:00:00Z"))
            // Borealis fetches it, decrypts it and finds the same bytes.
            let id = items[0].event.id
            #expect(try await EvidenceTransferTests.waitFor(.available, b.node, id))
            let out = cluster.root.path + "/received.log"
            _ = try await b.node.exportEvidence(id, to: out)
            #expect(try Array(Data(contentsOf: URL(fileURLWithPath: out))) == bytes)
            // Nothing of the upload stayed behind on aurelia but the encrypted copy.
            #expect(try EvidenceTransferTests.evidenceFiles(a.node).count == 1)
        }
    }

    @Test func badUploadsAreRefusedWithTheProblemNamedAndNothingKept() async throws {
        try await TestCluster.with(["aurelia", "borealis"], evidenceOf: ["aurelia": EvidenceSettings(maxFileBytes: 1_000_000)]) { cluster in
            try await cluster.pinProfiles()
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let caseID = try await EvidenceTransferTests.openCase(cluster)
            _ = try await ConsoleFixtures.account(a, "duty", .officer)
            _ = try await ConsoleFixtures.account(a, "reader", .analyst)
            let officer = ConsoleBrowser(a.url), analyst = ConsoleBrowser(a.url)
            #expect(try await officer.login("duty", ConsoleFixtures.password).status == 303)
            #expect(try await analyst.login("reader", ConsoleFixtures.password).status == 303)
            let csrf = try #require(try await officer.get(Self.casePath(caseID)).csrf)
            let path = Self.casePath(caseID) + "/evidence"
            let events = try await a.node.store.eventCount()
            let small = ConsoleBrowser.File(filename: "note.txt", type: "text/plain", bytes: Array("a line\n".utf8))
            func upload(_ fields: [(String, String)], _ file: ConsoleBrowser.File = small, as browser: ConsoleBrowser = officer) async throws -> ConsoleBrowser.Page {
                try await browser.upload(path, fields, file: file)
            }

            let forged = try await upload([("csrf", String(repeating: "0", count: 64))])
            #expect(forged.status == 403 && forged.body.contains("anti-forgery token"))
            let notAllowed = try await upload([("csrf", try #require(try await analyst.get(Self.casePath(caseID)).csrf))], as: analyst)
            #expect(notAllowed.status == 403 && notAllowed.body.contains("needs the officer role"))
            #expect(!(try await analyst.get(Self.casePath(caseID))).body.contains("attach-evidence"))

            let noFile = try await upload([("csrf", csrf), ("description", "kept on the form")], .init(filename: "", bytes: []))
            #expect(noFile.status == 400 && noFile.body.contains("File: choose a file") && noFile.body.contains("kept on the form"))
            let badTime = try await upload([("csrf", csrf), ("collected_at", "yesterday")])
            #expect(badTime.status == 400 && badTime.body.contains("Collected at: an RFC 3339 UTC time") && badTime.body.contains("value=\"yesterday\""))
            let badType = try await upload([("csrf", csrf), ("media_type", "not a type")])
            #expect(badType.status == 400 && badType.body.contains("media_type is type/subtype"))
            let tooLarge = try await upload([("csrf", csrf)], .init(filename: "big.bin", bytes: Array(repeating: 7, count: 1_200_000)))
            #expect(tooLarge.status == 413 && tooLarge.body.contains("evidence.max_file_bytes"))
            let stix = try await upload([("csrf", csrf), ("media_type", "application/stix+json")],
                                        .init(filename: "iocs.json", type: "application/json", bytes: Array(#"{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator"}]}"#.utf8)))
            #expect(stix.status == 400 && stix.body.contains("bundle--1"), "\(stix.body.prefix(3000))")

            // Bodies that do not end as a browser's form does.
            let boundary = "----AccordTestBoundary7MA4YWxkTrZu0gW"
            let whole = ConsoleBrowser.multipart([("csrf", csrf)], file: small, boundary: boundary)
            let type = "multipart/form-data; boundary=\(boundary)"
            let closing = "\r\n--\(boundary)--\r\n".utf8.count
            let cutShort = try await officer.request(.POST, path, body: (type, Array(whole.dropLast(closing))))
            #expect(cutShort.status == 400 && cutShort.body.contains("did not end as a browser sends it"))
            let epilogue = try await officer.request(.POST, path, body: (type, whole + Array("an epilogue".utf8)))
            #expect(epilogue.status == 400 && epilogue.body.contains("did not end as a browser sends it"))
            let partAfter = Array(whole.dropLast(closing)) + Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nx\r\n--\(boundary)--\r\n".utf8)
            let late = try await officer.request(.POST, path, body: (type, partAfter))
            #expect(late.status == 400 && late.body.contains("did not end as a browser sends it"))
            // A plain form on the attach route, a file on a form that takes none.
            let plain = try await officer.post(path, [("csrf", csrf)])
            #expect(plain.status == 415)
            let onSteps = try await officer.upload(Self.casePath(caseID) + "/steps", [("csrf", csrf), ("type", "close")], file: small)
            #expect(onSteps.status == 415)

            // A browser that goes away half-way through a file.
            let connection = try RawConnection(port: a.port)
            let head = ConsoleBrowser.multipart([("csrf", csrf)], file: .init(filename: "half.bin", bytes: []), boundary: boundary).dropLast(closing)
            let cookie = officer.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            #expect(connection.send("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(cookie)\r\nContent-Type: \(type)\r\nContent-Length: \(head.count + 500_000 + closing)\r\n\r\n"))
            #expect(connection.send(Array(head) + Array(repeating: 1, count: 200_000)))
            // Gone once the node has begun to encrypt the file (its partial copy is on disk).
            #expect(try await TestCluster.eventually { try EvidenceTransferTests.evidenceFiles(a.node).contains { $0.hasSuffix(".partial") } })
            shutdown(connection.fd, Int32(SHUT_RDWR))  // the descriptor itself is closed by its owner

            // Nothing signed, nothing kept, no file left behind.
            #expect(try await TestCluster.eventually { try EvidenceTransferTests.evidenceFiles(a.node).isEmpty })
            #expect(try await a.node.evidence(inCase: caseID).isEmpty)
            #expect(try await a.node.store.eventCount() == events)
        }
    }
}
