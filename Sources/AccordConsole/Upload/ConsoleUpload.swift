import AccordCore
import AccordEvidence
import Foundation
import Hummingbird
import NIOCore

/// A file posted with a console form (`multipart/form-data`): the form's text fields, read before
/// the file, and the file's content, still to be read from the request as it arrives.
///
/// The form's text fields (the anti-forgery token among them) must come before the file, as the
/// console's forms place them; the file must be the last part. Its size is known before a byte of
/// it is read, from the request's Content-Length less what came before it and the closing
/// boundary, so every limit is checked first and the file is encrypted as it arrives.
///
/// Used by one request's task only (the reader is not shared).
public final class ConsoleUpload: @unchecked Sendable {
    typealias Reader = MultipartReader<RequestBody.AsyncIterator>

    /// The form's text fields.
    public let fields: FormValues
    /// The file's form field, its name without folders and the media type the browser gave.
    let field: String
    public let filename: String
    public let contentType: String?
    /// The file's size in bytes.
    public let size: Int64
    private let reader: Reader
    private var read = false

    /// At most this many parts before the file.
    static let maxFields = 64

    static let shapeMessage = "the form did not end as a browser sends it (the file as its last field, then the closing boundary); nothing was stored"

    private init(fields: FormValues, head: Reader.PartHead, size: Int64, reader: Reader) {
        self.fields = fields
        self.field = head.name
        self.filename = head.filename ?? ""
        self.contentType = head.contentType
        self.size = size
        self.reader = reader
    }

    /// Reads the text fields up to the file (at most `fieldLimit` bytes of them).
    static func begin(_ request: Request, boundary: String, fieldLimit: Int) async throws -> ConsoleUpload {
        guard let length = request.headers[.contentLength].flatMap(Int64.init), length >= 0 else {
            throw AccordError(.malformed, "send the form with its Content-Length (a file is checked against the limits before it is read)")
        }
        let reader = Reader(boundary: boundary, source: request.body.makeAsyncIterator())
        var values: [String: [String]] = [:]
        var textBytes = 0
        for _ in 0...maxFields {
            guard let head = try await reader.nextPart() else {
                throw AccordError(.missingField, "the form carries no file: choose one", field: "file")
            }
            if head.filename != nil {
                let size = length - reader.consumed - Int64(reader.closingLength)
                guard size >= 0 else { throw AccordError(.malformed, shapeMessage) }
                return ConsoleUpload(fields: FormValues(values: values), head: head, size: size, reader: reader)
            }
            let bytes = try await reader.collect(limit: max(fieldLimit - textBytes, 0), field: head.name)
            textBytes += bytes.count
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw AccordError(.malformed, "the form field \(head.name) is not UTF-8", field: head.name)
            }
            values[head.name, default: []].append(text)
        }
        throw AccordError(.malformed, "the form has more than \(maxFields) fields before its file")
    }

    /// Hands the file's content to `consume` piece by piece, then checks that the form ended
    /// where its length said: a file cut short, longer, or followed by more parts is an error
    /// after which the caller keeps nothing.
    public func read(_ consume: (ByteBuffer) throws -> Void) async throws {
        guard !read else { throw AccordError(.conflict, "the uploaded file was read already") }
        read = true
        var total: Int64 = 0
        while let piece = try await nextPiece() {
            total += Int64(piece.readableBytes)
            guard total <= size else { throw AccordError(.malformed, Self.shapeMessage) }
            try consume(piece)
        }
        guard total == size, try await reader.nextPart() == nil else { throw AccordError(.malformed, Self.shapeMessage) }
        guard try await reader.finish(limit: 2) == 2 else { throw AccordError(.malformed, Self.shapeMessage) }
    }

    /// The next piece of the file; a request that stopped arriving is an error a person can read.
    private func nextPiece() async throws -> ByteBuffer? {
        do { return try await reader.nextPiece() } catch let e as AccordError { throw e } catch {
            throw AccordError(.malformed, "the upload stopped before the file ended (\(type(of: error))); nothing was stored")
        }
    }

    /// Writes the file to `path` (owner-only), for content checked whole before it is kept.
    public func write(to path: String) async throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw AccordError(.storage, "cannot stage the upload") }
        defer { try? handle.close() }
        try await read { piece in
            do { try handle.write(contentsOf: piece.readableBytesView) } catch {
                throw AccordError(.storage, "cannot store the upload: \(EvidenceFiles.reason(error))")
            }
        }
    }
}
