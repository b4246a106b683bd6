import AccordCore
import Foundation
import NIOCore

/// Reads a `multipart/form-data` body (RFC 7578, RFC 2046 §5.1) as it arrives: each part's
/// headers, then its content in pieces. It never holds more than one piece from the network plus
/// a delimiter's length, so a part may be as large as a disk image.
///
/// A body that ends before its closing delimiter is an error, never a shorter last part.
final class MultipartReader<Source: AsyncIteratorProtocol> where Source.Element == ByteBuffer {
    struct PartHead: Sendable, Equatable {
        /// The form field's name (`Content-Disposition: form-data; name="…"`).
        var name: String
        /// The file's name as the browser gave it, without any folder; nil for a text field.
        var filename: String?
        var contentType: String?
    }

    /// A part's headers may take at most this many bytes; what comes before the first delimiter too.
    static var maxHeaderBytes: Int { 8 * 1024 }

    private enum State { case preamble, inPart, atDelimiter, done }

    private var source: Source
    private var buffer: ByteBuffer
    /// `CRLF "--" boundary`: every delimiter, the first one too once the body is read as if it
    /// started with CRLF (the first delimiter may open the body without one).
    private let delimiter: [UInt8]
    private var state = State.preamble
    private var sourceEnded = false
    /// Bytes taken from the source so far.
    private var received: Int64 = 0

    init(boundary: String, source: Source) {
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.source = source
        self.buffer = ByteBuffer(bytes: [13, 10])
    }

    /// Bytes of the body before the reading position: at a part's content, what came before it.
    var consumed: Int64 { received - Int64(buffer.readableBytes) }

    /// The length of the closing delimiter as browsers and command-line clients send it:
    /// `CRLF "--" boundary "--" CRLF`.
    var closingLength: Int { delimiter.count + 4 }

    /// The next part's headers, with the reading position at its content; nil after the closing
    /// delimiter. Whatever is left of the current part's content is skipped.
    func nextPart() async throws -> PartHead? {
        switch state {
        case .done: return nil
        case .inPart: while try await nextPiece() != nil {}
        case .preamble:
            while true {
                if let at = find(delimiter) {
                    buffer.moveReaderIndex(forwardBy: at)
                    break
                }
                guard buffer.readableBytes < Self.maxHeaderBytes else { throw AccordError(.malformed, "the form does not start with its boundary") }
                try await fillOrFail()
            }
        case .atDelimiter: break
        }
        try await ensure(delimiter.count + 2)
        buffer.moveReaderIndex(forwardBy: delimiter.count)
        if buffer.readableBytesView.starts(with: [45, 45]) {  // "--": the closing delimiter
            buffer.moveReaderIndex(forwardBy: 2)
            state = .done
            return nil
        }
        // Transport padding (RFC 2046: linear white space) then CRLF.
        while true {
            try await ensure(2)
            guard let first = buffer.readableBytesView.first, first == 32 || first == 9 else { break }
            buffer.moveReaderIndex(forwardBy: 1)
        }
        guard buffer.readableBytesView.starts(with: [13, 10]) else { throw AccordError(.malformed, "a multipart boundary is not followed by a line end") }
        buffer.moveReaderIndex(forwardBy: 2)
        var head = PartHead(name: "", filename: nil, contentType: nil)
        var disposition: String? = nil
        var headerBytes = 0
        while true {
            guard let line = try await readLine(budget: Self.maxHeaderBytes - headerBytes) else {
                throw AccordError(.malformed, "a part's headers are longer than \(Self.maxHeaderBytes) bytes")
            }
            headerBytes += line.count + 2
            if line.isEmpty { break }
            guard let text = String(validating: line, as: UTF8.self), let colon = text.firstIndex(of: ":") else {
                throw AccordError(.malformed, "a part's header is not a \"Name: value\" line")
            }
            let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { head.contentType = value }
        }
        guard let disposition, let parameters = MultipartForm.formData(disposition), let name = parameters["name"] else {
            throw AccordError(.malformed, "a part has no Content-Disposition: form-data with a name")
        }
        head.name = name
        head.filename = parameters["filename"].map(MultipartForm.baseName)
        state = .inPart
        return head
    }

    /// The next piece of the current part's content; nil at its end.
    func nextPiece() async throws -> ByteBuffer? {
        guard state == .inPart else { return nil }
        while true {
            if let at = find(delimiter) {
                if at == 0 {
                    state = .atDelimiter
                    return nil
                }
                return buffer.readSlice(length: at)
            }
            // Everything but a possible start of the delimiter at the end is content.
            let safe = buffer.readableBytes - (delimiter.count - 1)
            if safe > 0 { return buffer.readSlice(length: safe) }
            try await fillOrFail()
        }
    }

