import AccordCore
import AccordNode

/// The "open a case" form: the treaty fields of the chosen kind, addressees, norms, urgency.
enum OpenCaseForm {
    static func form(kind: CaseKind, peers: [String], values: FormValues = FormValues(), errors: [String: String] = [:], general: [String] = []) -> FormModel {
        func field(_ name: String, _ label: String, _ kind: FormModel.Field.Kind, required: Bool, help: String = "", placeholder: String = "") -> FormModel.Field {
            FormModel.Field(name: name, label: label, help: help, id: "open-\(name)", kind: kind, required: required, value: values[name] ?? "",
                            checked: values[name] != nil, error: errors[name], placeholder: placeholder)
        }
        var fields: [FormModel.Field] = [field("title", "Title", .line, required: true, help: "A short title both sides will see")]
        var to = field("to", "Addressed to", .checkboxes, required: true, help: peers.isEmpty ? "No peers are pinned yet (accord peer add)" : "One or more pinned peers")
        let chosen = Set(values.all("to"))
        to.options = peers.enumerated().map { i, p in .init(value: p, label: p, selected: chosen.contains(p), id: "open-to-\(i)") }
        fields.append(to)
        for spec in kind.fields {
            let name = "f." + spec.name
            let label = spec.name.replacingOccurrences(of: "_", with: " ").capitalizedFirst
            switch spec.shape {
            case .text(let format):
                fields.append(field(name, label, format == .free ? .text : .line, required: spec.required, help: spec.help,
                                    placeholder: format == .timestamp ? "2027-03-01T12:00:00Z" : ""))
            case .bool(let mustBeTrue):
                fields.append(field(name, label, .checkbox, required: mustBeTrue, help: spec.help))
            case .choice(let options):
                var f = field(name, label, .select, required: spec.required, help: spec.help)
                let current = values[name]
                f.options = ([""] + options).enumerated().map { i, o in .init(value: o, label: o.isEmpty ? "Choose…" : o, selected: o == current, id: "open-\(spec.name)-\(i)") }
                fields.append(f)
            case .textList:
                fields.append(field(name, label, .text, required: spec.required, help: spec.help + "; one per line"))
            }
        }
        var norms = field("norms", "Norms cited (UN GGE 2015, A/70/174 para. 13)", .checkboxes, required: false)
        let cited = Set(values.all("norms"))
        norms.options = Norms.all.enumerated().map { i, n in .init(value: n.id, label: "\(n.id) \(n.text)", selected: cited.contains(n.id), id: "open-norm-\(i)") }
        fields.append(norms)
        fields.append(field("urgent", "Urgent", .checkbox, required: false, help: "Mark the request urgent"))
        if kind == .preservation {
            fields.append(field("preservation_days", "Days of preservation asked for", .line, required: false, help: "At least 60 (Budapest Convention Art. 29(7)); default from the node's policy"))
        }
        return FormModel(
            id: "open-case", title: "Open a case: \(kind.title)", action: "/console/cases", submit: "Sign and send", hidden: [("kind", kind.rawValue)],
            fields: fields, errors: general)
    }

    /// Checks a submitted form; returns the request, or every problem by field.
    static func request(kind: CaseKind, values: FormValues) -> (request: OpenCaseRequest?, errors: [String: String]) {
        var errors: [String: String] = [:]
        let title = values.text("title")
        if title == nil { errors["title"] = "required" } else if title!.utf8.count > 300 { errors["title"] = "at most 300 bytes" }
        let to = values.all("to")
        if to.isEmpty { errors["to"] = "address the case to at least one peer" }
        var fields: [String: JSONValue] = [:]
        for spec in kind.fields {
            let name = "f." + spec.name
            switch spec.shape {
            case .text(let format):
                guard let v = values.text(name) else {
                    if spec.required { errors[name] = "required: \(spec.help)" }
                    continue
                }
                if v.utf8.count > CaseKind.maxTextBytes { errors[name] = "longer than \(CaseKind.maxTextBytes) bytes"; continue }
                if format == .timestamp, Timestamp(rfc3339: v) == nil { errors[name] = "not an RFC 3339 UTC time like 2027-03-01T12:00:00Z"; continue }
                if format == .eventID, EventID(hex: v) == nil { errors[name] = "not an event id (64 lowercase hex digits)"; continue }
                fields[spec.name] = .string(v)
            case .bool(let mustBeTrue):
                let on = values[name] != nil
                if mustBeTrue && !on { errors[name] = "must be confirmed: \(spec.help)" }
                if on { fields[spec.name] = .bool(true) }
            case .choice(let options):
                guard let v = values.text(name) else {
                    if spec.required { errors[name] = "required" }
                    continue
                }
                if !options.contains(v) { errors[name] = "one of \(options.joined(separator: ", "))" } else { fields[spec.name] = .string(v) }
            case .textList(let format):
                let items = (values[name] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                if items.isEmpty { errors[name] = "give at least one, one per line"; continue }
                if items.count > 100 { errors[name] = "at most 100 entries"; continue }
                if format == .timestamp, let bad = items.first(where: { Timestamp(rfc3339: $0) == nil }) {
                    errors[name] = "\"\(bad)\" is not an RFC 3339 UTC time"
                    continue
                }
                fields[spec.name] = .strings(items)
            }
        }
        let norms = values.all("norms")
        if let bad = norms.first(where: { !Norms.ids.contains($0) }) { errors["norms"] = "unknown norm \(bad)" }
        var days: Int? = nil
        if kind == .preservation, let d = values.text("preservation_days") {
            if let n = Int(d), n >= DeadlinePolicy.minimumPreservationDays, n <= 3650 { days = n } else { errors["preservation_days"] = "a whole number of days from 60 to 3650" }
        }
        guard errors.isEmpty, let title else { return (nil, errors) }
        return (OpenCaseRequest(kind: kind, title: title, to: to, fields: fields, norms: norms.isEmpty ? nil : norms, urgent: values["urgent"] != nil ? true : nil, preservationDays: days), [:])
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
