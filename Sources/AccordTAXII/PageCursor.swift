import Foundation
import AccordCore
import AccordStore
import Crypto

/// TAXII's `next`: a stateless cursor, MACed with the node's cursor key (HMAC-SHA256) and bound
/// to the collection, the endpoint and the filters. Any replica holding the key continues a
/// listing, across restarts; a changed, truncated or foreign cursor is refused with 400.
///
/// Form: base64url(`1` ‖ position (8 bytes, big-endian µs) ‖ HMAC(key, `1` ‖ position ‖ SHA-256(binding))[0..<16]).
public struct PageCursor: Sendable {
    let key: SymmetricKey

    public init(key: [UInt8]) { self.key = SymmetricKey(data: key) }

    /// The `date_added` after which the next page starts.
    public func make(position: MicroTime, binding: String) -> String {
        let head = Self.head(position)
        return Encoding.base64url(head + mac(head, binding))
    }

    /// The position in `cursor`, if this node made it for `binding`.
    public func position(_ cursor: String, binding: String) throws(AccordError) -> MicroTime {
        guard let bytes = Encoding.unbase64url(cursor), bytes.count == 25, bytes[0] == 1 else {
            throw AccordError(.invalidField, "next is not a cursor this server gave", field: "next")
        }
        let head = Array(bytes[0..<9])
        let tag = Array(bytes[9...])
        let expected = mac(head, binding)
        var diff: UInt8 = 0
        for (a, b) in zip(tag, expected) { diff |= a ^ b }
        guard diff == 0 else {
            throw AccordError(.invalidField, "next was not given by this server for this collection and these filters; start again without it", field: "next")
        }
        return head[1...].reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    func mac(_ head: [UInt8], _ binding: String) -> [UInt8] {
        var h = HMAC<SHA256>(key: key)
        h.update(data: head)
        h.update(data: Array(SHA256.hash(data: Array(binding.utf8))))
        return Array(Array(h.finalize()).prefix(16))
    }

    static func head(_ position: MicroTime) -> [UInt8] {
        [1] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: position >> ($0 * 8)) }
    }
}