    /// The current part's content, refused past `limit` bytes.
    func collect(limit: Int, field: String) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while var piece = try await nextPiece() {
            guard bytes.count + piece.readableBytes <= limit else { throw AccordError(.tooLarge, "the form field \(field) is longer than \(limit) bytes", field: field) }
            bytes += piece.readBytes(length: piece.readableBytes) ?? []
        }
        return bytes
    }

    /// After the closing delimiter: what follows (a line end, an epilogue) is read and dropped,
    /// at most `limit` bytes; returns how many there were.
    func finish(limit: Int = 1024) async throws -> Int {
        guard state == .done else { throw AccordError(.malformed, "the form has parts after the one expected last") }
        var extra = buffer.readableBytes
        buffer.clear()
        while !sourceEnded, extra <= limit {
            if let chunk = try await source.next() {
                received += Int64(chunk.readableBytes)
                extra += chunk.readableBytes
            } else {
                sourceEnded = true
            }
        }
        guard extra <= limit else { throw AccordError(.malformed, "the form goes on for more than \(limit) bytes after its closing boundary") }
        return extra
    }

    // MARK: Reading

    private func fillOrFail() async throws {
        guard try await fill() else { throw AccordError(.malformed, "the form ended before its closing boundary: the upload was cut short") }
    }

    /// Appends the source's next chunk; false at its end.
    private func fill() async throws -> Bool {
        guard !sourceEnded else { return false }
        guard let chunk = try await source.next() else {
            sourceEnded = true
            return false
        }
        received += Int64(chunk.readableBytes)
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            buffer.discardReadBytes()
            var chunk = chunk
            buffer.writeBuffer(&chunk)
        }
        return true
    }

    private func ensure(_ count: Int) async throws {
        while buffer.readableBytes < count { try await fillOrFail() }
    }

    /// One header line without its CRLF, or nil if none ends within `budget` bytes.
    private func readLine(budget: Int) async throws -> [UInt8]? {
        while true {
            if let at = find([13, 10]) {
                guard at <= budget else { return nil }
                let line = buffer.readBytes(length: at) ?? []
                buffer.moveReaderIndex(forwardBy: 2)
                return line
            }
            guard buffer.readableBytes <= budget else { return nil }
            try await fillOrFail()
        }
    }

    /// Where `needle` first starts in the unread bytes.
    private func find(_ needle: [UInt8]) -> Int? {
        buffer.withUnsafeReadableBytes { haystack -> Int? in
            guard haystack.count >= needle.count, let base = haystack.baseAddress else { return nil }
            return needle.withUnsafeBytes { n -> Int? in
                let first = needle[0]
                var offset = 0
                let last = haystack.count - needle.count
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, n.baseAddress!, needle.count) == 0 { return at }
                    offset = at + 1
                }
                return nil
            }
        }
    }
}

/// The parts of `multipart/form-data` that need no body: the boundary a request names and the
/// parameters of a part's Content-Disposition.
enum MultipartForm {
    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` value, nil for any
    /// other type; an unusable boundary is an error naming it.
    static func boundary(contentType: String) throws(AccordError) -> String? {
        let items = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = items.first, type.lowercased() == "multipart/form-data" else { return nil }
        for item in items.dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046 §5.1.1: 1 to 70 characters from a restricted set.
            let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'()+_,-./:=? ")
            guard (1...70).contains(value.count), value.allSatisfy(allowed.contains), value.last != " " else {
                throw AccordError(.malformed, "the multipart boundary must be 1 to 70 letters, digits or '()+_,-./:=? characters")
            }
            return value
        }
        throw AccordError(.malformed, "a multipart/form-data body needs a boundary parameter")
    }

    /// The parameters of a `form-data` disposition (quoted or not, backslash escapes undone),
    /// names lowercased; nil for another disposition.
    static func formData(_ value: String) -> [String: String]? {
        var scanner = Substring(value)
        func token() -> Substring {
            let t = scanner.prefix { $0 != ";" && $0 != "=" }
            scanner = scanner.dropFirst(t.count)
            return t
        }
        guard token().trimmingCharacters(in: .whitespaces).lowercased() == "form-data" else { return nil }
        var parameters: [String: String] = [:]
        while scanner.first == ";" {
            scanner = scanner.dropFirst()
            let name = token().trimmingCharacters(in: .whitespaces).lowercased()
            guard scanner.first == "=" else { continue }
            scanner = scanner.dropFirst().drop { $0 == " " }
            var v = ""
            if scanner.first == "\"" {
                scanner = scanner.dropFirst()
                while let c = scanner.first, c != "\"" {
                    scanner = scanner.dropFirst()
                    if c == "\\", let next = scanner.first {
                        v.append(next)
                        scanner = scanner.dropFirst()
                    } else {
                        v.append(c)
                    }
                }
                scanner = scanner.dropFirst().drop { $0 != ";" }
            } else {
                v = token().trimmingCharacters(in: .whitespaces)
            }
            if parameters[name] == nil { parameters[name] = v }
        }
        return parameters
    }

    /// A file name without any folder a client may have sent with it (`C:\\…\\x.log`, `../x.log`).
    static func baseName(_ name: String) -> String {
        String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }
}
