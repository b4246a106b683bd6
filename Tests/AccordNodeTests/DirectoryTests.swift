import AccordCore
import AccordHTTP
import AccordNode
import AccordStore
import AccordTestSupport
import Foundation
import Testing

/// The directory of points of contact: an admin's profile edit is signed, logged, written to
/// accord.json and picked up by peers; forged and older profiles are refused; only admins edit;
/// search and "who handles what"; the CLI.
@Suite(.serialized) struct DirectoryTests {
    func token(_ m: TestCluster.Member, _ role: Role) async throws -> OperatorClient {
        let (token, record) = OperatorTokens.make(name: "t-\(role.rawValue)-\(UUID().uuidString.prefix(4))", role: role, now: m.node.time.now())
        try await m.node.store.saveToken(record)
        return OperatorClient(url: m.url, token: token)
    }

    func patch(_ m: TestCluster.Member, _ body: JSONValue) async throws -> OperatorClient.Reply {
        try await m.client.send(.PATCH, "/api/v1/profile", body: CanonicalJSON.encode(body), headers: [("Content-Type", "application/json")])
    }

    /// `peer`'s entry in `m`'s directory, as the API gives it.
    func entry(_ m: TestCluster.Member, _ peer: String) async throws -> JSONValue {
        try await m.client.get("/api/v1/directory/\(peer)")
    }

    @Test func anAdminsProfileEditReachesPeersAndSurvivesARestart() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"], b = cluster["borealis"]
            let logBefore = try await a.node.store.logSize()
            let reply = try await patch(a, [
                "organisation": "Aurelia National CERT", "hours": "Mon-Fri 08:00-18:00", "time_zone": "Europe/Vienna",
                "languages": ["en", "fr"], "roles": ["technical", "law_enforcement_24_7"],
            ])
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            #expect(reply.json?["version"]?.intValue == 2)
            #expect(try await a.node.store.logSize() == logBefore + 1, "the new profile is logged like any authored event")
            let config = try a.directory.loadConfiguration()
            #expect(config.profile.timeZone == "Europe/Vienna" && config.profile.organisation == "Aurelia National CERT", "written to accord.json")

            // borealis picks it up through delivery.
            let picked = try await TestCluster.eventually { try await entry(b, "aurelia")["profile"]?["profile_version"]?.intValue == 2 }
            #expect(picked)
            let seen = try await entry(b, "aurelia")
            let p = try #require(seen["profile"])
            #expect(p["organisation"]?.stringValue == "Aurelia National CERT")
            #expect(p["time_zone"]?.stringValue == "Europe/Vienna")
            #expect(p["hours"]?.stringValue == "Mon-Fri 08:00-18:00")
            #expect(p["languages"] == ["en", "fr"])
            #expect(p["roles"] == ["technical", "law_enforcement_24_7"])
            #expect(p["self"]?.boolValue == false)
            #expect(p["signing_key_fingerprint"]?.stringValue == a.node.keys.publicSigningKey.fingerprint)
            #expect(p["encryption_key_fingerprint"]?.stringValue == Directory.fingerprint(a.node.keys.publicEncryptionKey))
            let list = try await b.client.get("/api/v1/directory").arrayValue ?? []
            #expect(list.first?["name"]?.stringValue == "borealis" && list.first?["self"]?.boolValue == true, "the node itself comes first")
            #expect(list.contains { $0["name"]?.stringValue == "aurelia" && $0["organisation"]?.stringValue == "Aurelia National CERT" })

