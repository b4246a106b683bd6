import AccordCore
import Foundation

/// Who is told of new incoming work when nobody watches the console (`notifications` in
/// accord.json; absent means nobody). Every key is documented in docs/operations.md.
///
/// Webhook secrets are secrets: kept in a file readable only by the node's user
/// (`secret_file`, relative to the data directory) or inline (`secret`, accord.json being
/// 0600); never logged, never shown by the API.
public struct NotificationSettings: Sendable, Codable, Equatable {
    /// What a notification is about; a destination's `events` picks among them.
    public enum Event: String, Sendable, Codable, CaseIterable {
        /// A peer opened a case addressed to this node.
        case requestReceived = "request.received"
        /// A peer took a step in one of this node's cases.
        case stepReceived = "step.received"
        /// Something this node owes is due within `deadline_warning_minutes`.
        case deadlineApproaching = "deadline.approaching"
        /// Something this node owes is overdue.
        case deadlineOverdue = "deadline.overdue"
        /// Sent by `accord notify test`.
        case test
    }

    public struct Webhook: Sendable, Codable, Equatable {
        public var url: String
        /// The HMAC key inline (accord.json must then be 0600).
        public var secret: String?
        /// A file holding the HMAC key (0600), relative to the data directory.
        public var secretFile: String?
        /// The events sent to this URL; absent: all.
        public var events: [Event]?

        public init(url: String, secret: String? = nil, secretFile: String? = nil, events: [Event]? = nil) {
            self.url = url
            self.secret = secret
            self.secretFile = secretFile
            self.events = events
        }

        enum CodingKeys: String, CodingKey {
            case url, secret, events
            case secretFile = "secret_file"
        }

        public func wants(_ event: Event) -> Bool { event == .test || events?.contains(event) ?? true }
    }

    public struct Email: Sendable, Codable, Equatable {
        /// A sendmail-compatible command line, run without a shell; the message goes to its
        /// standard input (`/usr/sbin/sendmail -t -i`: recipients from the headers).
        public var command: String
        public var to: [String]
        public var from: String
        public var events: [Event]?

        public init(command: String, to: [String], from: String, events: [Event]? = nil) {
            self.command = command
            self.to = to
            self.from = from
            self.events = events
        }

        public func wants(_ event: Event) -> Bool { event == .test || events?.contains(event) ?? true }

        /// The command split into its program and arguments (spaces separate them; no quoting).
        public var arguments: [String] { command.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    public var webhooks: [Webhook]
    public var email: Email?
    /// Attempts per notification and destination before it is given up (and shown as failed).
    public var maxAttempts: Int
    /// First retry delay; doubles per failure up to `retryMaxSeconds`, with random jitter.
    public var retryInitialSeconds: Int
    public var retryMaxSeconds: Int
    /// How long before a deadline this node owes `deadline.approaching` is sent.
    public var deadlineWarningMinutes: Int
    /// The console's address, for the link in each notification (`{console_url}/cases/{id}`); absent: no link.
    public var consoleURL: String?
    /// How long one webhook request or one run of the e-mail command may take.
    public var timeoutSeconds: Int

    public init(webhooks: [Webhook] = [], email: Email? = nil, maxAttempts: Int = 10, retryInitialSeconds: Int = 30, retryMaxSeconds: Int = 3600,
                deadlineWarningMinutes: Int = 60, consoleURL: String? = nil, timeoutSeconds: Int = 15) {
        self.webhooks = webhooks
        self.email = email
        self.maxAttempts = maxAttempts
        self.retryInitialSeconds = retryInitialSeconds
        self.retryMaxSeconds = retryMaxSeconds
        self.deadlineWarningMinutes = deadlineWarningMinutes
        self.consoleURL = consoleURL
        self.timeoutSeconds = timeoutSeconds
    }

    public var isEmpty: Bool { webhooks.isEmpty && email == nil }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case webhooks, email
        case maxAttempts = "max_attempts"
        case retryInitialSeconds = "retry_initial_s"
        case retryMaxSeconds = "retry_max_s"
        case deadlineWarningMinutes = "deadline_warning_minutes"
        case consoleURL = "console_url"
        case timeoutSeconds = "timeout_s"
    }

