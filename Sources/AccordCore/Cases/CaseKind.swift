import Foundation

/// The kinds of cooperation case, each with the fields its treaty basis requires.
public enum CaseKind: String, Sendable, CaseIterable, Codable {
    /// Incident notification (spontaneous information, Budapest Art. 26; norm 13(b), 13(d)).
    case notification
    /// Request for technical assistance or mitigation (norm 13(h); Budapest Art. 35).
    case assistance
    /// Expedited preservation of stored computer data (Budapest Art. 29).
    case preservation
    /// Expedited disclosure of preserved traffic data (Budapest Art. 30).
    case disclosure
    /// Mutual legal assistance request (Budapest Art. 27; UN Convention against Cybercrime).
    case mla
    /// Request for consultations on an incident or concern (OSCE CBM 3).
    case consultation
    /// Communication check ("ping test"): measures how fast a person on duty answers.
    case check

    public var title: String {
        switch self {
        case .notification: "Incident notification"
        case .assistance: "Request for assistance"
        case .preservation: "Expedited preservation request"
        case .disclosure: "Expedited disclosure request"
        case .mla: "Mutual legal assistance request"
        case .consultation: "Request for consultations"
        case .check: "Communication check"
        }
    }

    /// Whether the addressed party gives a formal answer (granted, refused, ...).
    public var takesAnswer: Bool {
        switch self {
        case .notification, .check: false
        default: true
        }
    }

    /// The fields of the opening event's `fields` object.
    public var fields: [FieldSpec] {
        switch self {
        case .notification:
            [
                .text("summary", "what happened, as far as known", required: true),
                .text("incident_time", "when it happened or was detected (RFC 3339)", required: false, format: .timestamp),
                .choice("severity", "low, medium, high or critical", ["low", "medium", "high", "critical"], required: false),
                .text("affected", "affected systems, sectors or services", required: false),
                .text("requested_action", "what the recipient is asked to do, if anything", required: false),
            ]
        case .assistance:
            [
                .text("summary", "the incident or situation", required: true),
                .text("assistance_sought", "the technical assistance or mitigation asked for", required: true),
                .bool("critical_infrastructure", "whether critical infrastructure is affected (norm 13(h))", required: false),
            ]
        case .preservation:
            [
                .text("authority", "the authority seeking the preservation (Art. 29(2)(a))", required: true),
                .text("offence", "the offence under investigation (Art. 29(2)(b))", required: true),
                .text("facts", "a brief summary of the related facts (Art. 29(2)(b))", required: true),
                .text("data", "the stored computer data to be preserved (Art. 29(2)(c))", required: true),
                .text("relationship", "the data's relationship to the offence (Art. 29(2)(c))", required: true),
                .text("custodian", "information identifying the custodian of the data or the location of the computer system (Art. 29(2)(d))", required: true),
                .text("necessity", "the necessity of the preservation (Art. 29(2)(e))", required: true),
                .mustBeTrue("mla_to_follow", "that a request for mutual assistance for search, seizure or disclosure will be submitted (Art. 29(2)(f))"),
                .bool("do_not_notify", "asks that the user not be notified", required: false),
            ]
        case .disclosure:
            [
                .text("authority", "the requesting authority", required: true),
                .text("offence", "the offence under investigation", required: true),
                .text("data", "the preserved traffic data to disclose (Art. 30)", required: true),
                .text("purpose", "why the data is needed (e.g. identify the service providers and the path of the communication)", required: true),
                .text("preservation_case", "the preservation case this follows, if any (event id)", required: false, format: .eventID),
            ]
        case .mla:
            [
                .text("authority", "the requesting authority", required: true),
                .text("subject", "the subject and nature of the investigation, prosecution or proceeding", required: true),
                .text("facts", "a summary of the relevant facts", required: true),
                .text("assistance_sought", "the assistance sought and any particular procedure wished", required: true),
                .text("persons", "identity and location of any person concerned, where possible", required: false),
                .text("purpose", "the purpose for which the evidence, information or action is sought", required: true),
            ]
        case .consultation:
            [
                .text("subject", "the incident or concern to consult on", required: true),
                .textList("proposed_dates", "one or more proposed dates or times (RFC 3339)", format: .timestamp),
                .textList("participants", "who is proposed to take part", format: .free),
            ]
        case .check:
            [
                .text("message", "an optional message to the person on duty", required: false)
            ]
        }
    }
}

