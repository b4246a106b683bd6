import AccordCore

/// Request bodies for every case kind and every step a kind takes, in an order a real pair of
/// nodes accepts them: the OpenAPI description shows them, and a test sends each one.
public enum OpenAPIExamples {
    /// Who takes a step: the node that opened the case, or the node it was addressed to.
    public enum Party: String, Sendable { case initiator, addressee }

    public struct Step: Sendable {
        public var kind: CaseKind
        /// The step's name in `POST /cases/{id}/steps` (`acknowledge`, `answer`, …).
        public var name: String
        public var by: Party
        /// The whole request body.
        public var request: JSONValue
        /// The example's name in the document: `preservation.answer`, `mla.propose_conditions_2`.
        public var label: String
    }

    /// Stand-ins for event ids in bodies that refer to an earlier step; a client uses the id
    /// the node returned for that step (`event` in its answer).
    public static let informationRequestID = String(repeating: "1f", count: 32)
    public static let acceptedProposalID = String(repeating: "2e", count: 32)
    public static let declinedProposalID = String(repeating: "3d", count: 32)
    /// Which earlier step of the same sequence each stand-in names.
    public static let references: [String: String] = [
        informationRequestID: "request_information", acceptedProposalID: "propose_conditions", declinedProposalID: "propose_conditions#2",
    ]

    /// `POST /cases` bodies, one per kind.
    public static func open(_ kind: CaseKind, to: [String] = ["borealis-247"]) -> JSONValue {
        var body: [String: JSONValue] = ["kind": .string(kind.rawValue), "to": .strings(to)]
        switch kind {
        case .notification:
            body["title"] = "Ransomware campaign against hospitals"
            body["fields"] = [
                "summary": "Hospitals in Aurelia report encryption of patient systems by the same ransomware family.",
                "incident_time": "2026-11-26T22:40:00.000Z", "severity": "high", "affected": "Health sector",
                "requested_action": "Check for the listed indicators and share sightings",
            ]
            body["norms"] = ["13(b)", "13(d)"]
        case .assistance:
            body["title"] = "Mitigate a botnet controller hosted in Borealis"
            body["fields"] = [
                "summary": "A DDoS against Aurelia's electricity operator is steered from a controller in Borealis.",
                "assistance_sought": "Take the controller offline or filter its traffic", "critical_infrastructure": true,
            ]
            body["norms"] = ["13(h)"]
            body["urgent"] = true
        case .preservation:
            body["title"] = "Preserve mailbox records"
            body["fields"] = [
                "authority": "Aurelia Public Prosecutor's Office", "offence": "Extortion (ransomware)",
                "facts": "A hospital's systems were encrypted; the ransom note names a mailbox.",
                "data": "Subscriber data and logs of the mailbox", "relationship": "Used to negotiate the ransom",
                "custodian": "Borealis Mail Ltd.", "necessity": "Logs are deleted after 30 days", "mla_to_follow": true,
            ]
            body["norms"] = ["13(d)"]
            body["preservation_days"] = 90
        case .disclosure:
            body["title"] = "Disclose traffic data of the ransom mailbox"
            body["fields"] = [
                "authority": "Aurelia Public Prosecutor's Office", "offence": "Extortion (ransomware)",
                "data": "Source IP addresses of logins to the mailbox, 1–26 November 2026",
                "purpose": "Identify the service providers in the path of the communication",
            ]
        case .mla:
            body["title"] = "Search and seizure of the ransom mailbox"
            body["fields"] = [
                "authority": "Ministry of Justice of Aurelia", "subject": "Investigation of extortion by ransomware",
                "facts": "Since October 2026 hospitals have been encrypted; ransom was negotiated through one mailbox.",
                "assistance_sought": "Search and seizure of the mailbox contents", "persons": "Unknown user of the mailbox",
                "purpose": "Evidence for the prosecution",
            ]
        case .consultation:
            body["title"] = "Consultations on scanning of government networks"
            body["fields"] = [
                "subject": "Scanning of Aurelia's government networks from Borealis address space",
                "proposed_dates": ["2026-12-02T10:00:00.000Z", "2026-12-03T14:00:00.000Z"],
                "participants": ["National CERT", "Ministry of Foreign Affairs"],
            ]
        case .check:
            body["title"] = "Weekly communication check"
            body["fields"] = ["message": "Please acknowledge when you see this."]
        }
        return .object(body)
    }

