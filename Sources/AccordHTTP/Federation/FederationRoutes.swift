import AccordCore
import AccordNode
import Hummingbird

/// Routes peers use: the signed profile and batch delivery.
enum FederationRoutes {
    static func add(to router: Router<AccordRequestContext>, node: Node, limiter: PeerRateLimiter) {
        router.get("/.well-known/accord/profile") { _, _ -> Response in
            let profile = try await node.profile()
            return JSONResponse.raw(profile.canonical)
        }

        router.post(RouterPath(Batch.path)) { request, _ -> Response in
            let (peer, body) = try await SignedRequest.authenticate(request, node: node, limiter: limiter)
            let result = try await node.receive(batch: body, from: peer)
            return JSONResponse.raw(result)
        }
    }
}