    /// Capped exponential backoff after `failures` failed attempts, in milliseconds, with up to
    /// a fifth added at random so that many retries do not fall on the same instant.
    public func backoffMilliseconds(failures: Int, jitter: Double = Double.random(in: 0..<1)) -> Int64 {
        let shift = min(max(failures - 1, 0), 30)
        let base = min(Int64(retryInitialSeconds) * 1000 << Int64(shift), Int64(retryMaxSeconds) * 1000)
        return base + Int64(Double(base) * 0.2 * jitter)
    }
}

// MARK: Reading accord.json

extension NotificationSettings {
    /// Reads the `notifications` object, refusing unknown keys and values of the wrong type with
    /// an error that names the key and the type expected.
    public init(from decoder: any Decoder) throws {
        let d = NotificationSettings()
        let raw = try JSONValue(from: decoder)
        guard let o = raw.objectValue else { throw Self.wrong("notifications", "an object") }
        try Self.refuseUnknown(o, known: CodingKeys.allCases.map(\.stringValue), in: "notifications")
        webhooks = try (Self.array(o["webhooks"], "notifications.webhooks") ?? []).enumerated().map { i, v in
            try Webhook(json: v, path: "notifications.webhooks[\(i)]")
        }
        email = try o["email"].flatMap { $0.isNull ? nil : try Email(json: $0, path: "notifications.email") }
        maxAttempts = try Self.int(o["max_attempts"], "notifications.max_attempts") ?? d.maxAttempts
        retryInitialSeconds = try Self.int(o["retry_initial_s"], "notifications.retry_initial_s") ?? d.retryInitialSeconds
        retryMaxSeconds = try Self.int(o["retry_max_s"], "notifications.retry_max_s") ?? d.retryMaxSeconds
        deadlineWarningMinutes = try Self.int(o["deadline_warning_minutes"], "notifications.deadline_warning_minutes") ?? d.deadlineWarningMinutes
        consoleURL = try Self.string(o["console_url"], "notifications.console_url")
        timeoutSeconds = try Self.int(o["timeout_s"], "notifications.timeout_s") ?? d.timeoutSeconds
    }

    static func wrong(_ key: String, _ expected: String) -> AccordError {
        AccordError(.configuration, "\(key) must be \(expected)")
    }

    static func refuseUnknown(_ o: [String: JSONValue], known: [String], in path: String) throws(AccordError) {
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw AccordError(.configuration, "\(path).\(unknown) is not a setting; known: \(known.joined(separator: ", "))")
        }
    }

    static func string(_ v: JSONValue?, _ key: String) throws(AccordError) -> String? {
        guard let v, !v.isNull else { return nil }
        guard let s = v.stringValue else { throw wrong(key, "a string") }
        return s
    }

    static func int(_ v: JSONValue?, _ key: String) throws(AccordError) -> Int? {
        guard let v, !v.isNull else { return nil }
        guard let n = v.intValue else { throw wrong(key, "a whole number") }
        return n
    }

    static func array(_ v: JSONValue?, _ key: String) throws(AccordError) -> [JSONValue]? {
        guard let v, !v.isNull else { return nil }
        guard let a = v.arrayValue else { throw wrong(key, "an array") }
        return a
    }