    /// `name` may end in `#2` for a second step of the same type in one sequence.
    static func step(_ kind: CaseKind, _ name: String, _ by: Party, _ body: [String: JSONValue]) -> Step {
        let type = String(name.split(separator: "#")[0])
        return Step(kind: kind, name: type, by: by, request: .object(["type": .string(type), "body": .object(body)]),
                    label: "\(kind.rawValue).\(name.replacingOccurrences(of: "#", with: "_"))")
    }

    /// Every step a kind takes, in an order the case machine accepts, ending with the case closed.
    public static func steps(_ kind: CaseKind) -> [Step] {
        var s: [Step] = [
            step(kind, "acknowledge", .addressee, ["note": "Received by the duty officer; being handled."]),
            step(kind, "request_information", .addressee, ["questions": "Which time zone are the log times in?"]),
            step(kind, "provide_information", .initiator, ["information": "All times are UTC.", "in_reply_to": .string(informationRequestID)]),
            step(kind, "propose_conditions", .addressee, ["conditions": "The information may be used only for this investigation (Budapest Art. 28(2)(b))."]),
            step(kind, "accept_conditions", .initiator, ["proposal": .string(acceptedProposalID)]),
            step(kind, "propose_conditions#2", .initiator, ["conditions": "Please keep the request confidential (Budapest Art. 27(8))."]),
            step(kind, "decline_conditions", .addressee, ["proposal": .string(declinedProposalID), "reason": "Domestic law requires notifying the account holder after 90 days."]),
        ]
        switch kind {
        case .preservation:
            s.append(step(kind, "extend", .initiator, ["preserve_until": "2027-08-31T00:00:00.000Z", "answer_by": "2027-01-15T00:00:00.000Z", "reason": "The request for mutual assistance is being prepared."]))
            s.append(step(kind, "answer", .addressee, ["outcome": "granted", "details": "Data preserved on 27 November 2026; reference BM-2211."]))
        case .assistance:
            s.append(step(kind, "extend", .initiator, ["answer_by": "2027-01-15T00:00:00.000Z", "reason": "Attacks continue; more time for a lasting fix."]))
            s.append(step(kind, "answer", .addressee, ["outcome": "partially_granted", "reason": "The controller was filtered; its hosting provider is not yet identified."]))
        case .disclosure:
            s.append(step(kind, "extend", .initiator, ["answer_by": "2027-01-15T00:00:00.000Z", "reason": "The provider needs more time."]))
            s.append(step(kind, "answer", .addressee, ["outcome": "postponed", "grounds": ["prejudice_to_proceedings"], "reason": "Disclosure now would prejudice a domestic investigation."]))
        case .mla:
            s.append(step(kind, "extend", .initiator, ["answer_by": "2027-06-30T00:00:00.000Z", "reason": "Translation of the supporting documents."]))
            s.append(step(kind, "answer", .addressee, ["outcome": "refused", "grounds": ["dual_criminality"], "reason": "The conduct is not an offence under Borealis law."]))
        case .consultation:
            s.append(step(kind, "extend", .initiator, ["answer_by": "2027-01-15T00:00:00.000Z", "reason": "Holidays."]))
            s.append(step(kind, "answer", .addressee, ["outcome": "granted", "details": "Consultations on 3 December 2026 at 14:00 UTC."]))
        case .notification, .check:
            break  // no formal answer, and so no answer deadline to extend
        }
        s.append(step(kind, "close", .initiator, ["reason": "Handled."]))
        return s
    }

    /// A case ended by its initiator instead of closed.
    public static func withdraw(_ kind: CaseKind) -> Step {
        step(kind, "withdraw", .initiator, ["reason": "Sent to the wrong contact point."])
    }

    /// The steps each kind does not take, and why (shown in the description).
    public static let notTaken: [CaseKind: String] = [
        .notification: "answer and extend (an incident notification takes no formal answer, so it has no answer deadline)",
        .check: "answer and extend (a communication check is answered by acknowledging it)",
    ]
}
