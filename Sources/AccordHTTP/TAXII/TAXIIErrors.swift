import AccordCore
import HTTPTypes
import Hummingbird
import NIOCore

extension AccordError.Code {
    /// A request body of a media type the route does not take (415).
    public static let unsupportedMediaType = AccordError.Code(rawValue: "unsupported_media_type")
    /// An Accept header that allows no media type the route answers with (406).
    public static let notAcceptable = AccordError.Code(rawValue: "not_acceptable")
}

/// Errors under `/taxii2/` in TAXII 2.1's error message shape (section 3.6.1):
/// `{"title", "description", "error_code", "http_status"}`, as `application/taxii+json;version=2.1`.
struct TAXIIErrorMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: AccordRequestContext, next: (Request, AccordRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as AccordError {
            let status = Self.status(for: e.code)
            if status == .internalServerError {
                context.logger.error("TAXII request failed", metadata: ["code": "\(e.code)", "cause": "\(e.message)", "path": "\(request.uri.path)"])
                return Self.response(AccordError(e.code, "the server could not complete the request; see its log"), status: status)
            }
            return Self.response(e, status: status)
        } catch is NIOTooManyBytesError {
            return Self.response(AccordError(.tooLarge, "the request body is larger than max_content_length"), status: .contentTooLarge)
        } catch let e as HTTPError {
            return Self.response(AccordError(.malformed, e.body ?? e.status.reasonPhrase), status: e.status)
        } catch {
            context.logger.error("TAXII request failed", metadata: ["error": "\(type(of: error))", "cause": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return Self.response(AccordError(.storage, "the server could not complete the request; see its log"), status: .internalServerError)
        }
    }

    static func status(for code: AccordError.Code) -> HTTPResponse.Status {
        switch code {
        case .unsupportedMediaType: .unsupportedMediaType
        case .notAcceptable: .notAcceptable
        default: JSONResponse.status(for: code)
        }
    }

    static func response(_ e: AccordError, status: HTTPResponse.Status) -> Response {
        var body: [String: JSONValue] = [
            "title": .string(status.reasonPhrase), "description": .string(e.message), "error_code": .string(e.code.rawValue),
            "http_status": .string(String(status.code)),
        ]
        if let field = e.field { body["details"] = .object(["parameter": .string(field)]) }
        var response = JSONResponse.raw(CanonicalJSON.encode(.object(body)), status: status, contentType: "application/taxii+json;version=2.1")
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"accord-taxii\", Bearer realm=\"accord-taxii\"" }
        return response
    }
}
