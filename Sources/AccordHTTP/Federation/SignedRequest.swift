import AccordCore
import AccordNode
import AccordStore
import Hummingbird

/// Authenticates a node-to-node request (RFC 9421 message signature by a pinned peer, §7).
///
/// The signature headers are checked first (label, components, time window, recipient, a
/// pinned keyid), so an unsigned, stale or misaddressed request, or one from a node this node
/// has not pinned, is refused before a byte of its body is read; only then is the body read,
/// up to the node's limit, and the digest and signature checked.
enum SignedRequest {
    /// Returns the authenticated sender and the request body.
    static func authenticate(_ request: Request, node: Node, limiter: PeerRateLimiter) async throws -> (peer: Peer, body: [UInt8]) {
        let claim = try MessageSignature.inspect(header: { request.header($0) }, recipient: node.name, now: node.time.now())
        // `inspect` has checked that the keyid is a node name.
        guard let peer = try await node.store.peer(named: claim.keyid) else {
            throw AccordError(.unknownPeer, "\(claim.keyid) is not a pinned peer of \(node.name)")
        }
        // Counted against the name the headers claim: a forger can only spend that peer's
        // budget for requests that are then refused, never read a body beyond it.
        try limiter.admit(peer.name)
        let body = try await request.bodyBytes(limit: node.configuration.maxBodyBytes, budget: node.bodyBudget)
        let parts = MessageSignature.RequestParts(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
            authority: request.head.authority, header: { request.header($0) })
        _ = try MessageSignature.verify(claim, request: parts, body: body, key: peer.signingKey)
        return (peer, body)
    }

    /// As `authenticate`, returning the sender's name.
    static func verify(_ request: Request, node: Node, limiter: PeerRateLimiter) async throws -> (sender: String, body: [UInt8]) {
        let (peer, body) = try await authenticate(request, node: node, limiter: limiter)
        return (peer.name, body)
    }
}
