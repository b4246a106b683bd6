import AccordConsole
import AccordCore
import AccordEvidence
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The web console over real HTTP against real nodes: sign-in, sessions, CSRF, limits, roles,
/// the live stream and the step forms.
@Suite(.serialized) struct ConsoleTests {
    @Test func passwordSignInStartsASessionKeptOnlyAsAHash() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            _ = try await ConsoleFixtures.account(a, "duty", .officer)
            let browser = ConsoleBrowser(a.url)
            #expect(try await browser.get("/console/inbox").location == "/console/login")

            let wrong = try await browser.login("duty", "not the password")
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("wrong"))
            #expect(browser.cookies["accord_console"] == nil)
            #expect(try await browser.login("nobody", ConsoleFixtures.password).status == 401)

            let ok = try await browser.login("duty", ConsoleFixtures.password)
            #expect(ok.status == 303)
            #expect(ok.location == "/console/inbox")
            let setCookie = ok.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("accord_console=") } ?? ""
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            #expect(setCookie.contains("Path=/console"))
            #expect(!setCookie.contains("Secure"), "the node's public URL is http")
            let cookie = try #require(browser.cookies["accord_console"])
            // The database holds the session id's SHA-256, never the id.
            #expect(try await a.node.store.consoleSession(idHash: Array(SHA256.hash(data: Array(cookie.utf8)))) != nil)
            #expect(try await a.node.store.consoleSession(idHash: Array(cookie.utf8)) == nil)

            let inbox = try await browser.get("/console/inbox")
            #expect(inbox.status == 200)
            #expect(inbox.body.contains("duty (officer)"))
            #expect(inbox.body.utf8.count < 100_000)

            let out = try await browser.post("/console/logout", [("csrf", inbox.csrf ?? "")])
            #expect(out.status == 303)
            #expect(try await a.node.store.consoleSession(idHash: Array(SHA256.hash(data: Array(cookie.utf8)))) == nil)
            browser.cookies["accord_console"] = cookie
            #expect(try await browser.get("/console/inbox").location == "/console/login", "a session signed out is not valid again")
        }
    }

    @Test func cookiesAreSecureWhenThePublicURLIsHTTPS() async throws {
        let root = TemporaryDirectory()
        defer { root.remove() }
        let port = try FreePort.find()
        let config = NodeConfiguration(
            name: "aurelia", listenPort: port, publicURL: "https://accord.aurelia.example",
            profile: ProfileInfo(organisation: "Test", country: "XT", roles: [.technical], languages: ["en"], hours: "24/7"))
        let dir = DataDirectory(root.path + "/aurelia")
        _ = try await dir.create(configuration: config)
        let node = try Node.open(dir, logger: TestCluster.logger("aurelia"))
        let running = try await RunningNode.start(node, port: port)
        do {
            try await node.store.addConsoleAccount(
                try await ConsolePasswords.account(name: "duty", role: .officer, password: ConsoleFixtures.password, cost: 6, now: node.time.now()))
            let browser = ConsoleBrowser("http://127.0.0.1:\(port)")
            let form = try await browser.get("/console/login")
            #expect(!form.headers[canonicalForm: "Set-Cookie"].isEmpty)
            #expect(form.headers[canonicalForm: "Set-Cookie"].allSatisfy { $0.contains("; Secure") || $0.contains("Secure;") })
            let ok = try await browser.login("duty", ConsoleFixtures.password)
            let session = ok.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("accord_console=") } ?? ""
            #expect(session.contains("Secure"), "\(session)")
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict"))
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    @Test func totpIsRequiredWhenSetAndACodeWorksOnce() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            let secret = try #require(try await ConsoleFixtures.account(a, "duty", .officer, totp: true))
            let step = time.now().milliseconds / 1000 / 30
            let browser = ConsoleBrowser(a.url)
            #expect(try await browser.login("duty", ConsoleFixtures.password).status == 401, "no code")
            let wrongCode = ConsoleTOTP.code(secret: secret, step: step + 5)
            #expect(try await browser.login("duty", ConsoleFixtures.password, code: wrongCode).status == 401)
            let code = ConsoleTOTP.code(secret: secret, step: step)
            #expect(try await browser.login("duty", "wrong password!!", code: code).status == 401)
            #expect(try await browser.login("duty", ConsoleFixtures.password, code: code).status == 303)
            // The same code again (a replay) is refused, even with the password.
            let other = ConsoleBrowser(a.url)
            #expect(try await other.login("duty", ConsoleFixtures.password, code: code).status == 401)
            time.advance(seconds: 30)
            let next = ConsoleTOTP.code(secret: secret, step: step + 1)
            #expect(try await other.login("duty", ConsoleFixtures.password, code: next).status == 303)
            // RFC 6238 Appendix B: the SHA-1 vector for T = 59 s with the key "12345678901234567890".
            #expect(ConsoleTOTP.code(secret: "12345678901234567890", step: 1) == "287082")
            #expect(ConsoleTOTP.base32("12345678901234567890") == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        }
    }

    @Test func sessionsEndWhenIdleAndAfterTheirAbsoluteLifetime() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            _ = try await ConsoleFixtures.account(a, "duty", .auditor)
            let idle = ConsoleBrowser(a.url)
            try await idle.login("duty", ConsoleFixtures.password)
            time.advance(seconds: 29 * 60)
            #expect(try await idle.get("/console/inbox").status == 200)
            time.advance(seconds: 29 * 60)
            #expect(try await idle.get("/console/inbox").status == 200, "use keeps a session alive")
            time.advance(seconds: 31 * 60)
            #expect(try await idle.get("/console/inbox").location == "/console/login", "idle for 31 minutes")

            let busy = ConsoleBrowser(a.url)
            try await busy.login("duty", ConsoleFixtures.password)
            for _ in 0..<36 {
                time.advance(seconds: 20 * 60)
                #expect(try await busy.get("/console/inbox").status == 200)
            }
            time.advance(seconds: 20 * 60)
            #expect(try await busy.get("/console/inbox").location == "/console/login", "past 12 hours")
        }
    }

    @Test func aFormWithAForgedTokenIsRefusedAndNothingIsSigned() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            _ = try await ConsoleFixtures.account(b, "duty", .officer)
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            let browser = ConsoleBrowser(b.url)
            try await browser.login("duty", ConsoleFixtures.password)
            let page = try await browser.get("/console/cases/\(id)")
            #expect(page.body.contains("id=\"step-acknowledge\""))
            let before = try await b.node.store.eventCount()
            for forged in ["", String(repeating: "0", count: 64), String((page.csrf ?? "").reversed())] {
                let reply = try await browser.post("/console/cases/\(id)/steps", [("csrf", forged), ("type", "acknowledge")])
                #expect(reply.status == 403)
                #expect(reply.body.contains("anti-forgery"))
            }
            // Oversize or non-form bodies are refused before anything else.
            let huge = try await browser.post("/console/cases/\(id)/steps", [("csrf", page.csrf ?? ""), ("type", "acknowledge"), ("note", String(repeating: "x", count: 600_000))])
            #expect(huge.status == 413)
            var json = HTTPClientRequest(url: b.url + "/console/cases/\(id)/steps")
            json.method = .POST
            json.headers.add(name: "Cookie", value: "accord_console=\(browser.cookies["accord_console"] ?? "")")
            json.headers.add(name: "Content-Type", value: "application/json")
            json.body = .bytes(ByteBuffer(string: #"{"type":"acknowledge"}"#))
            #expect(try await ConsoleBrowser.http.execute(json, timeout: .seconds(30)).status.code == 400)
            #expect(try await b.node.store.eventCount() == before)
            // A sign-in form without its anti-forgery cookie is refused too.
            let stranger = ConsoleBrowser(b.url)
            let login = try await stranger.post("/console/login", [("csrf", "x"), ("name", "duty"), ("password", ConsoleFixtures.password)])
            #expect(login.status == 403)
            #expect(stranger.cookies["accord_console"] == nil)
        }
    }

    @Test func signInsAreLimitedPerAccountAndPerAddress() async throws {
        let time = ManualTime()
        try await TestCluster.with(["aurelia", "borealis"], time: time) { cluster in
            try await cluster.start("aurelia")
            let a = cluster["aurelia"]
            _ = try await ConsoleFixtures.account(a, "duty", .officer)
            _ = try await ConsoleFixtures.account(a, "other", .officer)
            let browser = ConsoleBrowser(a.url)
            for _ in 0..<5 { #expect(try await browser.login("duty", "wrong password!").status == 401) }
            let limited = try await browser.login("duty", ConsoleFixtures.password)
            #expect(limited.status == 429, "the right password is not even checked once the account is limited")
            #expect(Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
            #expect(browser.cookies["accord_console"] == nil)
            // Another account from the same address still works, until the address is limited.
            #expect(try await ConsoleBrowser(a.url).login("other", ConsoleFixtures.password).status == 303)
            for i in 0..<15 { #expect(try await browser.login("guess-\(i)", "wrong password!").status == 401) }
            #expect(try await browser.login("other", ConsoleFixtures.password).status == 429, "20 failures from one address")
            time.advance(seconds: 16 * 60)
            #expect(try await ConsoleBrowser(a.url).login("duty", ConsoleFixtures.password).status == 303, "the window has passed")
        }
    }

    /// Every console route against every role, from the policy table the middleware reads.
    @Test func everyRouteAgainstEveryRole() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            _ = try await Fixtures.state(b, id)
            var browsers: [Role: ConsoleBrowser] = [:]
            for role in Role.allCases {
                _ = try await ConsoleFixtures.account(b, "p-\(role.rawValue)", role)
                let browser = ConsoleBrowser(b.url)
                #expect(try await browser.login("p-\(role.rawValue)", ConsoleFixtures.password).status == 303)
                browsers[role] = browser
            }
            let anonymous = ConsoleBrowser(b.url)
            let (collection, _) = try await TAXIIFixtures.setUp(b, title: "Matrix", account: "matrix")
            // An evidence file from aurelia, fetched by borealis, for the download route.
            try await cluster.pinProfiles()
            let up = try await a.client.send(.POST, "/api/v1/cases/\(id)/evidence?name=headers.txt&media_type=text/plain", body: Array("Received: from mx.example\n".utf8))
            try #require(up.status == 201, "\(String(decoding: up.body, as: UTF8.self))")
            let evidence = try #require(up.json?["event"]?.stringValue)
            #expect(try await TestCluster.eventually { (try? await b.node.evidenceItem(EventID(hex: evidence)!))?.available == true })
            let before = try await b.node.store.eventCount()
            let custodyBefore = try await b.node.store.events(ofType: EventType.evidenceCustody.rawValue).count
            for rule in ConsolePolicy.rules where !rule.path.hasSuffix("/stream") && !rule.path.hasSuffix("/logout") {
                let path = rule.path.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{peer}", with: "aurelia")
                    .replacingOccurrences(of: "{collection}", with: collection).replacingOccurrences(of: "{account}", with: "matrix")
                    .replacingOccurrences(of: "{evidence}", with: evidence)
                let method: HTTPMethod = rule.method == .post ? .POST : .GET
                // A step or case form as an officer would send it: an acknowledgement, a whole case.
                func form(_ browser: ConsoleBrowser, csrf: String) -> [(String, String)]? {
                    guard method == .POST else { return nil }
                    if path.hasSuffix("/steps") { return [("csrf", csrf), ("type", "request_information"), ("questions", "Which account?")] }
                    if path.hasSuffix("/taxii/collections") { return [("csrf", csrf), ("title", "Added by \(browser.cookies.count)"), ("share_to", "aurelia")] }
                    if path.hasSuffix("/taxii/accounts") { return [("csrf", csrf), ("name", "added-\(browser.cookies.count)")] }
                    if path.hasSuffix("/taxii/rights") { return [("csrf", csrf), ("account", "matrix"), ("collection", collection), ("read", "true")] }
                    if path.hasSuffix("/sharing") || path.hasSuffix("/delete") { return [("csrf", csrf), ("share_to", "aurelia")] }
                    if path.hasSuffix("/profile") {
                        return [("csrf", csrf), ("organisation", "Borealis CERT"), ("country", "XT"), ("roles", "technical"), ("languages", "en"), ("hours", "24/7")]
                    }
                    return [("csrf", csrf), ("kind", "check"), ("title", "Check from \(browser.cookies.count)"), ("to", "aurelia")]
                }
                // The attach form posts a file, as a browser does.
                func send(_ browser: ConsoleBrowser, csrf: String) async throws -> ConsoleBrowser.Page {
                    guard path.hasSuffix("/evidence"), method == .POST else { return try await browser.request(method, path, form: form(browser, csrf: csrf)) }
                    return try await browser.upload(path, [("csrf", csrf), ("description", "Mail server log")],
                                                    file: .init(filename: "mx-\(browser.cookies.count).log", type: "text/plain", bytes: Array("Received: from mx\n".utf8)))
                }
                let refused = try await send(anonymous, csrf: "x")
                #expect(refused.status == 401 || refused.location == "/console/login", "\(rule.method) \(rule.path) without a session answered \(refused.status)")
                for role in Role.allCases {
                    let browser = browsers[role]!
                    let csrf = try await browser.get("/console/inbox").csrf ?? ""
                    let reply = try await send(browser, csrf: csrf)
                    if role < rule.role {
                        #expect(reply.status == 403, "\(role.rawValue) on \(rule.method) \(rule.path) answered \(reply.status), not 403")
                        #expect(reply.body.contains("needs the \(rule.role.rawValue) role"))
                    } else {
                        #expect(reply.status == 200 || reply.status == 303, "\(role.rawValue) on \(rule.method) \(rule.path) answered \(reply.status)")
                    }
                }
            }
            // Only the officer and the admin signed: one request for information, one check, one evidence file each; the admin its profile;
            // and each export of the evidence file is in its chain of custody.
            func exported() async throws -> Int {
                try await b.node.store.events(ofType: EventType.evidenceCustody.rawValue)
                    .filter { (try? EvidenceCustody(body: $0.event.body))?.action == .exported }.count
            }
            // Four court exports (every role may make one) and the officer's and the admin's downloads.
            let trail = try await TestCluster.eventually { try await exported() == 6 }
            let actions = try await b.node.store.events(ofType: EventType.evidenceCustody.rawValue).map {
                (try? EvidenceCustody(body: $0.event.body)).map { "\($0.action) \($0.by ?? "")" } ?? "?"
            }
            #expect(trail, "\(actions)")
            let custodyNow = try await b.node.store.events(ofType: EventType.evidenceCustody.rawValue).count
            #expect(try await b.node.store.eventCount() - before == 7 + Int64(custodyNow - custodyBefore))
            // An analyst or auditor sees the case without forms.
            let page = try await browsers[.analyst]!.get("/console/cases/\(id)")
            #expect(page.body.contains("only an officer or admin signs"))
            // Evidence: every role sees the record and its custody; only an officer or admin gets the file.
            #expect(page.body.contains("headers.txt") && page.body.contains("Chain of custody") && !page.body.contains("/console/evidence/\(evidence)"))
            let officerPage = try await browsers[.officer]!.get("/console/cases/\(id)")
            #expect(officerPage.body.contains("href=\"/console/evidence/\(evidence)\"") && officerPage.body.contains("available, verified"))
            let file = try await browsers[.officer]!.get("/console/evidence/\(evidence)")
            #expect(file.body == "Received: from mx.example\n")
            #expect(!page.body.contains("id=\"step-"))
        }
    }

    @Test func theInboxIsPagedEarliestDeadlineFirst() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            _ = try await ConsoleFixtures.account(b, "duty", .officer)
            // 26 preservation requests: 52 pieces of incoming work (acknowledge, answer) on B.
            var ids: [String] = []
            for _ in 0..<26 {
                let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
                ids.append(try #require(opened["event"]?.stringValue))
            }
            _ = try await Fixtures.state(b, ids.last!)
            let browser = ConsoleBrowser(b.url)
            try await browser.login("duty", ConsoleFixtures.password)
            let first = try await browser.get("/console/inbox")
            #expect(first.status == 200)
            #expect(first.body.contains("1–50 of 52"))
            #expect(!first.body.contains("rel=\"prev\""))
            func dues(_ page: ConsoleBrowser.Page) -> [String] {
                page.body.components(separatedBy: "<time datetime=\"").dropFirst().map { String($0.prefix(24)) }
            }
            // Pages are found by place (after the last item shown), not by counting items.
            func link(_ page: ConsoleBrowser.Page, _ rel: String) -> String? {
                guard let tag = page.body.components(separatedBy: "<a href=\"").dropFirst().first(where: { $0.contains("rel=\"\(rel)\"") }) else { return nil }
                return String(tag.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            }
            let next = try #require(link(first, "next"))
            #expect(next.hasPrefix("/console/inbox?in=after:"))
            let second = try await browser.get(next)
            #expect(second.status == 200)
            #expect(second.body.contains("2 of 52, due from"))
            #expect(link(second, "next") == nil)
            let back = try await browser.get(try #require(link(second, "prev")))
            #expect(back.status == 200 && dues(back) == dues(first) && back.body.contains("1–50 of 52"))
            // Earliest deadline first, across the pages: the 26 acknowledgements, then the answers.
            let all = dues(first) + dues(second)
            #expect(all.count == 52)
            #expect(all == all.sorted())
            // Every case appears on some page, twice (to acknowledge, to answer).
            for id in ids { #expect((first.body + second.body).components(separatedBy: "/console/cases/\(id)").count - 1 == 2) }
            for bad in ["in=-1", "in=abc", "out=99999999999", "in=after:", "in=after:!!", "out=before:QUJD", "in=sideways:\(next.suffix(20))"] {
                let page = try await browser.get("/console/inbox?\(bad)")
                #expect(page.status == 400, "\(bad)")
            }
        }
    }

    @Test func theLiveStreamDeliversNewIncomingWork() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            _ = try await ConsoleFixtures.account(b, "duty", .officer)
            let browser = ConsoleBrowser(b.url)
            try await browser.login("duty", ConsoleFixtures.password)
            var request = HTTPClientRequest(url: b.url + "/console/stream")
            request.headers.add(name: "Cookie", value: "accord_console=\(browser.cookies["accord_console"]!)")
            let response = try await ConsoleBrowser.http.execute(request, timeout: .seconds(60))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            let opened = try await a.client.post("/api/v1/cases", Fixtures.preservation(to: ["borealis"]))
            let id = try #require(opened["event"]?.stringValue)
            let body = response.body
            let (found, received) = try await withThrowingTaskGroup(of: (Bool, String).self) { group in
                group.addTask {
                    var text = ""
                    for try await chunk in body {
                        text += String(buffer: chunk)
                        if text.contains("event: item") && text.contains(id) { return (true, text) }
                    }
                    return (false, text)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    return (false, "(timed out)")
                }
                let first = try await group.next() ?? (false, "")
                group.cancelAll()
                return first
            }
            #expect(found, "no item for case \(id.prefix(12)) on the stream; got: \(received.prefix(500))")
            #expect(received.contains("To acknowledge"))
            // The node stops promptly although a browser still holds a stream open.
            let clock = ContinuousClock()
            let start = clock.now
            await cluster.stop("borealis")
            #expect(clock.now - start < .seconds(10))
        }
    }

    @Test func aRequestIsAcknowledgedAndAnsweredThroughTheForms() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"], b = cluster["borealis"]
            _ = try await ConsoleFixtures.account(a, "sender", .officer)
            _ = try await ConsoleFixtures.account(b, "duty", .officer)
            // Opened through the console's form, with every problem reported at once first.
            let sender = ConsoleBrowser(a.url)
            try await sender.login("sender", ConsoleFixtures.password)
            let form = try await sender.get("/console/cases/new?kind=preservation")
            #expect(form.body.contains("for=\"open-f.authority\""))
            let csrf = try #require(form.csrf)
            let bad = try await sender.post("/console/cases", [("csrf", csrf), ("kind", "preservation"), ("f.offence", "Extortion")])
            #expect(bad.status == 400)
            for problem in ["Title: required", "Addressed to:", "Authority: required", "Facts: required", "Mla to follow: must be confirmed"] {
                #expect(bad.body.contains(problem), "missing \"\(problem)\"")
            }
            var fields: [(String, String)] = [("csrf", csrf), ("kind", "preservation"), ("title", "Preserve mailbox records"), ("to", "borealis"), ("norms", "13(d)")]
            for (k, v) in Fixtures.preservationFields.objectValue! {
                fields.append(("f." + k, v.stringValue ?? "true"))
            }
            let sent = try await sender.post("/console/cases", fields)
            #expect(sent.status == 303)
            let id = String(try #require(sent.location).dropFirst("/console/cases/".count).prefix(64))
            _ = try await Fixtures.state(b, id)

            let duty = ConsoleBrowser(b.url)
            try await duty.login("duty", ConsoleFixtures.password)
            let inbox = try await duty.get("/console/inbox")
            #expect(inbox.body.contains("To acknowledge"))
            #expect(inbox.body.contains("/console/cases/\(id)"))
            var page = try await duty.get("/console/cases/\(id)")
            #expect(page.body.contains("Borealis Mail Ltd."))
            #expect(!page.body.contains("id=\"step-close\""), "only the initiator closes")
            let ack = try await duty.post("/console/cases/\(id)/steps", [("csrf", page.csrf!), ("type", "acknowledge"), ("note", "Received; on it.")])
            #expect(ack.status == 303)
            page = try await duty.get(try #require(ack.location))
            #expect(page.body.contains("Signed and sent: Acknowledge receipt."))
            #expect(!page.body.contains("id=\"step-acknowledge\""), "acknowledged once")
            let incomplete = try await duty.post("/console/cases/\(id)/steps", [("csrf", page.csrf!), ("type", "answer"), ("outcome", "refused")])
            #expect(incomplete.status == 400)
            #expect(incomplete.body.contains("Grounds (for a refusal or postponement): a refused answer gives its grounds"))
            #expect(incomplete.body.contains("Reason (required unless granted): required"))
            let answer = try await duty.post("/console/cases/\(id)/steps", [
                ("csrf", page.csrf!), ("type", "answer"), ("outcome", "granted"), ("details", "Preserved until further notice."),
            ])
            #expect(answer.status == 303)
            _ = try await Fixtures.state(a, id) { $0["parties"]?["borealis"]?["status"]?.stringValue == "answered" }
            // Conditions proposed by the initiator through its form, accepted by the addressee through a list of open proposals.
            var sent2 = try await sender.get("/console/cases/\(id)")
            let proposed = try await sender.post("/console/cases/\(id)/steps", [("csrf", sent2.csrf!), ("type", "propose_conditions"), ("conditions", "Use only for this investigation.")])
            #expect(proposed.status == 303)
            _ = try await Fixtures.state(b, id) { ($0["conditions"]?.arrayValue ?? []).count == 1 }
            #expect(try await duty.get("/console/inbox").body.contains("Conditions proposed: accept or decline"))
            page = try await duty.get("/console/cases/\(id)")
            let caseID = try #require(EventID(hex: id))
            let proposal = try #require(try await a.node.store.caseState(caseID)?.conditions.first?.id.hex)
            #expect(page.body.contains("<option value=\"\(proposal)\""))
            let accepted = try await duty.post("/console/cases/\(id)/steps", [("csrf", page.csrf!), ("type", "accept_conditions"), ("proposal", proposal)])
            #expect(accepted.status == 303)
            _ = try await Fixtures.state(a, id) { $0["conditions"]?.arrayValue?.first?["responses"]?["borealis"]?.stringValue == "accepted" }
            sent2 = try await sender.get("/console/cases/\(id)")
            #expect(sent2.body.contains("borealis: accepted"))

            // The same content through the API (and so `accord case show`).
            let view = try JSONDecoder().decode(CaseView.self, from: Data(CanonicalJSON.encode(try await a.client.get("/api/v1/cases/\(id)/view"))))
            #expect(view.fields.contains { $0.name == "custodian" && $0.value == "Borealis Mail Ltd." })
            #expect(view.steps.map(\.type) == ["case.open", "case.acknowledge", "case.answer", "case.conditions_proposed", "case.conditions_accepted"])
            #expect(view.steps[1].fields.contains { $0.name == "note" && $0.value == "Received; on it." })
            #expect(view.text.contains("details: Preserved until further notice."))
            #expect(view.steps[0].deliveries.allSatisfy { $0.state == "delivered" || $0.state == "pending" })
            #expect(view.steps[1].deliveries.first?.state.hasPrefix("received here") == true)
            // accord case show prints the same content (a prefix of the id is enough).
            let url = a.url, token = a.token
            let show = try await CommandLineTests.accord(["case", "show", String(id.prefix(64)), "--node", url, "--token", token, "--tz", "UTC"])
            let printed = try JSONDecoder().decode(CaseView.self, from: Data(CanonicalJSON.encode(try await a.client.get("/api/v1/cases/\(id)/view"))))
                .text(time: TimeDisplay.utc.format)
            #expect(show.out.trimmingCharacters(in: .newlines) == printed, "\(show.out)\n\(show.err)")
            #expect(show.out.contains("custodian: Borealis Mail Ltd."))
        }
    }
}
