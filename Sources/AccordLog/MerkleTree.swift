import AccordCore

/// Where the hashes of a log's perfect subtrees are kept (a database table, or memory).
///
/// `node(level:index:)` returns the hash of the perfect subtree of 2^level leaves covering
/// leaves [index·2^level, (index+1)·2^level); level 0 holds the leaf hashes. Such a node never
/// changes once all its leaves exist, so the tree functions below only ever ask for complete
/// nodes, and never hold the whole tree in memory.
public protocol MerkleNodeReader {
    func node(level: Int, index: Int64) throws -> [UInt8]
}

/// One perfect-subtree hash to store: see `Merkle.nodesToAppend`.
public typealias MerkleNode = (level: Int, index: Int64, hash: [UInt8])

extension Merkle {
    /// The nodes that become complete when the leaf at `index` is appended: the leaf itself
    /// (level 0) and each parent it completes, lowest first.
    ///
    /// Store them in the same transaction as the leaf. Only nodes of earlier leaves are read
    /// (the left siblings on the way up), never the ones being written.
    public static func nodesToAppend(
        leafHash: [UInt8], at index: Int64, reader: some MerkleNodeReader
    ) throws -> [MerkleNode] {
        guard index >= 0 else { throw AccordError(.invalidField, "a leaf index must not be negative", field: "index") }
        try checkHashSize(leafHash, "the leaf hash")
        var nodes: [MerkleNode] = [(level: 0, index: index, hash: leafHash)]
        var hash = leafHash
        var level = 0
        var position = index
        // While the node is a right child, its left sibling is complete: combine them.
        while position & 1 == 1 {
            let left = try read(reader, level: level, index: position - 1)
            hash = nodeHash(left, hash)
            level += 1
            position >>= 1
            nodes.append((level: level, index: position, hash: hash))
        }
        return nodes
    }

    /// The root of the tree made of the first `size` leaves (popcount(size) node reads).
    public static func root(size: Int64, reader: some MerkleNodeReader) throws -> [UInt8] {
        guard size >= 0 else { throw AccordError(.invalidField, "a tree size must not be negative", field: "size") }
        if size == 0 { return emptyRoot }
        return try rangeHash(0, size, reader)
    }

    /// The RFC 9162 §2.1.3.1 inclusion proof (audit path) of the leaf at `index` in the tree of
    /// the first `size` leaves, lowest hash first; at most 2·log2(size) node reads.
    public static func inclusionProof(
        index: Int64, size: Int64, reader: some MerkleNodeReader
    ) throws -> [[UInt8]] {
        guard index >= 0, index < size else {
            throw AccordError(.invalidField, "leaf index \(index) is not in a tree of size \(size)", field: "index")
        }
        // PATH(m, D[start:end]): walk down from the root, collecting the sibling of the part
        // that holds the leaf; the proof lists them bottom-up.
        var siblings: [[UInt8]] = []
        var start: Int64 = 0
        var end = size
        while end - start > 1 {
            let k = largestPowerOfTwo(below: end - start)
            if index < start + k {
                siblings.append(try rangeHash(start + k, end, reader))
                end = start + k
            } else {
                siblings.append(try rangeHash(start, start + k, reader))
                start += k
            }
        }
        return siblings.reversed()
    }

    /// The RFC 9162 §2.1.4.1 consistency proof between the trees of the first `oldSize` and
    /// `newSize` leaves, lowest hash first; O(log n) node reads.
    ///
    /// Empty when `oldSize == newSize`, and when `oldSize == 0` (what tlog-witness expects
    /// from a log whose witness has seen nothing yet). Note that `verifyConsistency` rejects
    /// `oldSize == 0 < newSize`: such a "proof" proves nothing and callers handle it explicitly.
    public static func consistencyProof(
        from oldSize: Int64, to newSize: Int64, reader: some MerkleNodeReader
    ) throws -> [[UInt8]] {
        guard oldSize >= 0, oldSize <= newSize else {
            throw AccordError(.invalidField, "cannot prove consistency from size \(oldSize) to size \(newSize)", field: "from")
        }
        if oldSize == 0 || oldSize == newSize { return [] }
        // SUBPROOF(m, D[start:end], b), walked from the root down. The proof is the final
        // subtree (unless it is the old tree itself) followed by the siblings, bottom-up.
        var items: [[UInt8]] = []
        var start: Int64 = 0
        var end = newSize
        var m = oldSize
        var wholeOldTree = true
        while true {
            if m == end - start {
                if !wholeOldTree { items.append(try rangeHash(start, end, reader)) }
                break
            }
            let k = largestPowerOfTwo(below: end - start)
            if m <= k {
                items.append(try rangeHash(start + k, end, reader))
                end = start + k
            } else {
                items.append(try rangeHash(start, start + k, reader))
                m -= k
                start += k
                wholeOldTree = false
            }
        }
        // The final subtree (if any) was appended last: reversing puts it first and the
        // siblings in bottom-up order.
        return items.reversed()
    }

    // MARK: - Internals

    /// MTH(D[start:end]) for a range that RFC 9162's recursion produces (start is a multiple
    /// of the largest power of two ≤ end − start), from the perfect subtrees of its binary
    /// decomposition: popcount(end − start) reads.
    static func rangeHash(_ start: Int64, _ end: Int64, _ reader: some MerkleNodeReader) throws -> [UInt8] {
        precondition(start < end)
        var pieces: [[UInt8]] = []
        var position = start
        while position < end {
            var level = 63 - (end - position).leadingZeroBitCount
            if position != 0 { level = min(level, position.trailingZeroBitCount) }
            pieces.append(try read(reader, level: level, index: position >> level))
            position += Int64(1) << level
        }
        var hash = pieces.removeLast()
        while let left = pieces.popLast() { hash = nodeHash(left, hash) }
        return hash
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func largestPowerOfTwo(below n: Int64) -> Int64 {
        Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    static func read(_ reader: some MerkleNodeReader, level: Int, index: Int64) throws -> [UInt8] {
        let hash = try reader.node(level: level, index: index)
        guard hash.count == hashSize else {
            throw AccordError(.storage, "the stored Merkle node at level \(level), index \(index) is \(hash.count) bytes, want \(hashSize)")
        }
        return hash
    }

    static func checkHashSize(_ hash: [UInt8], _ what: String) throws(AccordError) {
        guard hash.count == hashSize else {
            throw AccordError(.invalidField, "\(what) is \(hash.count) bytes, want \(hashSize)")
        }
    }
}
