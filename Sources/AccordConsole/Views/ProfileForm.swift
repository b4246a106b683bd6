import AccordNode

/// The form an admin changes this node's profile with, and its check.
enum ProfileForm {
    static let id = "profile-form"

    static func form(_ info: ProfileInfo, values: FormValues? = nil, errors: [String: String] = [:], general: [String] = []) -> FormModel {
        func field(_ name: String, _ label: String, _ help: String, _ value: String, required: Bool = true) -> FormModel.Field {
            FormModel.Field(name: name, label: label, help: help, id: "profile-\(name)", kind: .line, required: required,
                            value: values?[name] ?? value, error: errors[name])
        }
        let chosen = values.map { Set($0.all("roles")) } ?? Set(info.roles.map(\.rawValue))
        let roles = FormModel.Field(
            name: "roles", label: "Handles (contact roles)", help: "What this point of contact answers for", id: "profile-roles", kind: .checkboxes,
            required: true,
            options: ProfileInfo.ContactRole.allCases.map {
                FormModel.Option(value: $0.rawValue, label: $0.title, selected: chosen.contains($0.rawValue), id: "profile-role-\($0.rawValue)")
            }, error: errors["roles"])
        return FormModel(
            id: id, title: "Contact details", action: "/console/profile", submit: "Sign and send to every peer",
            fields: [
                field("organisation", "Organisation", "The body this node speaks for", info.organisation),
                field("country", "Country", "ISO 3166 code like DE, or an organisation code like OSCE", info.country),
                roles,
                field("languages", "Working languages", "BCP 47 tags separated by commas, like en, fr", info.languages.joined(separator: ", ")),
                field("hours", "Hours", "When a person answers, like 24/7 or Mon-Fri 08:00-18:00", info.hours),
                field("time_zone", "Time zone", "IANA name the hours are in, like Europe/Vienna (optional)", info.timeZone ?? "", required: false),
            ],
            errors: general)
    }

    /// The submitted profile, or every problem by field.
    static func info(_ values: FormValues) -> (info: ProfileInfo?, errors: [String: String]) {
        var errors: [String: String] = [:]
        var roles: [ProfileInfo.ContactRole] = []
        for name in values.all("roles") {
            guard let role = ProfileInfo.ContactRole(rawValue: name) else {
                errors["roles"] = "\"\(name)\" is not a contact role"
                continue
            }
            roles.append(role)
        }
        let languages = (values["languages"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let tz = values.text("time_zone")
        let info = ProfileInfo(
            organisation: values.text("organisation") ?? "", country: (values.text("country") ?? "").uppercased(), roles: roles,
            languages: languages, hours: values.text("hours") ?? "", timeZone: tz)
        for p in info.problems() where errors[p.field] == nil { errors[p.field] = p.message }
        return (errors.isEmpty ? info : nil, errors)
    }
}
