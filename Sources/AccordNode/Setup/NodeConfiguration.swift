import AccordCore
import AccordStore
import Foundation

/// A node's configuration, kept in `accord.json` in its data directory.
///
/// Every key is documented in docs/operations.md. Secrets never live here: keys are in
/// `keys/` (0600) and operator tokens only as hashes in the database.
public struct NodeConfiguration: Sendable, Codable, Equatable {
    public var name: String
    public var listenHost: String
    /// 0 picks a free port at start-up.
    public var listenPort: Int
    /// The URL peers use to reach this node (what `peer add` is given).
    public var publicURL: String
    public var profile: ProfileInfo
    public var deadlines: DeadlinePolicy
    public var delivery: DeliverySettings
    /// Largest request body accepted from a peer or an operator, in bytes.
    public var maxBodyBytes: Int
    /// The Merkle log: checkpoints, witnessing, receipts (`log` in accord.json; absent means the defaults).
    public var log: LogSettings {
        get { logSettings ?? LogSettings() }
        set { logSettings = newValue }
    }
    var logSettings: LogSettings?
    public var limits: LimitSettings {
        get { limitSettings ?? LimitSettings() }
        set { limitSettings = newValue }
    }
    var limitSettings: LimitSettings?
    public var retention: RetentionPolicy {
        get { retentionSettings ?? RetentionPolicy() }
        set { retentionSettings = newValue }
    }
    var retentionSettings: RetentionPolicy?
    public var evidence: EvidenceSettings {
        get { evidenceSettings ?? EvidenceSettings() }
        set { evidenceSettings = newValue }
    }
    var evidenceSettings: EvidenceSettings?
    public var taxii: TAXIISettings {
        get { taxiiSettings ?? TAXIISettings() }
        set { taxiiSettings = newValue }
    }
    var taxiiSettings: TAXIISettings?
    /// Webhooks and e-mail for new incoming work (`notifications`; absent means none).
    public var notifications: NotificationSettings {
        get { notificationSettings ?? NotificationSettings() }
        set { notificationSettings = newValue }
    }
    var notificationSettings: NotificationSettings?
    /// Who may scrape `GET /metrics` (`metrics`; absent means loopback only, no token).
    public var metrics: MetricsSettings {
        get { metricsSettings ?? MetricsSettings() }
        set { metricsSettings = newValue }
    }
    var metricsSettings: MetricsSettings?
    /// Scheduled communication checks (`checks`; absent means none on a schedule).
    public var checks: CheckSettings?

    public init(name: String, listenHost: String = "127.0.0.1", listenPort: Int = 7400, publicURL: String? = nil, profile: ProfileInfo,
                deadlines: DeadlinePolicy = .standard, delivery: DeliverySettings = .init(), maxBodyBytes: Int = 8 << 20,
                log: LogSettings = .init()) {
        self.name = name
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.publicURL = publicURL ?? "http://\(listenHost):\(listenPort)"
        self.profile = profile
        self.deadlines = deadlines
        self.delivery = delivery
        self.maxBodyBytes = maxBodyBytes
        self.logSettings = log
    }

    enum CodingKeys: String, CodingKey {
        case name, profile, deadlines, delivery
        case listenHost = "listen_host"
        case listenPort = "listen_port"
        case publicURL = "public_url"
        case maxBodyBytes = "max_body_bytes"
        case logSettings = "log"
        case limitSettings = "limits"
        case retentionSettings = "retention"
        case evidenceSettings = "evidence"
        case taxiiSettings = "taxii"
        case notificationSettings = "notifications"
        case metricsSettings = "metrics"
        case checks
    }

    public func validate() throws(AccordError) {
        guard NodeName.isValid(name) else {
            throw AccordError(.configuration, "name \"\(name)\" is not a node name: use 1–63 lowercase letters, digits, '.' or '-'")
        }
        guard (0...65535).contains(listenPort) else { throw AccordError(.configuration, "listen_port must be 0–65535") }
        guard let url = URL(string: publicURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw AccordError(.configuration, "public_url must be an http(s) URL, like https://accord.example.org")
        }
        guard maxBodyBytes >= 64 * 1024 else { throw AccordError(.configuration, "max_body_bytes must be at least 65536") }
        try deadlines.validate()
        try delivery.validate()
        try log.validate()
        try limits.validate()
        try retention.validate()
        try evidence.validate()
        try taxii.validate()
        try notifications.validate()
        try metrics.validate()
        try checks?.validate()
        try profile.validate()
    }
}