            // A signing-key rotation and an encryption-key rotation show in the key history.
            let oldKey = a.node.keys.publicSigningKey
            #expect(try await a.client.post("/api/v1/key/rotate", [:])["fingerprint"]?.stringValue == a.node.keys.publicSigningKey.fingerprint)
            let oldEncryption = a.node.keys.publicEncryptionKey
            _ = try await a.client.post("/api/v1/key/rotate-encryption", [:])
            #expect(try await TestCluster.eventually { try await entry(b, "aurelia")["profile"]?["profile_version"]?.intValue == 4 })
            let history = try await entry(b, "aurelia")["key_history"]?.arrayValue ?? []
            let signing = history.filter { $0["use"]?.stringValue == "signing" }, encryption = history.filter { $0["use"]?.stringValue == "encryption" }
            #expect(signing.count == 2 && encryption.count == 2, "\(history)")
            #expect(signing.first?["fingerprint"]?.stringValue == oldKey.fingerprint && signing.first?["ended_by"]?.stringValue == "key_rotation")
            #expect(signing.first?["until"]?.stringValue != nil && signing.last?["until"] == nil)
            #expect(signing.last?["fingerprint"]?.stringValue == a.node.keys.publicSigningKey.fingerprint)
            #expect(encryption.first?["fingerprint"]?.stringValue == Directory.fingerprint(oldEncryption) && encryption.first?["ended_by"]?.stringValue == "profile")
            #expect(encryption.last?["fingerprint"]?.stringValue == Directory.fingerprint(a.node.keys.publicEncryptionKey))
            // The rotations kept the edited contact details.
            #expect(try await entry(b, "aurelia")["profile"]?["time_zone"]?.stringValue == "Europe/Vienna")
            // The node's own history, as its own API shows it.
            let own = try await a.client.get("/api/v1/profile")
            #expect(own["profile"]?["self"]?.boolValue == true && own["profile"]?["profile_version"]?.intValue == 4)
            #expect((own["key_history"]?.arrayValue ?? []).filter { $0["use"]?.stringValue == "signing" }.count == 2)

