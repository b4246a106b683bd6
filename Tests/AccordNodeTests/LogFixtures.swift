import AccordCore
import AccordHTTP
import AccordLog
import AccordNode
import AccordTestSupport
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import Testing

@testable import AccordStore

/// Helpers for the Merkle log tests: signed raw requests, checkpoints made by hand, forks.
enum LogFixtures {
    struct Reply {
        var status: Int
        var contentType: String?
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue? { try? JSONParser.parse(body) }
        var errorCode: String? { json?["error"]?["code"]?.stringValue }
    }

    /// POSTs `body` to `path` on `to`, signed (RFC 9421) as `from` unless `signed` is false.
    static func post(_ path: String, _ body: [UInt8], to: TestCluster.Member, from: TestCluster.Member, signed: Bool = true) async throws -> Reply {
        var request = HTTPClientRequest(url: to.url + path)
        request.method = .POST
        if signed {
            for (n, v) in MessageSignature.sign(method: "POST", path: path, body: body, recipient: to.name, sender: from.name, keys: from.node.keys, created: from.node.time.now()) {
                request.headers.add(name: n, value: v)
            }
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 1 << 24)
        return Reply(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// Signs a checkpoint of `member`'s log as it stands (without storing it).
    static func checkpoint(_ member: TestCluster.Member, size: Int64? = nil, keys: NodeKeys? = nil, origin: String? = nil) async throws -> SignedNote {
        let current = try await member.node.store.logSize()
        let size = size ?? current
        let root = try await member.node.store.logRoot(size: size)
        return try Checkpoint(origin: origin ?? member.name, size: size, rootHash: root).sign(keys: keys ?? member.node.keys)
    }

    static func addCheckpoint(old: Int64, proof: [[UInt8]] = [], note: SignedNote) -> [UInt8] {
        AddCheckpointRequest(oldSize: old, proof: proof, note: note).body
    }

    static func sqlite(_ member: TestCluster.Member) -> SQLiteStore { member.node.store as! SQLiteStore }

    static func randomIDs(_ n: Int) -> [EventID] {
        (0..<n).map { _ in EventID(bytes: Array(SHA256.hash(data: Array(UUID().uuidString.utf8)))) }
    }

    /// Makes `member` rewrite its log from leaf `keeping` on to a made-up history.
    static func fork(_ member: TestCluster.Member, keeping: Int64, newLeaves: Int, forgetCheckpoints: Bool = false) async throws {
        try await sqlite(member).forkLog(keeping: keeping, appending: randomIDs(newLeaves), forgetCheckpoints: forgetCheckpoints)
    }

    /// Authors `n` communication checks from `member` to `to`.
    static func author(_ member: TestCluster.Member, checks n: Int, to: [String]) async throws -> [EventID] {
        var ids: [EventID] = []
        for i in 0..<n {
            ids.append(try await member.node.open(OpenCaseRequest(kind: .check, title: "Check \(i)", to: to, fields: [:])).event.id)
        }
        return ids
    }

    /// Trusted keys as `member` has them pinned, plus its own.
    static func pinnedKeys(_ member: TestCluster.Member) async throws -> [String: PublicSigningKey] {
        var keys = Dictionary(uniqueKeysWithValues: try await member.node.store.peers().map { ($0.name, $0.signingKey) })
        keys[member.name] = member.node.keys.publicSigningKey
        return keys
    }
}
