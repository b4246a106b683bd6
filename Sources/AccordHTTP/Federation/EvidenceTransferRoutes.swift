import AccordConsole
import AccordCore
import AccordEvidence
import AccordNode
import Foundation
import Hummingbird
import NIOCore

/// The route a case's parties fetch an evidence file from, on its author's node
/// (docs/protocol.md §12.3): `GET /federation/v1/evidence/{id}/chunks/{first}` answers the
/// encrypted file from chunk `first` to its end, streamed from disk. The request is signed
/// like every federation request; only the nodes the attachment was addressed to get an answer
/// other than 404.
enum EvidenceTransferRoutes {
    static let prefix = EvidenceTransferPath.prefix

    static func add(to router: Router<AccordRequestContext>, node: Node, limiter: PeerRateLimiter) {
        router.get(RouterPath(prefix + "/:id/chunks/:first")) { request, context -> Response in
            let (peer, _) = try await SignedRequest.authenticate(request, node: node, limiter: limiter)
            guard let id = context.parameters.get("id").flatMap(EventID.init(hex:)) else {
                throw AccordError(.malformed, "an evidence id is 64 lowercase hex digits")
            }
            guard let first = context.parameters.get("first").flatMap(Int64.init), first >= 0 else {
                throw AccordError(.malformed, "the first chunk is a chunk number")
            }
            let served = try await node.servedEvidence(id, to: peer.name, fromChunk: first)
            guard let handle = FileHandle(forReadingAtPath: served.path) else { throw AccordError(.storage, "cannot read the encrypted copy") }
            do { try handle.seek(toOffset: UInt64(served.offset)) } catch { throw AccordError(.storage, "cannot read the encrypted copy: \(error)") }
            let complete = served.offset + served.length == served.metadata.encryption.ciphertextSize
            let body = FileChunks(handle: handle, length: served.length) {
                // The last byte has gone to the connection: the file was sent.
                guard complete else { return }
                Task { await node.recordCustodyLogged(EvidenceCustody(evidence: id, action: .sent, peer: peer.name, bytes: served.length)) }
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            headers[.contentLength] = String(served.length)
            return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: body))
        }
    }
}
