import AccordCore
import AccordStore
import Crypto
import Foundation

/// A node's data directory: `accord.json`, `keys/` (0700, files 0600) and `accord.sqlite`.
public struct DataDirectory: Sendable {
    public let url: URL

    public init(_ path: String) {
        url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public var configURL: URL { url.appendingPathComponent("accord.json") }
    public var keysURL: URL { url.appendingPathComponent("keys", isDirectory: true) }
    public var signingKeyURL: URL { keysURL.appendingPathComponent("signing.key") }
    public var encryptionKeyURL: URL { keysURL.appendingPathComponent("encryption.key") }
    public var databasePath: String { url.appendingPathComponent("accord.sqlite").path }

    public var exists: Bool { FileManager.default.fileExists(atPath: configURL.path) }

    /// Creates a new node: keys, configuration, database and its signed profile.
    public func create(configuration: NodeConfiguration, time: any TimeSource = SystemTime()) async throws -> NodeKeys {
        try configuration.validate()
        let fm = FileManager.default
        if fm.fileExists(atPath: configURL.path) || fm.fileExists(atPath: signingKeyURL.path) {
            throw AccordError(.conflict, "\(url.path) already holds a node; choose another directory")
        }
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.createDirectory(at: keysURL, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // createDirectory leaves an existing directory's mode as it was: tighten it.
            for dir in [url, keysURL] where chmod(dir.path, 0o700) != 0 {
                throw AccordError(.configuration, "cannot make \(dir.path) owner-only (chmod 700)")
            }
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.configuration, "cannot create \(url.path): \(error.localizedDescription)")
        }
        let keys = NodeKeys.generate()
        try Self.writeSecret(keys.signing.rawRepresentation, to: signingKeyURL)
        try Self.writeSecret(keys.encryption.rawRepresentation, to: encryptionKeyURL)
        try Self.writeAtomically(configuration.encoded(), to: configURL, permissions: 0o600)
        let store = try SQLiteStore(path: databasePath)
        let profile = Profile.event(configuration: configuration, keys: keys, time: time.now())
        _ = try await store.commitAuthored(profile, caseState: nil, now: time.now())
        try await store.setMetadata(Profile.metadataKey, profile.id.hex)
        return keys
    }

    public func loadConfiguration() throws(AccordError) -> NodeConfiguration {
        try requireNode()
        return try NodeConfiguration.load(from: configURL)
    }

    /// Refuses a directory that holds no node, saying how to make one or point at one.
    public func requireNode() throws(AccordError) {
        guard exists else {
            throw AccordError(
                .configuration,
                "there is no Accord node in \(url.path) (no accord.json there): create one with 'accord init --name NAME --data \(url.path)', or name an existing one with --data DIR or ACCORD_DATA")
        }
    }

    public func saveConfiguration(_ configuration: NodeConfiguration) throws {
        try configuration.validate()
        try Self.writeAtomically(configuration.encoded(), to: configURL, permissions: 0o600)
    }

    public func loadKeys() throws(AccordError) -> NodeKeys {
        do {
            return NodeKeys(
                signing: try Curve25519.Signing.PrivateKey(rawRepresentation: Self.readSecret(signingKeyURL)),
                encryption: try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Self.readSecret(encryptionKeyURL)))
        } catch let e as AccordError {
            throw e
        } catch {
            throw AccordError(.configuration, "a key file in \(keysURL.path) is damaged")
        }
    }

    /// Reads a base64 key file, refusing one that others can read.
    static func readSecret(_ u: URL) throws(AccordError) -> Data {
        var info = stat()
        guard stat(u.path, &info) == 0 else { throw AccordError(.configuration, "missing key file \(u.path)") }
        guard info.st_mode & 0o077 == 0 else {
            throw AccordError(.configuration, "\(u.path) is readable by others; run chmod 600 on it")
        }
        guard let d = FileManager.default.contents(atPath: u.path),
            let text = String(data: d, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            let raw = Encoding.unbase64(text)
        else { throw AccordError(.configuration, "\(u.path) is not a base64 key file") }
        return Data(raw)
    }

    public func openStore() throws -> SQLiteStore {
        try requireNode()
        return try SQLiteStore(path: databasePath)
    }

    static func writeSecret(_ raw: Data, to url: URL) throws {
        try writeAtomically(Data((Encoding.base64(raw) + "\n").utf8), to: url, permissions: 0o600)
    }

    /// Writes to a temporary file with `permissions` from the start, then renames it into place.
    static func writeAtomically(_ data: Data, to url: URL, permissions: mode_t) throws {
        let tmp = url.path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL, permissions)
        guard fd >= 0 else { throw AccordError(.configuration, "cannot write \(url.path)") }
        defer { close(fd) }
        let ok = data.withUnsafeBytes { buf in Foundation.write(fd, buf.baseAddress, buf.count) == buf.count }
        guard ok, fsync(fd) == 0, rename(tmp, url.path) == 0 else {
            unlink(tmp)
            throw AccordError(.configuration, "cannot write \(url.path)")
        }
    }
}