/// Delivery tuning.
public struct DeliverySettings: Sendable, Codable, Equatable {
    /// Events per batch.
    public var batchSize: Int
    /// Batches sent to one peer before the first is answered (1: strictly one at a time).
    public var batchesInFlight: Int
    /// How long a receiver holds a batch whose predecessor (its `after`) it has not yet
    /// processed before refusing it with `409 out_of_order`.
    public var orderWaitMilliseconds: Int
    /// First retry delay after a failure; doubles per failure up to `retryMaxMilliseconds`.
    public var retryInitialMilliseconds: Int
    public var retryMaxMilliseconds: Int
    /// How long to wait for a peer's answer to one batch.
    public var requestTimeoutSeconds: Int

    public init(batchSize: Int = 500, batchesInFlight: Int = 2, orderWaitMilliseconds: Int = 10_000, retryInitialMilliseconds: Int = 250,
                retryMaxMilliseconds: Int = 60_000, requestTimeoutSeconds: Int = 30) {
        self.batchSize = batchSize
        self.batchesInFlight = batchesInFlight
        self.orderWaitMilliseconds = orderWaitMilliseconds
        self.retryInitialMilliseconds = retryInitialMilliseconds
        self.retryMaxMilliseconds = retryMaxMilliseconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
    }

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size"
        case batchesInFlight = "batches_in_flight"
        case orderWaitMilliseconds = "order_wait_ms"
        case retryInitialMilliseconds = "retry_initial_ms"
        case retryMaxMilliseconds = "retry_max_ms"
        case requestTimeoutSeconds = "request_timeout_s"
    }

    /// Settings written by earlier versions lack the newer keys: they take the defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DeliverySettings()
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        batchesInFlight = try c.decodeIfPresent(Int.self, forKey: .batchesInFlight) ?? d.batchesInFlight
        orderWaitMilliseconds = try c.decodeIfPresent(Int.self, forKey: .orderWaitMilliseconds) ?? d.orderWaitMilliseconds
        retryInitialMilliseconds = try c.decodeIfPresent(Int.self, forKey: .retryInitialMilliseconds) ?? d.retryInitialMilliseconds
        retryMaxMilliseconds = try c.decodeIfPresent(Int.self, forKey: .retryMaxMilliseconds) ?? d.retryMaxMilliseconds
        requestTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .requestTimeoutSeconds) ?? d.requestTimeoutSeconds
    }

    func validate() throws(AccordError) {
        guard (1...5000).contains(batchSize) else { throw AccordError(.configuration, "delivery.batch_size must be 1–5000") }
        guard (1...4).contains(batchesInFlight) else { throw AccordError(.configuration, "delivery.batches_in_flight must be 1–4") }
        guard (1...60_000).contains(orderWaitMilliseconds) else { throw AccordError(.configuration, "delivery.order_wait_ms must be 1–60000") }
        guard retryInitialMilliseconds > 0, retryMaxMilliseconds >= retryInitialMilliseconds else {
            throw AccordError(.configuration, "delivery.retry_initial_ms must be positive and at most retry_max_ms")
        }
        guard requestTimeoutSeconds > 0 else { throw AccordError(.configuration, "delivery.request_timeout_s must be positive") }
    }

    /// Capped exponential backoff after `failures` consecutive failures.
    public func backoffMilliseconds(failures: Int) -> Int {
        let shift = min(max(failures - 1, 0), 20)
        return min(retryInitialMilliseconds << shift, retryMaxMilliseconds)
    }
}

/// What a node says about itself in its signed profile.
public struct ProfileInfo: Sendable, Codable, Equatable {
    public enum ContactRole: String, Sendable, Codable, CaseIterable {
        case technical
        case diplomatic
        case lawEnforcement247 = "law_enforcement_24_7"
        case centralAuthority = "central_authority"

        /// How people read the role.
        public var title: String {
            switch self {
            case .technical: "Technical (CERT/CSIRT)"
            case .diplomatic: "Diplomatic"
            case .lawEnforcement247: "Law enforcement 24/7"
            case .centralAuthority: "Central authority (MLA)"
            }
        }
    }

