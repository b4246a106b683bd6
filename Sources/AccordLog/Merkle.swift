import AccordCore
import Crypto

/// RFC 9162 Merkle tree hashing (§2.1.1), and the namespace for tree and proof functions.
///
/// Leaves are hashed as SHA-256(0x00 ‖ data) and interior nodes as SHA-256(0x01 ‖ left ‖ right),
/// so a leaf can never be passed off as a node. The empty tree's root is SHA-256 of nothing.
public enum Merkle {
    /// The size in bytes of every hash in the tree.
    public static let hashSize = 32

    /// The root of the tree with no leaves: SHA-256("") = e3b0c442…b855.
    public static let emptyRoot: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    /// The hash of one leaf: SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    /// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }
}

extension AccordError.Code {
    /// A Merkle inclusion or consistency proof did not verify, or was malformed.
    public static let badProof = AccordError.Code(rawValue: "bad_proof")
}
