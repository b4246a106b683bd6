import Mustache

// The views the templates read name their fields here. Without this swift-mustache finds a
// struct's field through `Mirror`, walking every field of the struct for every `{{name}}` it
// renders (and for every name it looks up through an item on the way to the page's context):
// on an inbox page of 100 items that was more than half of the time the node spent on it.
// A name not listed here is not the view's, and the lookup goes on to the enclosing context.

extension InboxView.Item: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "key": key
        case "caseID": caseID
        case "shortID": shortID
        case "kindTitle": kindTitle
        case "title": title
        case "counterpart": counterpart
        case "action": action
        case "due": due
        case "overdue": overdue
        case "urgent": urgent
        case "exercise": exercise
        case "sort": sort
        case "answersCheck": answersCheck
        case "csrf": csrf
        default: nil
        }
    }
}

extension CaseView: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "shortID": shortID
        case "kind": kind
        case "kindTitle": kindTitle
        case "title": title
        case "status": status
        case "initiator": initiator
        case "addressees": addressees
        case "openedAt": openedAt
        case "urgent": urgent
        case "exercise": exercise
        case "norms": norms
        case "bases": bases
        case "fields": fields
        case "deadlines": deadlines
        case "parties": parties
        case "informationRequests": informationRequests
        case "conditions": conditions
        case "steps": steps
        default: nil
        }
    }
}

extension CaseView.Line: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "label": label
        case "value": value
        default: nil
        }
    }
}

extension CaseView.Deadline: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "label": label
        case "due": due
        case "overdue": overdue
        default: nil
        }
    }
}

extension CaseView.Party: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "status": status
        case "acknowledgedAt": acknowledgedAt
        case "timing": timing
        case "answer": answer
        default: nil
        }
    }
}

extension CaseView.Delivery: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "peer": peer
        case "state": state
        default: nil
        }
    }
}

extension CaseView.Step: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "event": event
        case "type": type
        case "title": title
        case "signer": signer
        case "to": to
        case "claimedAt": claimedAt
        case "receivedAt": receivedAt
        case "backdated": backdated
        case "summary": summary
        case "fields": fields
        case "deliveries": deliveries
        case "inclusionProof": inclusionProof
        default: nil
        }
    }
}