            // A restart keeps the edit; accord.json changed by hand while stopped is signed at the next start.
            await cluster.stop("aurelia")
            let reopened = try Node.open(a.directory, logger: TestCluster.logger("aurelia"))
            #expect(reopened.profileInfo.timeZone == "Europe/Vienna")
            #expect(try await reopened.publishProfileIfChanged() == nil, "nothing to re-sign when accord.json and the latest profile agree")
            var edited = try a.directory.loadConfiguration()
            edited.profile.hours = "24/7"
            try a.directory.saveConfiguration(edited)
            let again = try Node.open(a.directory, logger: TestCluster.logger("aurelia"))
            let step = try #require(try await again.publishProfileIfChanged())
            #expect(Profile.version(of: step.event) == 5)
            #expect(step.event.body["hours"]?.stringValue == "24/7" && step.event.body["time_zone"]?.stringValue == "Europe/Vienna")
            #expect(step.event.to == ["borealis"])
        }
    }

    @Test func forgedAndOlderProfilesAreRefused() async throws {
        try await TestCluster.with(["aurelia", "borealis"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"], b = cluster["borealis"]
            #expect(try await patch(a, ["organisation": "Aurelia National CERT"]).status == 200)
            #expect(try await TestCluster.eventually { try await entry(b, "aurelia")["profile"]?["profile_version"]?.intValue == 2 })
            let stored = try await b.node.store.peer(named: "aurelia")
            let raw = RawFederationClient()
            let config = a.node.configuration
            let evil = ProfileInfo(organisation: "Someone Else", country: "XT", roles: [.technical], languages: ["en"], hours: "never")
            let other = NodeKeys.generate()

            func send(_ event: Event) async throws -> (code: String?, status: String?) {
                let reply = try await raw.post(Batch.encode([event]), to: b.url, recipient: "borealis", sender: "aurelia", keys: a.node.keys)
                #expect(reply.status == 200)
                let result = reply.json?["results"]?.arrayValue?.first
                return (result?["code"]?.stringValue, result?["status"]?.stringValue)
            }

            // Signed by another key, announcing that key.
            let foreign = Profile.event(configuration: config, info: evil, keys: other, time: a.node.time.now(), to: ["borealis"], version: 9)
            #expect(try await send(foreign) == ("bad_signature", "rejected"))
            // Signed by another key, announcing aurelia's own.
            var body = foreign.body
            body["signing_key"] = .string(a.node.keys.publicSigningKey.base64)
            let claimed = Event.sign(type: .profile, origin: "aurelia", to: ["borealis"], caseID: nil, time: a.node.time.now(), body: body, keys: other)
            #expect(try await send(claimed) == ("bad_signature", "rejected"))
            // Signed by aurelia's key but announcing a new signing key (a key changes only by rotation).
            body["signing_key"] = .string(other.publicSigningKey.base64)
            let switched = Event.sign(type: .profile, origin: "aurelia", to: ["borealis"], caseID: nil, time: a.node.time.now(), body: body, keys: a.node.keys)
            #expect(try await send(switched).status == "rejected")
            // Aurelia's own key, but older than the profile borealis holds (version 1 after version 2), and the same version again.
            let older = Profile.event(configuration: config, info: evil, keys: a.node.keys, time: a.node.time.now(), to: ["borealis"], version: 1)
            #expect(try await send(older) == ("replay", "rejected"))
            let same = Profile.event(configuration: config, info: evil, keys: a.node.keys, time: a.node.time.now(), to: ["borealis"], version: 2)
            #expect(try await send(same) == ("replay", "rejected"))

            let after = try await b.node.store.peer(named: "aurelia")
            #expect(after?.profile == stored?.profile && after?.signingKey == stored?.signingKey && after?.encryptionKey == stored?.encryptionKey)
            #expect(try await entry(b, "aurelia")["profile"]?["organisation"]?.stringValue == "Aurelia National CERT")

            // A newer one, properly signed, is taken.
            let newer = Profile.event(configuration: config, info: a.node.profileInfo, keys: a.node.keys, time: a.node.time.now(), to: ["borealis"], version: 7)
            #expect(try await send(newer) == (nil, "accepted"))
            #expect(try await entry(b, "aurelia")["profile"]?["profile_version"]?.intValue == 7)
        }
    }

    @Test func onlyAdminsEditAndEveryMemberIsChecked() async throws {
        try await TestCluster.with(["aurelia"]) { cluster in
            try await cluster.startAll()
            let a = cluster["aurelia"]
            let logBefore = try await a.node.store.logSize()
            func refused(_ body: JSONValue, put: Bool = false) async throws -> (status: Int, code: String?, field: String?) {
                let r = try await a.client.send(put ? .PUT : .PATCH, "/api/v1/profile", body: CanonicalJSON.encode(body))
                return (r.status, r.json?["error"]?["code"]?.stringValue, r.json?["error"]?["field"]?.stringValue)
            }
            let unknown = try await refused(["organisation": "X", "colour": "red", "zone": "UTC"])
            #expect(unknown.status == 400 && unknown.code == "invalid_field" && unknown.field == "colour")
            #expect(try await refused(["time_zone": "Mars/Olympus_Mons"]) == (400, "invalid_field", "time_zone"))
            #expect(try await refused(["time_zone": "GMT+1"]) == (400, "invalid_field", "time_zone"))
            #expect(try await refused(["roles": ["cert"]]) == (400, "invalid_field", "roles"))
            #expect(try await refused(["roles": []]) == (400, "invalid_field", "roles"))
            #expect(try await refused(["languages": ["english!"]]) == (400, "invalid_field", "languages"))
            #expect(try await refused(["country": "de"]) == (400, "invalid_field", "country"))
            #expect(try await refused(["organisation": " "]) == (400, "invalid_field", "organisation"))
            #expect(try await refused(["hours": .string(String(repeating: "x", count: 201))]) == (400, "invalid_field", "hours"))
            #expect(try await refused(["hours": 24]) == (400, "invalid_field", "hours"))
            #expect(try await refused(["organisation": "A", "country": "AT", "roles": ["technical"], "languages": ["de"]], put: true) == (400, "missing_field", "hours"))

            let body = CanonicalJSON.encode(["hours": "24/7"])
            for role in [Role.auditor, .analyst, .officer] {
                let client = try await token(a, role)
                #expect(try await client.send(.PATCH, "/api/v1/profile", body: body).status == 403)
                #expect(try await client.send(.PUT, "/api/v1/profile", body: body).status == 403)
                #expect(try await client.send(.GET, "/api/v1/directory").status == 200, "every role reads the directory")
                #expect(try await client.send(.GET, "/api/v1/profile").status == 200)
            }
            #expect(try await a.node.store.logSize() == logBefore, "nothing was signed for a refused edit")
            #expect(try a.directory.loadConfiguration().profile == a.node.profileInfo)
            #expect(try await a.client.get("/api/v1/profile")["profile"]?["profile_version"]?.intValue == 1)

            // PUT replaces everything; an absent time zone is removed.
            let put = try await a.client.send(.PUT, "/api/v1/profile", body: CanonicalJSON.encode([
                "organisation": "Aurelia CERT", "country": "AT", "roles": ["technical"], "languages": ["de", "en"], "hours": "24/7", "time_zone": "Europe/Vienna",
            ]))
            #expect(put.status == 200)
            #expect(try await patch(a, ["time_zone": ""]).status == 200)
            #expect(a.node.profileInfo.timeZone == nil && a.node.profileInfo.organisation == "Aurelia CERT")
            #expect(try await a.client.send(.GET, "/api/v1/directory/nobody").status == 404)
            #expect(try await a.client.send(.GET, "/api/v1/directory?role=cert").json?["error"]?["field"]?.stringValue == "role")
        }
    }

    @Test func whoHandlesWhatBySearchRoleCountryAndLanguageInTheAPIAndTheCLI() async throws {
        try await TestCluster.with(["aurelia", "borealis", "caledonia"]) { cluster in
            try await cluster.startAll()
            try await cluster.pinProfiles()
            let a = cluster["aurelia"]
            let profiles: [(String, JSONValue)] = [
                ("aurelia", ["organisation": "Aurelia National CERT", "country": "AT", "roles": ["technical"], "languages": ["de", "en"], "hours": "24/7"]),
                ("borealis", ["organisation": "Borealis Gendarmerie Cyber Unit", "country": "FR", "roles": ["law_enforcement_24_7"], "languages": ["fr", "en"],
                              "hours": "24/7", "time_zone": "Europe/Paris"]),
                ("caledonia", ["organisation": "Caledonia Ministry of Foreign Affairs", "country": "OSCE", "roles": ["diplomatic", "central_authority"],
                               "languages": ["ru-RU"], "hours": "Mon-Fri 09:00-17:00", "time_zone": "Europe/Vienna"]),
            ]
            for (name, body) in profiles { #expect(try await patch(cluster[name], body).status == 200) }
            for peer in ["borealis", "caledonia"] {
                #expect(try await TestCluster.eventually { try await entry(a, peer)["profile"]?["profile_version"]?.intValue == 2 })
            }
            func names(_ query: String) async throws -> [String] {
                (try await a.client.get("/api/v1/directory" + query).arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            }
            #expect(try await names("") == ["aurelia", "borealis", "caledonia"])
            #expect(try await names("?role=law_enforcement_24_7") == ["borealis"])
            #expect(try await names("?role=central_authority") == ["caledonia"])
            #expect(try await names("?country=fr") == ["borealis"])
            #expect(try await names("?country=OSCE") == ["caledonia"])
            #expect(try await names("?language=ru") == ["caledonia"])
            #expect(try await names("?language=en") == ["aurelia", "borealis"])
            #expect(try await names("?q=gendarmerie%20cyber") == ["borealis"])
            #expect(try await names("?q=Ministry&role=diplomatic") == ["caledonia"])
            #expect(try await names("?q=cert") == ["aurelia"])
            #expect(try await names("?q=nobody-here") == [])

            // The CLI: peer show, peer list by role, profile show and set.
            let env = ["--node", a.url, "--token", a.token]
            let show = try await ConsoleBrowserTests.accord(["peer", "show", "borealis"] + env)
            #expect(show.status == 0, "\(show.err)")
            for text in ["borealis", "Borealis Gendarmerie Cyber Unit", "FR", "law_enforcement_24_7", "fr, en", "Europe/Paris", "profile version: 2",
                         "signing key:", "encryption key:", "key history:", "signing", "current"] {
                #expect(show.out.contains(text), "peer show lacks \(text): \(show.out)")
            }
            let fp = cluster["borealis"].node.keys.publicSigningKey.displayFingerprint
            #expect(show.out.contains(fp), "the fingerprint in groups of four")
            let listed = try await ConsoleBrowserTests.accord(["peer", "list", "--role", "central_authority", "--data", a.directory.url.path])
            #expect(listed.status == 0, "\(listed.err)")
            #expect(listed.out.contains("caledonia") && !listed.out.contains("borealis"), "\(listed.out)")
            #expect(listed.out.contains("Caledonia Ministry of Foreign Affairs (OSCE)"))
            let none = try await ConsoleBrowserTests.accord(["peer", "list", "--q", "nothing like this", "--data", a.directory.url.path])
            #expect(none.out.contains("No pinned peer matches."))
            let bad = try await ConsoleBrowserTests.accord(["profile", "set", "--timezone", "Mars/Olympus"] + env)
            #expect(bad.status != 0 && bad.err.contains("Mars/Olympus") && bad.err.contains("time_zone"), "\(bad.err)")
            let set = try await ConsoleBrowserTests.accord(["profile", "set", "--hours", "Mon-Sun 07:00-23:00", "--timezone", "Europe/Vienna", "--languages", "de,en,fr"] + env)
            #expect(set.status == 0 && set.out.contains("Profile version 3 signed"), "\(set.out) \(set.err)")
            let mine = try await ConsoleBrowserTests.accord(["profile", "show"] + env)
            #expect(mine.out.contains("aurelia  (this node)") && mine.out.contains("Mon-Sun 07:00-23:00") && mine.out.contains("de, en, fr"), "\(mine.out)")
        }
    }
}
