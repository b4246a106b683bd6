import AccordCore
import AccordEvidence
import AccordLog
import AccordNode
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON responses and the error format every route uses:
/// `{"error": {"code": "...", "message": "...", "field": "..."}}`.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        raw(try encoder.encode(value), status: status)
    }

    static func raw<D: Sequence<UInt8>>(_ bytes: D, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ e: AccordError) -> Response {
        var body: [String: JSONValue] = ["code": .string(e.code.rawValue), "message": .string(e.message)]
        if let field = e.field { body["field"] = .string(field) }
        var response = raw(CanonicalJSON.encode(["error": .object(body)]), status: status(for: e.code))
        if e.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        if let seconds = e.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    static func status(for code: AccordError.Code) -> HTTPResponse.Status {
        switch code {
        case .malformed, .invalidField, .missingField, .badKey: .badRequest
        case .unauthorized, .badSignature, .clockSkew: .unauthorized
        case .forbidden, .unknownPeer, .notAddressed: .forbidden
        case .notFound, .unknownCase: .notFound
        case .conflict, .replay, .outOfOrder: .conflict
        case .illegalStep, .badProof: .unprocessableContent
        case .tooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .busy: .serviceUnavailable
        case .unsupportedType: .unprocessableContent
        case .unavailable: .badGateway
        case .damaged: .unprocessableContent
        case .gone: .gone
        default: .internalServerError
        }
    }
}

/// Turns every thrown error into the JSON error format; unknown errors become a 500 that
/// is logged and never shown raw.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as AccordError {
            if JSONResponse.status(for: e.code) == .internalServerError {
                context.logger.error(
                    "request failed", metadata: ["code": "\(e.code)", "cause": "\(e.message)", "path": "\(request.uri.path)", "method": "\(request.method)"])
                return JSONResponse.error(AccordError(e.code, "the node could not complete the request; see its log"))
            }
            return JSONResponse.error(e)
        } catch is NIOTooManyBytesError {
            return JSONResponse.error(AccordError(.tooLarge, "the request body is larger than this node accepts"))
        } catch let e as HTTPError {
            let code: AccordError.Code = e.status == .notFound ? .notFound : e.status == .contentTooLarge ? .tooLarge : .malformed
            return JSONResponse.raw(
                CanonicalJSON.encode(["error": ["code": .string(code.rawValue), "message": .string(e.body ?? e.status.reasonPhrase)]]),
                status: e.status)
        } catch is DecodingError {
            return JSONResponse.error(AccordError(.malformed, "the request body is not the JSON this route expects"))
        } catch {
            // The full cause goes to the node's log only; the client gets a generic message.
            context.logger.error(
                "request failed",
                metadata: ["error": "\(type(of: error))", "cause": "\(String(reflecting: error))", "path": "\(request.uri.path)", "method": "\(request.method)"])
            return JSONResponse.error(AccordError(.storage, "the node could not complete the request; see its log"))
        }
    }
}

extension ErrorMiddleware {
    /// The code and status `handle` answers a thrown `error` with (for metrics, which see the
    /// error before it becomes a response).
    static func classify(_ error: any Error) -> (code: AccordError.Code, status: HTTPResponse.Status) {
        switch error {
        case let e as AccordError: (e.code, JSONResponse.status(for: e.code))
        case is NIOTooManyBytesError: (.tooLarge, .contentTooLarge)
        case let e as HTTPError: (e.status == .notFound ? .notFound : e.status == .contentTooLarge ? .tooLarge : .malformed, e.status)
        case is DecodingError: (.malformed, .badRequest)
        default: (.storage, .internalServerError)
        }
    }
}

extension Request {
    /// The body, refusing more than `limit` bytes with a 413, and reading it only within the
    /// node's budget of bodies in flight (503 `busy` when that is spent).
    func bodyBytes(limit: Int, budget: BodyBudget) async throws -> [UInt8] {
        let declared = headers[.contentLength].flatMap(Int.init)
        if let length = declared, length > limit {
            throw AccordError(.tooLarge, "the request body is \(length) bytes; this node accepts at most \(limit)")
        }
        let reserved = declared ?? limit
        try budget.reserve(reserved)
        defer { budget.release(reserved) }
        var buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw AccordError(.tooLarge, "the request body is larger than the \(limit) bytes this node accepts")
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    func header(_ name: String) -> String? {
        guard let n = HTTPField.Name(name) else { return nil }
        return headers[n]
    }
}
