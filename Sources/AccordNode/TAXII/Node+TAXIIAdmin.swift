import AccordCore
import AccordStore
import AccordTAXII
import Foundation

/// Configuration of the TAXII server: collections and whom they are published to, accounts and
/// their rights. The operator API and the console both call these, so both check the same way.
extension Node {
    /// Adds a local collection, published to `shareTo` (and its TLP:RED objects to `redTo`),
    /// each a pinned peer.
    public func addTAXIICollection(title: String, description: String?, shareTo: [String], redTo: [String]) async throws -> TAXIICollection {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(title.count) else { throw AccordError(.invalidField, "title is 1–200 characters", field: "title") }
        let description = description?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let d = description, d.count > 2000 { throw AccordError(.invalidField, "description is at most 2000 characters", field: "description") }
        let c = TAXIICollection(
            id: UUID().uuidString.lowercased(), title: title, description: description?.isEmpty == true ? nil : description,
            shareTo: try await pinnedPeers(shareTo, field: "share_to"), redTo: try await pinnedPeers(redTo, field: "red_to"), createdAt: time.now())
        try await store.saveCollection(c)
        logger.info("TAXII collection added", metadata: ["collection": "\(c.id)", "share_to": "\(c.shareTo.joined(separator: ","))"])
        return c
    }

    /// Publishes a local collection to other peers (none: it is no longer published).
    public func setTAXIISharing(_ id: String, shareTo: [String], redTo: [String]) async throws -> TAXIICollection {
        guard var c = try await store.collection(id) else { throw AccordError(.notFound, "no TAXII collection with this id") }
        if let peer = c.inboundPeer {
            throw AccordError(
                .invalidField, "collection \(id) holds what \(peer) shared: it cannot be published; post objects to a collection of this node's (TLP then decides what goes on)",
                field: "share_to")
        }
        c.shareTo = try await pinnedPeers(shareTo, field: "share_to")
        c.redTo = try await pinnedPeers(redTo, field: "red_to")
        try await store.saveCollection(c)
        logger.info("TAXII collection sharing changed", metadata: ["collection": "\(c.id)", "share_to": "\(c.shareTo.joined(separator: ","))"])
        return c
    }

    /// Adds an account with a bearer token (returned this once; the node keeps its SHA-256) and,
    /// with `password`, HTTP Basic (kept as PBKDF2).
    public func addTAXIIAccount(name: String, password: String?) async throws -> String {
        guard Self.isTAXIIAccountName(name) else {
            throw AccordError(.invalidField, "an account name is 1–64 characters of a–z, A–Z, 0–9, '.', '_', '-' or '@'", field: "name")
        }
        guard try await store.account(named: name) == nil else { throw AccordError(.conflict, "a TAXII account named \(name) exists", field: "name") }
        var hash: String? = nil
        if let password {
            guard (12...1024).contains(password.count) else { throw AccordError(.invalidField, "a password is 12–1024 characters", field: "password") }
            hash = try PasswordHash.make(password)
        }
        let (token, tokenHash) = TAXIITokens.make()
        try await store.saveAccount(TAXIIAccount(name: name, passwordHash: hash, tokenHash: tokenHash, createdAt: time.now()))
        logger.info("TAXII account added", metadata: ["account": "\(name)", "basic": "\(hash != nil)"])
        return token
    }

    public func deleteTAXIIAccount(_ name: String) async throws {
        guard try await store.deleteAccount(named: name) else { throw AccordError(.notFound, "no TAXII account with this name") }
        logger.info("TAXII account deleted", metadata: ["account": "\(name)"])
    }

    /// Sets an account's rights on a collection (neither right: removes them). A collection a
    /// peer's shares land in takes no writers; a TLP:RED one at most one reader.
    public func setTAXIIRight(account: String, collection: String, read: Bool, write: Bool) async throws -> TAXIIRight {
        guard try await store.account(named: account) != nil else { throw AccordError(.notFound, "no TAXII account with this name", field: "account") }
        guard let c = try await store.collection(collection) else { throw AccordError(.notFound, "no TAXII collection \(collection)", field: "collection") }
        if write, let peer = c.inboundPeer {
            throw AccordError(.invalidField, "collection \(c.id) holds what \(peer) shared: it takes no writers", field: "write")
        }
        let right = TAXIIRight(account: account, collection: c.id, read: read, write: write)
        try await store.setRight(right)
        return right
    }

    static func isTAXIIAccountName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (0x61...0x7A).contains(c) || (0x41...0x5A).contains(c) || (0x30...0x39).contains(c) || c == 0x2E || c == 0x5F || c == 0x2D || c == 0x40
        }
    }

    /// `names` without repeats, sorted, each a pinned peer (else an error naming `field`).
    func pinnedPeers(_ names: [String], field: String) async throws -> [String] {
        var out: [String] = []
        for n in names where !out.contains(n) {
            guard try await store.peer(named: n) != nil else { throw AccordError(.invalidField, "\(n) is not a pinned peer (accord peer add)", field: field) }
            out.append(n)
        }
        return out.sorted()
    }
}