    static func events(_ v: JSONValue?, _ key: String) throws(AccordError) -> [Event]? {
        guard let items = try array(v, key) else { return nil }
        var out: [Event] = []
        for item in items {
            guard let s = item.stringValue, let e = Event(rawValue: s) else {
                throw AccordError(.configuration, "\(key) lists \(CanonicalJSON.string(item)), not one of: \(Event.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out.append(e)
        }
        return out
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(webhooks, forKey: .webhooks)
        try c.encodeIfPresent(email, forKey: .email)
        try c.encode(maxAttempts, forKey: .maxAttempts)
        try c.encode(retryInitialSeconds, forKey: .retryInitialSeconds)
        try c.encode(retryMaxSeconds, forKey: .retryMaxSeconds)
        try c.encode(deadlineWarningMinutes, forKey: .deadlineWarningMinutes)
        try c.encodeIfPresent(consoleURL, forKey: .consoleURL)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
    }
}

extension NotificationSettings.Webhook {
    init(json: JSONValue, path: String) throws(AccordError) {
        guard let o = json.objectValue else { throw NotificationSettings.wrong(path, "an object with url and secret or secret_file") }
        try NotificationSettings.refuseUnknown(o, known: ["url", "secret", "secret_file", "events"], in: path)
        guard let url = try NotificationSettings.string(o["url"], "\(path).url") else {
            throw AccordError(.configuration, "\(path).url is missing: the address notifications are POSTed to")
        }
        self.url = url
        secret = try NotificationSettings.string(o["secret"], "\(path).secret")
        secretFile = try NotificationSettings.string(o["secret_file"], "\(path).secret_file")
        events = try NotificationSettings.events(o["events"], "\(path).events")
    }
}

extension NotificationSettings.Email {
    init(json: JSONValue, path: String) throws(AccordError) {
        guard let o = json.objectValue else { throw NotificationSettings.wrong(path, "an object with command, to and from") }
        try NotificationSettings.refuseUnknown(o, known: ["command", "to", "from", "events"], in: path)
        guard let command = try NotificationSettings.string(o["command"], "\(path).command") else {
            throw AccordError(.configuration, "\(path).command is missing: a sendmail-compatible command, like /usr/sbin/sendmail -t -i")
        }
        self.command = command
        if let single = o["to"]?.stringValue {
            to = [single]
        } else {
            to = try (NotificationSettings.array(o["to"], "\(path).to") ?? []).map { v throws(AccordError) in
                guard let s = v.stringValue else { throw NotificationSettings.wrong("\(path).to", "an address or an array of addresses") }
                return s
            }
        }
        guard let from = try NotificationSettings.string(o["from"], "\(path).from") else {
            throw AccordError(.configuration, "\(path).from is missing: the sender's address")
        }
        self.from = from
        events = try NotificationSettings.events(o["events"], "\(path).events")
    }
}

// MARK: Checks

extension NotificationSettings {
    public func validate() throws(AccordError) {
        for (i, w) in webhooks.enumerated() {
            let path = "notifications.webhooks[\(i)]"
            guard let u = URL(string: w.url), u.scheme == "https" || u.scheme == "http", u.host?.isEmpty == false else {
                throw AccordError(.configuration, "\(path).url must be an http(s) URL, like https://hooks.example.org/accord")
            }
            guard (w.secret == nil) != (w.secretFile == nil) else {
                throw AccordError(.configuration, "\(path) needs exactly one of secret and secret_file (the HMAC key receivers verify with)")
            }
            if let s = w.secret, s.utf8.count < 16 {
                throw AccordError(.configuration, "\(path).secret must be at least 16 bytes")
            }
            if webhooks[..<i].contains(where: { $0.url == w.url }) {
                throw AccordError(.configuration, "\(path).url is listed twice")
            }
        }
        if let e = email {
            guard let program = e.arguments.first, program.hasPrefix("/") else {
                throw AccordError(.configuration, "notifications.email.command must start with the program's absolute path, like /usr/sbin/sendmail -t -i")
            }
            guard !e.to.isEmpty else { throw AccordError(.configuration, "notifications.email.to names at least one address") }
            for address in e.to + [e.from] where !Self.isPlainAddress(address) {
                throw AccordError(.configuration, "notifications.email: \"\(address)\" is not a plain e-mail address (local@domain)")
            }
        }
        guard (1...100).contains(maxAttempts) else { throw AccordError(.configuration, "notifications.max_attempts must be 1–100") }
        guard retryInitialSeconds > 0, retryMaxSeconds >= retryInitialSeconds else {
            throw AccordError(.configuration, "notifications.retry_initial_s must be positive and at most retry_max_s")
        }
        guard (1...10_080).contains(deadlineWarningMinutes) else {
            throw AccordError(.configuration, "notifications.deadline_warning_minutes must be 1–10080")
        }
        guard (1...300).contains(timeoutSeconds) else { throw AccordError(.configuration, "notifications.timeout_s must be 1–300") }
        if let c = consoleURL {
            guard let u = URL(string: c), u.scheme == "https" || u.scheme == "http", u.host?.isEmpty == false else {
                throw AccordError(.configuration, "notifications.console_url must be an http(s) URL")
            }
        }
    }

    /// `local@domain` of printable ASCII without spaces, angle brackets or line breaks, so it can go into a header as is.
    static func isPlainAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), s.utf8.count <= 254 else { return false }
        return s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\"") }
    }

    /// The HMAC key of `webhook`, read from its file (refused if others can read it) or inline.
    public func secret(of webhook: Webhook, directory: DataDirectory?) throws(AccordError) -> [UInt8] {
        guard let file = webhook.secretFile else { return Array((webhook.secret ?? "").utf8) }
        let base = directory?.url ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let path = file.hasPrefix("/") ? file : base.appendingPathComponent(file).path
        let key = "notifications.webhooks[\(webhooks.firstIndex(of: webhook) ?? 0)].secret_file"
        var info = stat()
        guard stat(path, &info) == 0 else { throw AccordError(.configuration, "\(key): \(path) does not exist") }
        guard info.st_mode & 0o077 == 0 else { throw AccordError(.configuration, "\(key): \(path) is readable by others; run chmod 600 on it") }
        guard let data = FileManager.default.contents(atPath: path) else { throw AccordError(.configuration, "\(key): cannot read \(path)") }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        guard bytes.count >= 16 else { throw AccordError(.configuration, "\(key): the secret in \(path) must be at least 16 bytes") }
        return bytes
    }

    /// Checks, when the node opens, that every webhook's secret can be read and is kept private.
    public func checkSecrets(directory: DataDirectory?) throws(AccordError) {
        for w in webhooks { _ = try secret(of: w, directory: directory) }
        if webhooks.contains(where: { $0.secret != nil }), let directory {
            var info = stat()
            if stat(directory.configURL.path, &info) == 0, info.st_mode & 0o077 != 0 {
                throw AccordError(.configuration, "notifications.webhooks: an inline secret is in \(directory.configURL.path), which others can read; run chmod 600 on it or use secret_file")
            }
        }
    }
}
