import AccordCore
import AccordStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Runs before every console route: finds the session, checks the role the policy table gives
/// the matched route, reads a POSTed form and checks its anti-forgery token, and turns errors into
/// pages. Nothing a person typed, nor any token, goes into the log.
struct ConsoleMiddleware<Context: ConsoleRequestContext>: RouterMiddleware {
    let console: Console

    /// Forms are small; the largest is a case with every text field full.
    static var formLimit: Int { 512 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = context.endpointPath ?? request.uri.path
        var response: Response
        do {
            response = try await authorise(request, &context, path: path, next: next)
        } catch let e as AccordError {
            let status = Console.status(for: e.code)
            if status == .internalServerError {
                context.logger.error("console request failed", metadata: ["code": "\(e.code)", "cause": "\(e.message)", "path": "\(path)"])
                response = console.errorPage(status, heading: "Something went wrong", message: "The node could not complete the request; see its log.", user: context.consoleUser)
            } else {
                response = console.errorPage(status, heading: "Refused", message: e.message, user: context.consoleUser)
            }
        } catch {
            context.logger.error("console request failed", metadata: ["error": "\(type(of: error))", "cause": "\(String(reflecting: error))", "path": "\(path)"])
            response = console.errorPage(.internalServerError, heading: "Something went wrong", message: "The node could not complete the request; see its log.", user: context.consoleUser)
        }
        for field in Console.securityHeaders where response.headers[field.name] == nil && field.name != .contentType {
            response.headers.append(field)
        }
        return response
    }

    func authorise(_ request: Request, _ context: inout Context, path: String, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A form with a file is read only once its sender is known and allowed (below); any other
        // form is read now, for the sign-in form needs it before there is a session.
        let boundary = request.method == .post ? try MultipartForm.boundary(contentType: request.headers[.contentType] ?? "") : nil
        if request.method == .post && boundary == nil {
            context.consoleForm = try await Self.form(request)
        }
        if boundary != nil, !ConsolePolicy.takesFiles(path: path) {
            throw AccordError(.unsupportedType, "this form takes application/x-www-form-urlencoded, not a file")
        }
        if ConsolePolicy.isOpen(method: request.method, path: path) {
            return try await next(request, context)
        }
        guard let needed = ConsolePolicy.role(method: request.method, path: path) else {
            context.logger.error("console route without an access rule", metadata: ["path": "\(path)"])
            return console.errorPage(.forbidden, heading: "Refused", message: "This page has no access rule; nobody may use it.", user: nil)
        }
        guard let user = try await console.sessions.user(cookie: request.cookies[ConsoleSessions.cookieName]?.value) else {
            if request.method == .get {
                return Console.redirect("/console/login")
            }
            return console.errorPage(.unauthorized, heading: "Signed out", message: "Your session has ended. Sign in again; what you submitted was not sent.", user: nil,
                                     back: "/console/login", backLabel: "Sign in")
        }
        context.consoleUser = user
        guard user.role >= needed else {
            return console.errorPage(.forbidden, heading: "Not allowed", message: "This needs the \(needed.rawValue) role; your account \(user.name) has \(user.role.rawValue).", user: user)
        }
        if let boundary {
            let upload = try await ConsoleUpload.begin(request, boundary: boundary, fieldLimit: Self.formLimit)
            context.consoleForm = upload.fields
            context.consoleUpload = upload
        }
        if request.method == .post {
            guard let sent = context.consoleForm?["csrf"], ConsoleTOTP.constantTimeEqual(sent, user.csrf) else {
                context.logger.warning("console form refused: anti-forgery token missing or wrong", metadata: ["account": "\(user.name)", "path": "\(path)", "client": "\(context.clientAddress)"])
                return console.errorPage(.forbidden, heading: "Form refused", message: "This form's anti-forgery token does not match your session, so nothing was done. If you submitted it yourself, reload the page and submit it again.", user: user)
            }
        }
        return try await next(request, context)
    }

    static func form(_ request: Request) async throws -> FormValues {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw AccordError(.malformed, "the console takes forms as application/x-www-form-urlencoded")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > formLimit {
            throw AccordError(.tooLarge, "the form is larger than the \(formLimit) bytes the console accepts")
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: formLimit)
        } catch is NIOTooManyBytesError {
            throw AccordError(.tooLarge, "the form is larger than the \(formLimit) bytes the console accepts")
        }
        guard let text = buffer.readString(length: buffer.readableBytes) else { throw AccordError(.malformed, "the form is not UTF-8") }
        return FormValues(urlencoded: text)
    }
}
