import AccordCore
import AccordNode

/// The form an officer attaches an evidence file to a case with, and its check. The text fields
/// come before the file: the node reads them (and the anti-forgery token) before the file.
enum EvidenceForm {
    static let id = "attach-evidence"

    static func form(_ caseID: EventID, values: FormValues = FormValues(), errors: [String: String] = [:], general: [String] = []) -> FormModel {
        func field(_ name: String, _ label: String, _ help: String, kind: FormModel.Field.Kind = .line, placeholder: String = "") -> FormModel.Field {
            FormModel.Field(name: name, label: label, help: help, id: "evidence-\(name)", kind: kind, required: false,
                            value: values[name] ?? "", error: errors[name], placeholder: placeholder)
        }
        var file = field("file", "File", "Encrypted here for this node and each party to the case before it is kept or sent", kind: .file)
        file.required = true
        return FormModel(
            id: id, title: "Attach an evidence file", action: "/console/cases/\(caseID.hex)/evidence", submit: "Encrypt, sign and send",
            fields: [
                field("description", "Description", "What the file is and why it matters to the case", kind: .text),
                field("collected_by", "Collected by", "Who collected it"),
                field("collected_at", "Collected at", "An RFC 3339 UTC time", placeholder: "2026-12-08T09:30:00Z"),
                field("method", "Collection method", "How it was collected, like a forensic image with write blocker"),
                field("media_type", "Media type", "Leave blank for the type your browser gives; application/stix+json checks a STIX 2.1 bundle",
                      placeholder: "application/octet-stream"),
                file,
            ],
            errors: general, multipart: true)
    }

    /// What the form says about the file, or every problem by field.
    static func description(_ values: FormValues, filename: String, browserType: String?) -> (about: EvidenceDescription?, errors: [String: String]) {
        var errors: [String: String] = [:]
        if filename.isEmpty { errors["file"] = "choose a file" }
        var collectedAt: Timestamp? = nil
        if let text = values.text("collected_at") {
            collectedAt = Timestamp(rfc3339: text)
            if collectedAt == nil { errors["collected_at"] = "an RFC 3339 UTC time, like 2026-12-08T09:30:00Z" }
        }
        let mediaType = values.text("media_type") ?? browserType.flatMap { $0.isEmpty ? nil : $0 } ?? "application/octet-stream"
        guard errors.isEmpty else { return (nil, errors) }
        return (EvidenceDescription(
            name: filename, mediaType: mediaType, description: values.text("description"), collectedAt: collectedAt,
            collectedBy: values.text("collected_by"), method: values.text("method")), [:])
    }

    /// The form field an error of the evidence record names (`name` is the file's).
    static func field(_ recordField: String?) -> String? {
        recordField.map { $0 == "name" ? "file" : $0 }
    }
}
