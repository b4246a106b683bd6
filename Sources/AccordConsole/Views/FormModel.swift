/// A form as the templates draw it: every field with a label, its current value and its error.
struct FormModel: Sendable {
    struct Option: Sendable {
        var value: String
        var label: String
        var selected: Bool
        var id: String
    }

    struct Field: Sendable {
        enum Kind: Sendable { case line, password, text, select, checkbox, checkboxes, file }
        var name: String
        var label: String
        var help: String
        var id: String
        var kind: Kind
        var required: Bool
        var value: String = ""
        var checked: Bool = false
        var options: [Option] = []
        var error: String?
        var placeholder: String = ""

        // For the templates (Mustache reads stored and computed properties by mirror; these are stored flags).
        var isLine: Bool { kind == .line }
        var isPassword: Bool { kind == .password }
        var isText: Bool { kind == .text }
        var isSelect: Bool { kind == .select }
        var isCheckbox: Bool { kind == .checkbox }
        var isCheckboxes: Bool { kind == .checkboxes }
        var isFile: Bool { kind == .file }
    }

    var id: String
    var title: String
    var action: String
    var submit: String
    var hidden: [(name: String, value: String)] = []
    var fields: [Field]
    var errors: [String] = []
    /// The form posts a file (`multipart/form-data`); its file field comes last.
    var multipart = false

    /// Mustache looks values up by reflection; this flattens the model into dictionaries it reads.
    var context: [String: Any] {
        [
            "id": id, "title": title, "action": action, "submit": submit, "multipart": multipart,
            "hidden": hidden.map { ["name": $0.name, "value": $0.value] },
            "errors": errors, "hasErrors": !errors.isEmpty,
            "fields": fields.map { f -> [String: Any] in
                var d: [String: Any] = [
                    "name": f.name, "label": f.label, "help": f.help, "id": f.id, "required": f.required, "value": f.value, "checked": f.checked,
                    "placeholder": f.placeholder,
                    "isLine": f.isLine, "isPassword": f.isPassword, "isText": f.isText, "isSelect": f.isSelect, "isCheckbox": f.isCheckbox, "isCheckboxes": f.isCheckboxes,
                    "isFile": f.isFile,
                    "options": f.options.map { ["value": $0.value, "label": $0.label, "selected": $0.selected, "id": $0.id] },
                ]
                if let e = f.error { d["error"] = e }
                return d
            },
        ]
    }
}

/// Submitted form values: `application/x-www-form-urlencoded`, repeated names kept in order.
public struct FormValues: Sendable {
    public var values: [String: [String]]

    public init(values: [String: [String]] = [:]) {
        self.values = values
    }

    public init(urlencoded body: String) {
        var v: [String: [String]] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            v[name, default: []].append(value)
        }
        values = v
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    public subscript(_ name: String) -> String? { values[name]?.first }

    /// The trimmed value, nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let v = values[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    func all(_ name: String) -> [String] { (values[name] ?? []).filter { !$0.isEmpty } }
}

import Foundation
