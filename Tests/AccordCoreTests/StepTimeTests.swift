import Testing

@testable import AccordCore

/// Time you can trust: a step may not be dated before the case was opened, before its author's
/// previous step, or before the step it answers.
@Suite struct StepTimeTests {
    let t0 = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!

    func opened() throws -> CaseState {
        let body: [String: JSONValue] = [
            "kind": "assistance", "title": "Help", "fields": ["summary": "DDoS", "assistance_sought": "Filtering"],
            "deadlines": DeadlinePolicy.standard.deadlines(for: .assistance, openedAt: t0).json,
        ]
        return try CaseState.open(CaseStep(id: nil, type: .open, author: "a", to: ["b"], time: t0, body: body))
    }

    func step(_ type: EventType, by author: String, at seconds: Int64, _ body: [String: JSONValue] = [:]) -> CaseStep {
        CaseStep(id: nil, type: type, author: author, to: author == "a" ? ["b"] : ["a"], time: t0.adding(seconds: seconds), body: body)
    }

    @Test func aStepDatedBeforeTheOpeningIsRefused() throws {
        var state = try opened()
        #expect(throws: AccordError.self) { try state.apply(step(.acknowledge, by: "b", at: -60)) }
        do {
            try state.apply(step(.acknowledge, by: "b", at: -1))
            Issue.record("a backdated acknowledgement was accepted")
        } catch {
            #expect(error.code == .illegalStep)
            #expect(error.message.contains("before case"))
        }
        #expect(state.parties["b"]?.status == .awaitingAcknowledgement)
        try state.apply(step(.acknowledge, by: "b", at: 0))
        #expect(state.parties["b"]?.responseSeconds == 0)
    }

    @Test func aStepDatedBeforeItsAuthorsPreviousStepIsRefused() throws {
        var state = try opened()
        try state.apply(step(.acknowledge, by: "b", at: 600))
        let backdated = step(.answer, by: "b", at: 300, ["outcome": "granted"])
        #expect(throws: AccordError.self) { try state.apply(backdated) }
        #expect(state.parties["b"]?.answer == nil)
        try state.apply(step(.answer, by: "b", at: 600, ["outcome": "granted"]))
        #expect(state.parties["b"]?.status == .answered)
    }

    @Test func anotherPartysLaterStepDoesNotBoundThisOne() throws {
        // The initiator's step and the addressee's acknowledgement may cross on the wire.
        var state = try opened()
        try state.apply(step(.proposeConditions, by: "a", at: 900, ["conditions": "Confidential"]))
        try state.apply(step(.acknowledge, by: "b", at: 600))
        #expect(state.parties["b"]?.status == .acknowledged)
    }

    @Test func aReplyDatedBeforeTheRequestItAnswersIsRefused() throws {
        var state = try opened()
        let request = CaseStep(id: EventID(bytes: Array(repeating: 7, count: 32)), type: .requestInformation, author: "b", to: ["a"], time: t0.adding(seconds: 600), body: ["questions": "Which IPs?"])
        try state.apply(request)
        let early = step(.provideInformation, by: "a", at: 300, ["information": "These", "in_reply_to": .string(request.id!.hex)])
        #expect(throws: AccordError.self) { try state.apply(early) }
        try state.apply(step(.provideInformation, by: "a", at: 700, ["information": "These", "in_reply_to": .string(request.id!.hex)]))
    }

    @Test func statesStoredBeforeStepTimesWereTrackedStillDecode() throws {
        let state = try opened()
        var json = try #require(try JSONParser.parse(Array(JSONEncoderBridge.encode(state))).objectValue)
        json.removeValue(forKey: "last_step_at")
        let old = try JSONEncoderBridge.decode(CanonicalJSON.encode(.object(json)))
        #expect(old.lastStepAt == nil)
        var replay = old
        try replay.apply(step(.acknowledge, by: "b", at: 5))
    }
}

import Foundation

enum JSONEncoderBridge {
    static func encode(_ s: CaseState) throws -> [UInt8] { Array(try JSONEncoder().encode(s)) }
    static func decode(_ bytes: [UInt8]) throws -> CaseState { try JSONDecoder().decode(CaseState.self, from: Data(bytes)) }
}