    public var organisation: String
    /// ISO 3166-1 alpha-2 country code, or an organisation's code (e.g. "OSCE").
    public var country: String
    public var roles: [ContactRole]
    /// BCP 47 language tags.
    public var languages: [String]
    /// Working hours, e.g. "24/7" or "Mon-Fri 08:00-18:00 UTC+1".
    public var hours: String
    /// The IANA time zone the hours are in (`Europe/Vienna`); absent in profiles of earlier versions.
    public var timeZone: String?

    public init(organisation: String, country: String, roles: [ContactRole], languages: [String], hours: String, timeZone: String? = nil) {
        self.organisation = organisation
        self.country = country
        self.roles = roles
        self.languages = languages
        self.hours = hours
        self.timeZone = timeZone
    }

    enum CodingKeys: String, CodingKey {
        case organisation, country, roles, languages, hours
        case timeZone = "time_zone"
    }

    /// Longest organisation and hours texts, in characters.
    public static let maxText = 200
    public static let maxLanguages = 20

    /// Every problem with the profile, by member name (`organisation`, `time_zone`, …), in member order.
    public func problems() -> [(field: String, message: String)] {
        var out: [(String, String)] = []
        let org = organisation.trimmingCharacters(in: .whitespacesAndNewlines)
        if org.isEmpty { out.append(("organisation", "organisation is empty")) }
        else if org.count > Self.maxText { out.append(("organisation", "organisation is longer than \(Self.maxText) characters")) }
        if !((2...12).contains(country.count) && country.allSatisfy({ $0.isASCII && $0.isLetter && $0.isUppercase })) {
            out.append(("country", "country must be an ISO 3166 code like \"DE\" or an organisation code like \"OSCE\" (2–12 capital letters)"))
        }
        if roles.isEmpty { out.append(("roles", "roles names at least one contact role: \(ContactRole.allCases.map(\.rawValue).joined(separator: ", "))")) }
        else if Set(roles).count != roles.count { out.append(("roles", "roles lists a role twice")) }
        if languages.isEmpty { out.append(("languages", "languages names at least one language (BCP 47, like en or fr-CA)")) }
        else if languages.count > Self.maxLanguages { out.append(("languages", "languages lists more than \(Self.maxLanguages) languages")) }
        else if let bad = languages.first(where: { !Self.isLanguageTag($0) }) {
            out.append(("languages", "languages: \"\(bad)\" is not a BCP 47 language tag like en, fr or pt-BR"))
        } else if Set(languages).count != languages.count { out.append(("languages", "languages lists a language twice")) }
        let h = hours.trimmingCharacters(in: .whitespacesAndNewlines)
        if h.isEmpty { out.append(("hours", "hours is empty; say when the contact answers, e.g. 24/7 or Mon-Fri 08:00-18:00")) }
        else if h.count > Self.maxText { out.append(("hours", "hours is longer than \(Self.maxText) characters")) }
        if let timeZone, !Self.isTimeZone(timeZone) {
            out.append(("time_zone", "time_zone \"\(timeZone)\" is not an IANA time zone name like Europe/Vienna, America/New_York or UTC"))
        }
        return out
    }

    /// A BCP 47 tag in its usual shape: a 2–3 letter language, then subtags of 1–8 letters or digits.
    public static func isLanguageTag(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// An IANA zone name the system's time zone database knows (`Europe/Vienna`, `UTC`); not an
    /// abbreviation (`CET`) nor an offset (`GMT+1`), whose meaning changes with the season or the reader.
    public static func isTimeZone(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_-+".contains($0)) }) else { return false }
        if name == "UTC" { return true }
        return TimeZone.knownTimeZoneIdentifiers.contains(name)
    }

    func validate() throws(AccordError) {
        if let p = problems().first { throw AccordError(.configuration, "profile.\(p.field): \(p.message)") }
    }
}

extension NodeConfiguration {
    public static func load(from url: URL) throws(AccordError) -> NodeConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AccordError(.configuration, "cannot read \(url.path): is this an Accord data directory? (run accord init first)")
        }
        let config: NodeConfiguration
        do { config = try JSONDecoder().decode(NodeConfiguration.self, from: data) } catch let e as AccordError {
            throw AccordError(.configuration, "\(url.path): \(e.message)")
        } catch let error as DecodingError {
            throw ConfigurationErrors.describe(error, file: url.path)
        } catch {
            throw AccordError(.configuration, "\(url.path) is not a valid configuration: \(error.localizedDescription)")
        }
        try config.validate()
        return config
    }

    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! e.encode(self)
    }
}
