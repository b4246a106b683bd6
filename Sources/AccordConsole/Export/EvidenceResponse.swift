import AccordCore
import AccordEvidence
import AccordNode
import Foundation
import HTTPTypes
import Hummingbird

/// An evidence file, decrypted and streamed to a person (the operator API's `content`, the
/// console's download link), recorded in its chain of custody in that person's name: exported
/// (saved as a file) or, `inline`, opened (shown). Shown in a browser as plain bytes of its
/// declared type, never as a page of this origin.
public enum EvidenceResponse {
    public static func make(_ id: EventID, node: Node, by who: String, inline: Bool) async throws -> Response {
        let output = try node.evidenceStagingPath()
        let metadata: EvidenceMetadata
        do { metadata = try await node.exportEvidence(id, to: output, durable: false) } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
        guard let handle = FileHandle(forReadingAtPath: output) else { throw AccordError(.storage, "cannot read the decrypted file") }
        // The name stays reachable only through the open handle.
        try? FileManager.default.removeItem(atPath: output)
        let action: EvidenceCustody.Action = inline ? .opened : .exported
        let body = ResponseBody(asyncSequence: FileChunks(handle: handle) {
            Task { await node.recordCustodyLogged(EvidenceCustody(evidence: id, action: action, sha256: metadata.sha256, by: who)) }
        })
        var headers = HTTPFields()
        headers[.contentType] = metadata.mediaType
        headers[.contentLength] = String(metadata.size)
        let safeName = metadata.name.replacingOccurrences(of: "\"", with: "_").replacingOccurrences(of: "\\", with: "_")
        headers[.contentDisposition] = "\(inline ? "inline" : "attachment"); filename=\"\(safeName)\""
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "sandbox"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: body)
    }
}
