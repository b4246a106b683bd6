import AccordStore

/// The forms of the TAXII pages: a new collection, a new account, an account's rights on a
/// collection, and whom a collection is published to.
enum TAXIIForms {
    static func peerBoxes(_ name: String, _ label: String, _ help: String, peers: [String], chosen: Set<String>, error: String?) -> FormModel.Field {
        FormModel.Field(
            name: name, label: label, help: help, id: "taxii-\(name)", kind: .checkboxes, required: false,
            options: peers.map { FormModel.Option(value: $0, label: $0, selected: chosen.contains($0), id: "taxii-\(name)-\($0)") }, error: error)
    }

    static func collection(peers: [String], values: FormValues? = nil, errors: [String: String] = [:], general: [String] = []) -> FormModel {
        FormModel(
            id: "taxii-collection-form", title: "Add a collection", action: "/console/taxii/collections", submit: "Add the collection",
            fields: [
                FormModel.Field(name: "title", label: "Title", help: "What TAXII clients see, like Phishing indicators", id: "taxii-title", kind: .line,
                                required: true, value: values?["title"] ?? "", error: errors["title"]),
                FormModel.Field(name: "description", label: "Description", help: "What it holds (optional)", id: "taxii-description", kind: .text,
                                required: false, value: values?["description"] ?? "", error: errors["description"]),
                peerBoxes("share_to", "Publish to", "Peers that receive what is posted here, as far as TLP allows", peers: peers,
                          chosen: Set(values?.all("share_to") ?? []), error: errors["share_to"]),
                peerBoxes("red_to", "TLP:RED objects to", "Peers named to receive its TLP:RED objects (none: they stay here)", peers: peers,
                          chosen: Set(values?.all("red_to") ?? []), error: errors["red_to"]),
            ],
            errors: general)
    }

    static func sharing(_ c: TAXIICollection, peers: [String], values: FormValues? = nil, errors: [String: String] = [:], general: [String] = []) -> FormModel {
        FormModel(
            id: "taxii-sharing-form", title: "Whom it is published to", action: "/console/taxii/collections/\(c.id)/sharing", submit: "Save",
            fields: [
                peerBoxes("share_to", "Publish to", "Peers that receive what is posted here from now on, as far as TLP allows", peers: peers,
                          chosen: Set(values?.all("share_to") ?? c.shareTo), error: errors["share_to"]),
                peerBoxes("red_to", "TLP:RED objects to", "Peers named to receive its TLP:RED objects", peers: peers,
                          chosen: Set(values?.all("red_to") ?? c.redTo), error: errors["red_to"]),
            ],
            errors: general)
    }

    static func account(values: FormValues? = nil, errors: [String: String] = [:], general: [String] = []) -> FormModel {
        FormModel(
            id: "taxii-account-form", title: "Add an account", action: "/console/taxii/accounts", submit: "Add the account",
            fields: [
                FormModel.Field(name: "name", label: "Name", help: "Letters, digits, '.', '_', '-' or '@', like misp", id: "taxii-name", kind: .line,
                                required: true, value: values?["name"] ?? "", error: errors["name"]),
                FormModel.Field(name: "password", label: "Password for HTTP Basic", help: "12 characters or more; leave empty for a bearer token only",
                                id: "taxii-password", kind: .password, required: false, error: errors["password"]),
            ],
            errors: general)
    }

    static func rights(accounts: [String], collections: [TAXIICollection], values: FormValues? = nil, errors: [String: String] = [:], general: [String] = [])
        -> FormModel
    {
        func select(_ name: String, _ label: String, _ options: [(String, String)]) -> FormModel.Field {
            let chosen = values?[name] ?? ""
            return FormModel.Field(
                name: name, label: label, help: "", id: "taxii-rights-\(name)", kind: .select, required: true,
                options: options.map { FormModel.Option(value: $0.0, label: $0.1, selected: $0.0 == chosen, id: "") }, error: errors[name])
        }
        return FormModel(
            id: "taxii-rights-form", title: "Rights of an account", action: "/console/taxii/rights", submit: "Set the rights",
            fields: [
                select("account", "Account", accounts.map { ($0, $0) }),
                select("collection", "Collection", collections.map { ($0.id, $0.title) }),
                FormModel.Field(name: "read", label: "Reads it", help: "", id: "taxii-read", kind: .checkbox, required: false,
                                checked: values.map { $0["read"] == "true" } ?? true, error: errors["read"]),
                FormModel.Field(name: "write", label: "Posts to it", help: "Neither box: the account's rights on it are removed", id: "taxii-write",
                                kind: .checkbox, required: false, checked: values?["write"] == "true", error: errors["write"]),
            ],
            errors: general)
    }

    static func mode(_ r: TAXIIRight) -> String {
        r.read && r.write ? "reads and posts" : r.write ? "posts" : "reads"
    }
}
