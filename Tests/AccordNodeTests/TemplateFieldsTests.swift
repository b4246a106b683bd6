import AccordConsole
import Foundation
import Testing

/// The console's templates read the inbox and case views by name through `child(named:)`
/// (Pages/TemplateFields.swift). A field added to a view but not named there would render
/// as nothing: every stored field must be answered, with its own value.
@Suite struct TemplateFieldsTests {
    /// Every field `Mirror` finds on `value` is answered by `child` with the same value; an
    /// unknown name is not.
    func expectEveryField(of value: Any, _ child: (String) -> Any?, sourceLocation: SourceLocation = #_sourceLocation) {
        let fields = Mirror(reflecting: value).children.compactMap { c in c.label.map { ($0, c.value) } }
        #expect(!fields.isEmpty, sourceLocation: sourceLocation)
        for (name, stored) in fields {
            let answered = child(name)
            #expect(answered != nil, "\(type(of: value)).\(name) is not named for the templates", sourceLocation: sourceLocation)
            #expect(answered.map { String(describing: $0) } == String(describing: unwrapped(stored)), "\(type(of: value)).\(name)", sourceLocation: sourceLocation)
        }
        #expect(child("no such field") == nil, sourceLocation: sourceLocation)
    }

    /// What an optional holds, as the templates see it.
    func unwrapped(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional, let held = mirror.children.first else { return value }
        return held.value
    }

    @Test func everyInboxItemFieldIsNamed() throws {
        let json = """
            {"key":"k","caseID":"c1","shortID":"c1s","kindTitle":"Preservation","title":"t","counterpart":"p","action":"acknowledge",
             "due":"2026-12-07T10:00:00Z","overdue":true,"urgent":true,"exercise":true,"sort":"s","answersCheck":true,"csrf":"x"}
            """
        let item = try JSONDecoder().decode(InboxView.Item.self, from: Data(json.utf8))
        expectEveryField(of: item, item.child(named:))
    }

    @Test func everyCaseViewFieldIsNamed() throws {
        let line = #"{"name":"offence","label":"Offence","value":"fraud"}"#
        let json = """
            {"id":"i","shortID":"s","kind":"preservation","kindTitle":"Preservation","title":"t","status":"open","initiator":"a",
             "addressees":["b"],"openedAt":"o","urgent":true,"exercise":true,"norms":[\(line)],"bases":[\(line)],"fields":[\(line)],
             "deadlines":[{"name":"ack","label":"Acknowledge","due":"d","overdue":true}],
             "parties":[{"name":"b","status":"open","acknowledgedAt":"w","timing":["x"],"answer":[\(line)]}],
             "informationRequests":[\(line)],"conditions":[\(line)],
             "steps":[{"event":"e","type":"request","title":"t","signer":"a","to":["b"],"claimedAt":"c","receivedAt":"r","backdated":true,
                       "summary":"s","fields":[\(line)],"deliveries":[{"peer":"b","state":"delivered"}],"inclusionProof":"held"}]}
            """
        let view = try JSONDecoder().decode(CaseView.self, from: Data(json.utf8))
        expectEveryField(of: view, view.child(named:))
        expectEveryField(of: view.fields[0], view.fields[0].child(named:))
        expectEveryField(of: view.deadlines[0], view.deadlines[0].child(named:))
        expectEveryField(of: view.parties[0], view.parties[0].child(named:))
        expectEveryField(of: view.steps[0], view.steps[0].child(named:))
        expectEveryField(of: view.steps[0].deliveries[0], view.steps[0].deliveries[0].child(named:))
    }
}
