import AccordCore
import AccordNode
import Hummingbird

/// Routes peers use: the signed profile and batch delivery.
enum FederationRoutes {
    static func add(to router: Router<BasicRequestContext>, node: Node) {
        router.get("/.well-known/accord/profile") { _, _ -> Response in
            let profile = try await node.profile()
            return JSONResponse.raw(profile.canonical)
        }

        router.post(RouterPath(Batch.path)) { request, _ -> Response in
            let body = try await request.bodyBytes(limit: node.configuration.maxBodyBytes)
            let store = node.store
            // Peer keys are read before verifying; a lookup cannot run async inside the verifier.
            let keyid = Self.keyid(request)
            let peer = try await keyid.asyncMap { try await store.peer(named: $0) } ?? nil
            _ = try MessageSignature.verify(
                method: request.method.rawValue, path: request.uri.path, body: body, header: { request.header($0) },
                recipient: node.name, now: node.time.now(), key: { $0 == keyid ? peer?.signingKey : nil })
            // verify succeeded, so keyid named a pinned peer.
            let result = try await node.receive(batch: body, from: peer!)
            return JSONResponse.raw(result)
        }
    }

    /// The keyid parameter of the request's Accord signature, before verification.
    static func keyid(_ request: Request) -> String? {
        guard let input = request.header("signature-input"), let range = input.range(of: "keyid=\"") else { return nil }
        let rest = input[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let name = String(rest[..<end])
        return NodeName.isValid(name) ? name : nil
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let w): try await transform(w)
        case .none: nil
        }
    }
}
