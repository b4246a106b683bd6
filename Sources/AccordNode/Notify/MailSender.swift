import AccordCore
import Foundation

/// E-mail through a sendmail-compatible command: an RFC 5322 message on its standard input.
///
/// The command runs without a shell (its words are the program and its arguments); success
/// is exit status 0. The message holds what the notification's payload holds (kind, title,
/// parties, urgency, step, deadline, link), never the case's facts.
enum MailSender {
    /// The message for `payload`, with `\n` line ends as sendmail takes them on its input.
    static func message(payload: JSONValue, settings email: NotificationSettings.Email, node: String, now: Timestamp) -> String {
        let id = payload["id"]?.stringValue ?? "ntf"
        let event = payload["event"]?.stringValue ?? "notification"
        let c = payload["case"]
        let kindTitle = clean(c?["kind_title"]?.stringValue ?? "Case")
        let title = clean(c?["title"]?.stringValue ?? "")
        let urgent = c?["urgent"]?.boolValue == true
        let deadline = payload["deadline"]
        let subject: String
        var lines: [String] = []
        switch NotificationSettings.Event(rawValue: event) {
        case .requestReceived:
            subject = "\(urgent ? "URGENT " : "")New request for \(node): \(kindTitle) from \(clean(c?["initiator"]?.stringValue ?? "a peer"))"
            lines.append("\(clean(c?["initiator"]?.stringValue ?? "A peer")) opened a case addressed to \(node). It needs acknowledging.")
        case .stepReceived:
            let step = clean(payload["step"]?["type"]?.stringValue ?? "a step")
            let by = clean(payload["step"]?["by"]?.stringValue ?? "a peer")
            let action = payload["action"]?.stringValue
            subject = "\(action != nil ? "Action needed" : "Update"): \(step) by \(by) in \(kindTitle)"
            lines.append("\(by) took the step \(step) in a case of \(node).")
            if let action { lines.append("It asks \(node) to: \(action.replacingOccurrences(of: "_", with: " ")).") }
        case .deadlineApproaching:
            subject = "Deadline approaching: \(clean(deadline?["what"]?.stringValue ?? "")) in \(kindTitle)"
            lines.append("A deadline \(node) must meet is close.")
        case .deadlineOverdue:
            subject = "OVERDUE: \(clean(deadline?["what"]?.stringValue ?? "")) in \(kindTitle)"
            lines.append("A deadline \(node) had to meet has passed.")
        case .test, nil:
            subject = "Test notification from \(node)"
            lines.append(clean(payload["message"]?.stringValue ?? "A test notification; nothing to do."))
        }
        lines.append("")
        if c != nil {
            lines.append("Case:      \(kindTitle)\(title.isEmpty ? "" : " \u{2014} \(title)")")
            if let caseID = c?["id"]?.stringValue { lines.append("Case id:   \(caseID)") }
            lines.append("Urgent:    \(urgent ? "yes" : "no")")
        }
        if let what = deadline?["what"]?.stringValue, let due = deadline?["due"]?.stringValue {
            lines.append("Deadline:  \(clean(what)) by \(due)")
        }
        if let link = payload["link"]?.stringValue { lines.append("Open:      \(clean(link))") }
        lines.append("")
        lines.append("The case's content is in the console, not in this message.")
        lines.append("Notification id: \(id)")

        let headers = [
            "From: " + email.from,
            "To: " + email.to.joined(separator: ", "),
            header("Subject", subject),
            "Date: " + rfc5322Date(now),
            // The same for every attempt: a mail system or reader that sees it twice keeps one.
            "Message-ID: <\(id)@\(node).accord.invalid>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
            "X-Accord-Notification-Id: \(id)",
            "X-Accord-Event: \(clean(event))",
        ]
        return headers.joined(separator: "\n") + "\n\n" + lines.map(wrapLongLine).joined(separator: "\n") + "\n"
    }

    /// One line, no control characters: peers' text never starts a header or a line of its own.
    static func clean(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    /// Lines stay under RFC 5322's 998-octet limit.
    static func wrapLongLine(_ line: String) -> String {
        guard line.utf8.count > 900 else { return line }
        var out = ""
        var current = ""
        for ch in line {
            current.append(ch)
            if current.utf8.count >= 800 {
                out += current + "\n"
                current = ""
            }
        }
        return out + current
    }

    /// A header line: printable ASCII folded at spaces, anything else as RFC 2047 encoded words
    /// (UTF-8, base64, at most 39 bytes each, so a word and the header name fit in 78 characters); no line longer than 78.
    static func header(_ name: String, _ value: String) -> String {
        let ascii = value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !value.contains("=?")
        let words: [String]
        if ascii {
            words = value.split(separator: " ").map(String.init)
        } else {
            var encoded: [String] = []
            var chunk: [UInt8] = []
            for scalar in value.unicodeScalars {
                let bytes = Array(String(scalar).utf8)
                if chunk.count + bytes.count > 39 {
                    encoded.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                    chunk = []
                }
                chunk += bytes
            }
            if !chunk.isEmpty { encoded.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
            words = encoded
        }
        var lines: [String] = []
        var line = name + ":"
        for word in words {
            if line.utf8.count + 1 + word.utf8.count > 78 && line.contains(" ") {
                lines.append(line)
                line = ""
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    static func rfc5322Date(_ t: Timestamp) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: Date(timeIntervalSince1970: Double(t.milliseconds) / 1000))
    }

    /// Runs the command with `message` on its standard input; throws with its exit status and
    /// the start of its error output when it fails or outlasts `timeout` seconds.
    static func send(_ message: String, command: [String], timeout: Int) async throws(AccordError) {
        guard let program = command.first else { throw AccordError(.configuration, "notifications.email.command is empty") }
        let run = try await Subprocess.finish(program, Array(command.dropFirst()), input: Array(message.utf8), timeout: .seconds(timeout))
        let stderr = String(decoding: run.errorOutput.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !run.timedOut else { throw AccordError(.unavailable, "\(program) did not finish within \(timeout) s") }
        guard run.status == 0 else {
            throw AccordError(.unavailable, "\(program) exited with status \(run.status)\(stderr.isEmpty ? "" : ": \(stderr)")")
        }
    }
}