/// How one field of a case is checked.
public struct FieldSpec: Sendable {
    public enum Format: Sendable { case free, timestamp, eventID }
    public enum Shape: Sendable {
        case text(Format)
        case bool(mustBeTrue: Bool)
        case choice([String])
        case textList(Format)
    }

    public let name: String
    public let help: String
    public let shape: Shape
    public let required: Bool

    public static func text(_ name: String, _ help: String, required: Bool, format: Format = .free) -> FieldSpec {
        FieldSpec(name: name, help: help, shape: .text(format), required: required)
    }
    public static func bool(_ name: String, _ help: String, required: Bool) -> FieldSpec {
        FieldSpec(name: name, help: help, shape: .bool(mustBeTrue: false), required: required)
    }
    public static func mustBeTrue(_ name: String, _ help: String) -> FieldSpec {
        FieldSpec(name: name, help: help, shape: .bool(mustBeTrue: true), required: true)
    }
    public static func choice(_ name: String, _ help: String, _ options: [String], required: Bool) -> FieldSpec {
        FieldSpec(name: name, help: help, shape: .choice(options), required: required)
    }
    public static func textList(_ name: String, _ help: String, format: Format) -> FieldSpec {
        FieldSpec(name: name, help: help, shape: .textList(format), required: true)
    }
}

extension CaseKind {
    /// Maximum length of any one text field, in UTF-8 bytes.
    public static let maxTextBytes = 16 * 1024

    /// Checks `fields` against this kind's specification; the error names the field.
    public func validate(fields: [String: JSONValue]) throws(AccordError) {
        let specs = self.fields
        let known = Set(specs.map(\.name))
        if let extra = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw AccordError(.invalidField, "\(self.rawValue) has no field \"\(extra)\"; its fields are \(specs.map(\.name).joined(separator: ", "))", field: "fields.\(extra)")
        }
        for spec in specs {
            let path = "fields.\(spec.name)"
            guard let value = fields[spec.name], !value.isNull else {
                if spec.required {
                    throw AccordError(.missingField, "\(title) needs \"\(spec.name)\": \(spec.help)", field: path)
                }
                continue
            }
            switch spec.shape {
            case .text(let format):
                guard let s = value.stringValue else { throw AccordError(.invalidField, "\"\(spec.name)\" must be text", field: path) }
                try Self.check(text: s, format: format, name: spec.name, path: path, required: spec.required)
            case .bool(let mustBeTrue):
                guard let b = value.boolValue else { throw AccordError(.invalidField, "\"\(spec.name)\" must be true or false", field: path) }
                if mustBeTrue && !b {
                    throw AccordError(.invalidField, "\"\(spec.name)\" must be true: \(spec.help)", field: path)
                }
            case .choice(let options):
                guard let s = value.stringValue, options.contains(s) else {
                    throw AccordError(.invalidField, "\"\(spec.name)\" must be one of \(options.joined(separator: ", "))", field: path)
                }
            case .textList(let format):
                guard let items = value.arrayValue, !items.isEmpty, items.count <= 100 else {
                    throw AccordError(.invalidField, "\"\(spec.name)\" must be a list of 1 to 100 entries: \(spec.help)", field: path)
                }
                for item in items {
                    guard let s = item.stringValue else { throw AccordError(.invalidField, "\"\(spec.name)\" entries must be text", field: path) }
                    try Self.check(text: s, format: format, name: spec.name, path: path, required: true)
                }
            }
        }
    }

    static func check(text: String, format: FieldSpec.Format, name: String, path: String, required: Bool) throws(AccordError) {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw AccordError(required ? .missingField : .invalidField, "\"\(name)\" is empty", field: path)
        }
        if text.utf8.count > maxTextBytes {
            throw AccordError(.invalidField, "\"\(name)\" is longer than \(maxTextBytes) bytes", field: path)
        }
        switch format {
        case .free: break
        case .timestamp:
            if Timestamp(rfc3339: text) == nil {
                throw AccordError(.invalidField, "\"\(name)\" must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z", field: path)
            }
        case .eventID:
            if EventID(hex: text) == nil { throw AccordError(.invalidField, "\"\(name)\" must be an event id (64 lowercase hex digits)", field: path) }
        }
    }
}
