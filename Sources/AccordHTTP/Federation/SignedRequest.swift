import AccordCore
import AccordNode
import Hummingbird

/// Authenticates a node-to-node request (RFC 9421 message signature by a pinned peer, §7),
/// for every federation route that is not batch delivery.
enum SignedRequest {
    /// Reads the body and verifies the request's signature; returns the sender's name and the body.
    static func verify(_ request: Request, node: Node) async throws -> (sender: String, body: [UInt8]) {
        let body = try await request.bodyBytes(limit: node.configuration.maxBodyBytes)
        // Peer keys are read before verifying; a lookup cannot run async inside the verifier.
        let keyid = FederationRoutes.keyid(request)
        let pinned = try await keyid.asyncMap { try await node.store.peer(named: $0)?.signingKey } ?? nil
        let sender = try MessageSignature.verify(
            method: request.method.rawValue, path: request.uri.path, body: body, header: { request.header($0) },
            recipient: node.name, now: node.time.now(), key: { $0 == keyid ? pinned : nil })
        return (sender, body)
    }
}
