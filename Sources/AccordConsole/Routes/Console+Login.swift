import AccordCore
import AccordStore
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOCore

extension Console {
    /// A bcrypt hash to check a password against when the account does not exist, so that an
    /// unknown name takes as long to refuse as a wrong password.
    static let decoyHash = Bcrypt.hash("decoy password, never valid", cost: 12)

    func addLogin<Context: ConsoleRequestContext>(to group: RouterGroup<Context>) {
        group.get("/static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"], body: .init(byteBuffer: ByteBuffer(string: Assets.css)))
        }
        group.get("/static/console.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"], body: .init(byteBuffer: ByteBuffer(string: Assets.js)))
        }
        group.get("/login") { request, _ -> Response in
            if try await self.sessions.user(cookie: request.cookies[ConsoleSessions.cookieName]?.value) != nil {
                return Console.redirect("/console/inbox")
            }
            return self.loginPage(name: "", error: nil, status: .ok)
        }
        group.post("/login") { request, context -> Response in
            try await self.login(request, context)
        }
        group.post("/logout") { _, context -> Response in
            if let user = context.consoleUser { try await self.sessions.end(user) }
            var response = Console.redirect("/console/login")
            response.setCookie(Cookie(name: ConsoleSessions.cookieName, value: "", maxAge: 0, path: "/console", secure: self.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// The sign-in form with a fresh anti-forgery value in a cookie and in the form (the two must match).
    func loginPage(name: String, error: String?, status: HTTPResponse.Status) -> Response {
        let token = ConsoleSessions.random()
        var context: [String: Any] = ["csrf": token, "name": name]
        if let error { context["error"] = error }
        var response = page("login", title: "Sign in", user: nil, status: status, context)
        response.setCookie(Cookie(name: ConsoleSessions.loginCookieName, value: token, path: "/console/login", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func login<Context: ConsoleRequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let form = context.consoleForm ?? FormValues()
        guard let sent = form["csrf"], let cookie = request.cookies[ConsoleSessions.loginCookieName]?.value, !cookie.isEmpty,
            ConsoleTOTP.constantTimeEqual(sent, cookie)
        else {
            context.logger.warning("console sign-in refused: anti-forgery token missing or wrong", metadata: ["client": "\(context.clientAddress)"])
            return errorPage(.forbidden, heading: "Form refused", message: "The sign-in form was not sent from this console (its anti-forgery token does not match). Reload the sign-in page and try again.",
                             user: nil, back: "/console/login", backLabel: "Sign in")
        }
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let code = form["code"] ?? ""
        let address = context.clientAddress
        let now = node.time.now()
        // What was typed as a name goes into the log only if it can be an account name (never a password typed in the wrong field).
        let logged = NodeName.isValid(name) ? name : "(not an account name)"
        do {
            try limiter.check(account: name, address: address, now: now)
        } catch {
            context.logger.warning("console sign-in limited", metadata: ["account": "\(logged)", "client": "\(address)"])
            var response = loginPage(name: name, error: "Too many failed sign-ins. Try again in \((error.retryAfterSeconds + 59) / 60) minute(s).", status: .tooManyRequests)
            response.headers[.retryAfter] = String(error.retryAfterSeconds)
            return response
        }
        let account = NodeName.isValid(name) ? try await node.store.consoleAccount(named: name) : nil
        var ok = await ConsolePasswords.verify(password, hash: account?.passwordHash ?? Self.decoyHash) && account != nil
        if ok, let account, let secret = account.totpSecret {
            if let step = ConsoleTOTP.matchingStep(secret: secret, code: code, at: now) {
                // A code is good once: a replay of the last code used is refused.
                ok = try await node.store.useConsoleTOTPStep(named: account.name, step: step)
            } else {
                ok = false
            }
        }
        guard ok, let account else {
            limiter.recordFailure(account: name, address: address, now: now)
            context.logger.notice("console sign-in failed", metadata: ["account": "\(logged)", "client": "\(address)"])
            return loginPage(name: name, error: "The account name, password or authentication code is wrong.", status: .unauthorized)
        }
        limiter.recordSuccess(account: name)
        let (sessionCookie, _) = try await sessions.start(account)
        context.logger.info("console sign-in", metadata: ["account": "\(account.name)", "role": "\(account.role.rawValue)", "client": "\(address)"])
        var response = Console.redirect("/console/inbox")
        response.setCookie(Cookie(name: ConsoleSessions.cookieName, value: sessionCookie, path: "/console", secure: secureCookies, httpOnly: true, sameSite: .strict))
        response.setCookie(Cookie(name: ConsoleSessions.loginCookieName, value: "", maxAge: 0, path: "/console/login", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }
}
