import AccordCore
import Foundation
import GRDB
import Testing

@testable import AccordStore

/// Case search in the store: the FTS5 index and the filter rows kept with every event and
/// case state, and filled by migration v8 for rows written before it.
@Suite struct CaseSearchStoreTests {
    let keys = NodeKeys.generate()
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func open(_ title: String, fields: [String: JSONValue], kind: CaseKind = .notification, to: [String] = ["borealis"], extra: [String: JSONValue] = [:]) throws -> (Event, CaseState) {
        var body: [String: JSONValue] = ["kind": .string(kind.rawValue), "title": .string(title), "fields": .object(fields),
                                         "deadlines": DeadlinePolicy.standard.deadlines(for: kind, openedAt: t0).json]
        body.merge(extra) { $1 }
        let e = Event.sign(type: .open, origin: "aurelia", to: to, caseID: nil, time: t0, body: body, keys: keys)
        return (e, try CaseState.open(CaseStep(e)))
    }

    func temporaryPath() throws -> (String, String) {
        let dir = NSTemporaryDirectory() + "accord-search-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return (dir, dir + "/accord.sqlite")
    }

    /// A database written before v8 gets its search index and filter rows from the migration.
    @Test func aVersionSixDatabaseIsIndexed() async throws {
        let (dir, path) = try temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (phishing, phishingState) = try open("Phishing wave", fields: ["summary": "Credential phishing against the Tallinn ministry"])
        let (drill, drillState) = try open("Drill", fields: [:], kind: .check, to: ["caledonia"], extra: ["exercise": true, "urgent": true])
        #expect(drillState.isExercise && !phishingState.isExercise)
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteSchema.migrator.migrate(pool, upTo: "v6: TAXII collections, objects, accounts")
            try await pool.write { db in
                for (e, s) in [(phishing, phishingState), (drill, drillState)] {
                    try db.execute(
                        sql: "INSERT INTO events(id, origin, type, case_id, time, received_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [Data(e.id.bytes), e.origin, e.type.rawValue, Data(e.id.bytes), e.time.milliseconds, e.time.milliseconds, Data(e.canonical)])
                    try db.execute(
                        sql: "INSERT INTO cases(id, kind, status, initiator, opened_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [Data(s.id.bytes), s.kind.rawValue, s.status.rawValue, s.initiator, s.openedAt.milliseconds, s.updatedAt.milliseconds,
                                    try JSONEncoder().encode(s)])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        #expect(try await store.cases(CaseQuery(search: "tallinn")).map(\.id) == [phishing.id])
        #expect(try await store.cases(CaseQuery(search: "credential AND ministry")).map(\.id) == [phishing.id])
        #expect(try await store.cases(CaseQuery(peer: "caledonia")).map(\.id) == [drill.id])
        #expect(try await store.cases(CaseQuery(exercise: true)).map(\.id) == [drill.id])
        #expect(try await store.cases(CaseQuery(urgent: true)).map(\.id) == [drill.id])
        #expect(try await store.cases(CaseQuery(exercise: false)).map(\.id) == [phishing.id])
        #expect(try await store.cases(CaseQuery(partyStatus: .awaitingAcknowledgement)).count == 2)
        #expect(try await store.cases(CaseQuery(peer: "borealis", partyStatus: .acknowledged)).isEmpty)
    }

    /// The index is written in the same transaction as the event: a commit that fails leaves
    /// no index row behind, and a later step's text is found.
    /// A search lists the case of the newest matching event first, pages by the cases found,
    /// and applies the other filters to each case it finds.
    @Test func searchResultsComeNewestMatchFirst() async throws {
        let (dir, path) = try temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: path)
        var opened: [(Event, CaseState)] = []
        for (i, title) in ["Ransomware at the port", "Ransomware in a hospital", "Phishing wave", "Ransomware at a utility"].enumerated() {
            let (e, state) = try open(title, fields: i == 3 ? [:] : ["summary": .string("Case \(i)")], kind: i == 3 ? .check : .notification)
            _ = try await store.commitAuthored(e, caseState: state, now: t0)
            opened.append((e, state))
        }
        // Later, the first case gets a matching step and the second a step without the word.
        for (index, text) in [(0, "the ransomware note names a wallet"), (1, "nothing new")] {
            var next = opened[index].1
            let step = Event.sign(type: .provideInformation, origin: "aurelia", to: ["borealis"], caseID: opened[index].0.id, time: t0.adding(seconds: Int64(60 + index)),
                                  body: ["information": .string(text)], keys: keys)
            try next.apply(CaseStep(step))
            _ = try await store.commitAuthored(step, caseState: next, now: t0)
        }
        let ids = opened.map(\.0.id)
        #expect(try await store.cases(CaseQuery(search: "ransomware")).map(\.id) == [ids[0], ids[3], ids[1]])
        #expect(try await store.cases(CaseQuery(limit: 2, search: "ransomware")).map(\.id) == [ids[0], ids[3]])
        #expect(try await store.cases(CaseQuery(limit: 2, offset: 2, search: "ransomware")).map(\.id) == [ids[1]])
        #expect(try await store.cases(CaseQuery(kind: .notification, search: "ransomware")).map(\.id) == [ids[0], ids[1]])
        #expect(try await store.cases(CaseQuery(kind: .mla, search: "ransomware")).isEmpty)
        #expect(try await store.cases(CaseQuery(search: "wallet OR phishing")).map(\.id) == [ids[0], ids[2]])
    }

    @Test func theIndexFollowsEveryCommit() async throws {
        let (dir, path) = try temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: path)
        try await store.savePeer(Peer(name: "borealis", url: "http://127.0.0.1:1", signingKey: NodeKeys.generate().publicSigningKey,
                                      encryptionKey: NodeKeys.generate().publicEncryptionKey, addedAt: t0))
        let (e, state) = try open("Botnet takedown", fields: ["summary": "Command servers in a data centre"])
        _ = try await store.commitAuthored(e, caseState: state, now: t0)
        await #expect(throws: (any Error).self) { _ = try await store.commitAuthored(e, caseState: state, now: t0) }
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM case_text") } == 1)
        var next = state
        let close = Event.sign(type: .close, origin: "aurelia", to: ["borealis"], caseID: e.id, time: t0.adding(seconds: 60),
                               body: ["reason": "servers seized by the Oberland police"], keys: keys)
        try next.apply(CaseStep(close))
        _ = try await store.commitAuthored(close, caseState: next, now: t0)
        #expect(try await store.cases(CaseQuery(search: "oberland")).map(\.id) == [e.id])
        #expect(try await store.cases(CaseQuery(status: .closed, search: "botnet")).map(\.id) == [e.id])
        #expect(try await store.cases(CaseQuery(status: .open, search: "botnet")).isEmpty)
        // Words FTS5 would read as syntax are searched as written: domains, addresses, hyphens.
        let (dotted, dottedState) = try open("Phishing from mail.example-bank.com", fields: ["summary": "Sender 185.220.101.4, see e-mail"])
        _ = try await store.commitAuthored(dotted, caseState: dottedState, now: t0)
        for q in ["mail.example-bank.com", "185.220.101.4", "e-mail", "(185.220.101.4 OR nothing)", "example-ban*", "subject:e-mail"] {
            #expect(try await store.cases(CaseQuery(search: q)).map(\.id) == (q.hasPrefix("subject") ? [] : [dotted.id]), "\(q)")
        }
        #expect(SearchQuery.prepare("ransom* AND \"port 445\" NOT e-mail") == "ransom* AND \"port 445\" NOT \"e-mail\"")
        // Hashes and ids are not words.
        #expect(try await store.cases(CaseQuery(search: "\"\(e.id.hex)\"")).isEmpty)
        // A query the index cannot parse is an error naming q.
        do {
            _ = try await store.cases(CaseQuery(search: "\"open"))
            Issue.record("an unterminated query was accepted")
        } catch let error as AccordError {
            #expect(error.code == .invalidField && error.field == "q")
        }
        // Prefix lookups use the id range: every id starting with the prefix, no other.
        let prefix = try IDPrefix(String(e.id.hex.prefix(7)))
        #expect(try await store.ids(withPrefix: prefix, among: .cases, limit: 5) == [e.id])
        #expect(try await store.ids(withPrefix: prefix, among: .events(case: e.id, type: EventType.close.rawValue), limit: 5).isEmpty)
        #expect(try await store.ids(withPrefix: try IDPrefix(String(close.id.hex.prefix(6))), among: .events(case: e.id, type: nil), limit: 5) == [close.id])
        #expect(throws: AccordError.self) { try IDPrefix("abc") }
        #expect(throws: AccordError.self) { try IDPrefix("abcdefg") }
    }
}
