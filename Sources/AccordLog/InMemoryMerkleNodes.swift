import AccordCore

/// A Merkle log's perfect-subtree nodes held in memory: for tests, and for checking an
/// exported log offline (rebuild it from its leaf hashes, then compare roots and proofs).
public struct InMemoryMerkleNodes: MerkleNodeReader, Sendable {
    /// `levels[l][i]` is the hash of the perfect subtree at level l, index i.
    private var levels: [[[UInt8]]] = []

    /// The number of leaves appended so far.
    public private(set) var size: Int64 = 0

    public init() {}

    /// A tree built from these leaf hashes, in order.
    public init(leafHashes: some Sequence<[UInt8]>) throws(AccordError) {
        for hash in leafHashes { try append(leafHash: hash) }
    }

    public func node(level: Int, index: Int64) throws -> [UInt8] {
        guard level >= 0, level < levels.count, index >= 0, index < levels[level].count else {
            throw AccordError(.notFound, "no complete Merkle node at level \(level), index \(index) in a tree of size \(size)")
        }
        return levels[level][Int(index)]
    }

    /// Appends a leaf by its hash (see `Merkle.leafHash`); returns its index.
    @discardableResult
    public mutating func append(leafHash: [UInt8]) throws(AccordError) -> Int64 {
        let index = size
        let nodes: [MerkleNode]
        do {
            nodes = try Merkle.nodesToAppend(leafHash: leafHash, at: index, reader: self)
        } catch let error as AccordError {
            throw error
        } catch {
            throw AccordError(.storage, "appending to the in-memory tree failed: \(error)")
        }
        for node in nodes {
            if node.level == levels.count { levels.append([]) }
            precondition(levels[node.level].count == Int(node.index), "Merkle nodes must be appended in order")
            levels[node.level].append(node.hash)
        }
        size += 1
        return index
    }

    /// Appends a leaf by its data; returns its index.
    @discardableResult
    public mutating func append(data: [UInt8]) -> Int64 {
        // A freshly computed leaf hash is always the right size.
        try! append(leafHash: Merkle.leafHash(data))
    }

    /// The root of the whole tree.
    public var root: [UInt8] {
        // Every node the root needs is present.
        try! Merkle.root(size: size, reader: self)
    }
}
