import Foundation
import Testing

@testable import AccordCore

/// Legal bases beyond the UN norms, exercise marks, and deadlines that follow urgency.
@Suite struct BasesAndUrgencyTests {
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func open(_ extra: [String: JSONValue], kind: CaseKind = .check, deadlines: CaseDeadlines? = nil) throws(AccordError) -> CaseState {
        var body: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "title": "A case", "fields": [:],
            "deadlines": (deadlines ?? DeadlinePolicy.standard.deadlines(for: kind, openedAt: t0)).json,
        ]
        body.merge(extra) { $1 }
        return try CaseState.open(CaseStep(id: nil, type: .open, author: "a", to: ["b"], time: t0, body: body))
    }

    func error(_ body: () throws -> Void) -> AccordError? {
        do {
            try body()
            return nil
        } catch {
            return error as? AccordError
        }
    }

    @Test func citedArticlesAreValidated() throws {
        let s = try open(["bases": ["budapest:29", "uncc:42"]])
        #expect(s.bases == ["budapest:29", "uncc:42"])
        #expect(try open([:]).bases == nil)
        var e = error { _ = try open(["bases": ["budapest:99"]]) }
        #expect(e?.field == "bases")
        #expect(e?.message.contains("budapest:99") == true)
        #expect(e?.message.contains("budapest:29") == true)
        e = error { _ = try open(["bases": ["Budapest:29"]]) }
        #expect(e?.message.contains("did you mean \"budapest:29\"") == true)
        e = error { _ = try open(["bases": ["budapest:29", "budapest:29"]]) }
        #expect(e?.message.contains("twice") == true)
        e = error { _ = try open(["bases": "budapest:29"]) }
        #expect(e?.field == "bases")
        e = error { _ = try open(["bases": []]) }
        #expect(e?.field == "bases")
        #expect(LegalBases.normalise("Budapest art. 35") == "budapest:35")
        #expect(LegalBases.normalise("uncc 42") == "uncc:42")
        #expect(LegalBases.normalise("uncc:44") == nil)
        #expect(LegalBases.normalise("29") == nil)
    }

    @Test func anExerciseIsMarkedOnlyWhenSigned() throws {
        #expect(try open(["exercise": true]).isExercise)
        #expect(try open(["exercise": true]).exercise == true)
        #expect(!(try open(["exercise": false]).isExercise))
        #expect(try open([:]).exercise == nil)
        #expect(error { _ = try open(["exercise": "yes"]) }?.field == "exercise")
        // The mark survives the stored form, and a state stored before it existed decodes as real.
        let stored = try JSONDecoder().decode(CaseState.self, from: JSONEncoder().encode(try open(["exercise": true])))
        #expect(stored.isExercise)
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(try open([:]))) as! [String: Any]
        old.removeValue(forKey: "exercise")
        old.removeValue(forKey: "bases")
        #expect(!(try JSONDecoder().decode(CaseState.self, from: JSONSerialization.data(withJSONObject: old)).isExercise))
        // What an exercise has let lapse is marked as a drill's.
        let lapsed = try open(["exercise": true, "urgent": true]).overdue(at: t0.adding(days: 1))
        #expect(!lapsed.isEmpty && lapsed.allSatisfy { $0.exercise == true && $0.urgent == true })
        #expect(try open([:]).overdue(at: t0.adding(days: 1)).allSatisfy { $0.exercise == nil })
        // Other unknown members of case.open are still refused, every one named.
        let e = error { _ = try open(["drill": true, "urgnet": true]) }
        #expect(e?.message.contains("\"drill\", \"urgnet\"") == true)
    }

    @Test func anUrgentRequestIsToBeAcknowledgedSooner() throws {
        let policy = DeadlinePolicy.standard
        let normal = policy.deadlines(for: .preservation, openedAt: t0)
        let urgent = policy.deadlines(for: .preservation, openedAt: t0, urgent: true)
        #expect(normal.acknowledgeBy == t0.adding(hours: 24))
        #expect(urgent.acknowledgeBy == t0.adding(seconds: 120 * 60))
        #expect(urgent.answerBy == normal.answerBy)
        #expect(urgent.preserveUntil == normal.preserveUntil)
        // Configured in minutes.
        var custom = policy
        custom.rules["assistance"] = .init(acknowledgeWithinMinutes: 90, answerWithinMinutes: 600, urgentAcknowledgeWithinMinutes: 15)
        #expect(custom.deadlines(for: .assistance, openedAt: t0).acknowledgeBy == t0.adding(seconds: 90 * 60))
        #expect(custom.deadlines(for: .assistance, openedAt: t0, urgent: true).acknowledgeBy == t0.adding(seconds: 15 * 60))
        #expect(custom.deadlines(for: .assistance, openedAt: t0).answerBy == t0.adding(seconds: 600 * 60))
        try custom.validate()
        custom.rules["assistance"]?.urgentAcknowledgeWithinMinutes = 120
        let e = error { try custom.validate() }
        #expect(e?.field == "deadlines.rules.assistance.urgent_acknowledge_within_minutes")
    }

    @Test func deadlinesLoadFromOldAndNewKeys() throws {
        let old = #"{"rules": {"assistance": {"acknowledgeWithinHours": 2, "answerWithinHours": 48}}, "preservationDays": 75}"#
        let p = try JSONDecoder().decode(DeadlinePolicy.self, from: Data(old.utf8))
        #expect(p.rule(for: .assistance) == .init(acknowledgeWithinMinutes: 120, answerWithinMinutes: 48 * 60, urgentAcknowledgeWithinMinutes: 120))
        #expect(p.preservationDays == 75)
        let new = #"{"rules": {"assistance": {"acknowledge_within_minutes": 45, "urgent_acknowledge_within_minutes": 10}}, "preservation_days": 61}"#
        let q = try JSONDecoder().decode(DeadlinePolicy.self, from: Data(new.utf8))
        #expect(q.rule(for: .assistance) == .init(acknowledgeWithinMinutes: 45, answerWithinMinutes: nil, urgentAcknowledgeWithinMinutes: 10))
        #expect(q.preservationDays == 61)
        // Written back with the snake_case names only.
        let written = String(decoding: try JSONEncoder().encode(q), as: UTF8.self)
        #expect(written.contains("acknowledge_within_minutes") && written.contains("preservation_days") && !written.contains("Hours"))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DeadlinePolicy.self, from: Data(#"{"rules": {"mla": {"answer_within_minutes": 5}}}"#.utf8)) }
    }
}
