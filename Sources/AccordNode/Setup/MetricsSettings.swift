import AccordCore
import Foundation

/// Who may scrape `GET /metrics` (`metrics` in accord.json; docs/operations.md, "Metrics").
/// Every key is optional; a file without the section serves metrics to loopback only.
///
/// A request is let in when it comes from an address in `allow`, or when it carries
/// `Authorization: Bearer <token>` with the configured token (from any address). The token is
/// a secret: inline (`token`, accord.json must then be 0600) or in a file (`token_file`, 0600),
/// never logged.
public struct MetricsSettings: Sendable, Codable, Equatable {
    /// false: there is no `/metrics` route (404).
    public var enabled: Bool
    /// The bearer token inline, or nil.
    public var token: String?
    /// A file holding the bearer token (0600), relative to the data directory, or nil.
    public var tokenFile: String?
    /// Addresses and networks (CIDR) that may scrape without a token.
    public var allow: [String]

    public static let loopback = ["127.0.0.1/32", "::1/128"]

    public init(enabled: Bool = true, token: String? = nil, tokenFile: String? = nil, allow: [String] = MetricsSettings.loopback) {
        self.enabled = enabled
        self.token = token
        self.tokenFile = tokenFile
        self.allow = allow
    }

    enum CodingKeys: String, CodingKey {
        case enabled, token, allow
        case tokenFile = "token_file"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MetricsSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        token = try c.decodeIfPresent(String.self, forKey: .token)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        allow = try c.decodeIfPresent([String].self, forKey: .allow) ?? d.allow
    }

    /// The allowed networks, parsed (validated at start-up).
    public var allowedNetworks: [IPNetwork] { allow.compactMap(IPNetwork.init) }

    func validate() throws(AccordError) {
        for (i, entry) in allow.enumerated() where IPNetwork(entry) == nil {
            throw AccordError(.configuration, "metrics.allow[\(i)] \"\(entry)\" is not an address or network like 127.0.0.1/32 or ::1/128", field: "metrics.allow[\(i)]")
        }
        if token != nil && tokenFile != nil {
            throw AccordError(.configuration, "metrics takes at most one of token and token_file", field: "metrics.token")
        }
        if let t = token, t.utf8.count < 16 {
            throw AccordError(.configuration, "metrics.token must be at least 16 bytes", field: "metrics.token")
        }
    }

    /// The bearer token scrapers may present, read from its file (refused if others can read it)
    /// or inline; nil when none is configured.
    public func bearerToken(directory: DataDirectory?) throws(AccordError) -> [UInt8]? {
        guard let file = tokenFile else { return token.map { Array($0.utf8) } }
        let base = directory?.url ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let path = file.hasPrefix("/") ? file : base.appendingPathComponent(file).path
        var info = stat()
        guard stat(path, &info) == 0 else { throw AccordError(.configuration, "metrics.token_file: \(path) does not exist", field: "metrics.token_file") }
        guard info.st_mode & 0o077 == 0 else {
            throw AccordError(.configuration, "metrics.token_file: \(path) is readable by others; run chmod 600 on it", field: "metrics.token_file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AccordError(.configuration, "metrics.token_file: cannot read \(path)", field: "metrics.token_file")
        }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        guard bytes.count >= 16 else {
            throw AccordError(.configuration, "metrics.token_file: the token in \(path) must be at least 16 bytes", field: "metrics.token_file")
        }
        return bytes
    }

    /// Checks, when the node opens, that the token can be read and is kept private.
    public func checkSecrets(directory: DataDirectory?) throws(AccordError) {
        _ = try bearerToken(directory: directory)
        if token != nil, let directory {
            var info = stat()
            if stat(directory.configURL.path, &info) == 0, info.st_mode & 0o077 != 0 {
                throw AccordError(.configuration, "metrics.token is in \(directory.configURL.path), which others can read; run chmod 600 on it or use token_file", field: "metrics.token")
            }
        }
    }
}

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a
/// network of one. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) match as IPv4.
public struct IPNetwork: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = Self.parse(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII), let p = Int(parts[1]), (0...bits).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = bits
        }
        bytes = address
    }

    /// Whether `address` (as a socket reports it) lies in this network.
    public func contains(_ address: String) -> Bool {
        guard let a = Self.parse(address), a.count == bytes.count else { return false }
        var left = prefix
        for i in 0..<bytes.count where left > 0 {
            let take = min(8, left)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a[i] & mask != bytes[i] & mask { return false }
            left -= take
        }
        return true
    }

    /// 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; nil for anything else.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let b = withUnsafeBytes(of: &v6) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Array(b[12...]) }
        return b
    }
}
