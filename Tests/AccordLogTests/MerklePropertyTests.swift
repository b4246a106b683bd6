import AccordCore
import Testing
@testable import AccordLog

/// Random trees of 1…5,000 leaves (seeded): the store-backed functions agree with a literal
/// RFC 9162 reference, their proofs verify, and corrupted proofs do not.
@Suite struct MerklePropertyTests {
    static let maxSize = 5000

    static let leaves: [[UInt8]] = {
        var rng = SeededRNG(seed: 0xACC0_4D10)
        return (0..<maxSize).map { _ in Merkle.leafHash(rng.bytes(Int.random(in: 0...48, using: &rng))) }
    }()

    /// One tree of all the leaves: the functions only read nodes inside the size they are given,
    /// so it serves every smaller size too.
    static let tree = try! InMemoryMerkleNodes(leafHashes: leaves)

    /// 1, 2, 3, every power of two and its neighbours up to 4096, 4999, 5000 and a few seeded
    /// random sizes.
    static let sizes: [Int] = {
        var s: Set<Int> = [1, 2, 3, 4999, 5000]
        for k in 2...12 { s.formUnion([(1 << k) - 1, 1 << k, (1 << k) + 1]) }
        var rng = SeededRNG(seed: 7)
        for _ in 0..<8 { s.insert(Int.random(in: 4...maxSize, using: &rng)) }
        return s.sorted()
    }()

    static func ceilLog2(_ n: Int) -> Int { n <= 1 ? 0 : 64 - (n - 1).leadingZeroBitCount }

    static func flipOneBit(_ proof: [[UInt8]], at i: Int, rng: inout SeededRNG) -> [[UInt8]] {
        var p = proof
        p[i][Int.random(in: 0..<p[i].count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
        return p
    }

    @Test func appendingLeafByLeafGivesTheReferenceRoots() throws {
        let reference = Reference(Self.leaves)
        let checkpoints = Set(Self.sizes)
        var tree = InMemoryMerkleNodes()
        #expect(tree.root == Merkle.emptyRoot)
        for (i, leaf) in Self.leaves.enumerated() {
            // (A scope of its own, so the reader's copy of the tree is gone before appending.)
            try {
                let reader = CountingReader(tree)
                let nodes = try Merkle.nodesToAppend(leafHash: leaf, at: Int64(i), reader: reader)
                // The leaf plus one parent per trailing one bit of its index, each read once.
                #expect(nodes.count == 1 + (~i).trailingZeroBitCount)
                #expect(reader.reads == nodes.count - 1)
                #expect(nodes.first?.level == 0 && nodes.first?.hash == leaf)
            }()
            try tree.append(leafHash: leaf)
            if checkpoints.contains(i + 1) {
                #expect(tree.size == Int64(i + 1))
                #expect(tree.root == reference.root(i + 1), "size \(i + 1)")
            }
        }
    }

    @Test(arguments: sizes)
    func rootMatchesReference(_ n: Int) throws {
        let reference = Reference(Self.leaves)
        let reader = CountingReader(Self.tree)
        #expect(try Merkle.root(size: Int64(n), reader: reader) == reference.root(n))
        #expect(reader.reads == n.nonzeroBitCount)
    }

    @Test(arguments: sizes)
    func inclusionProofs(_ n: Int) throws {
        let reference = Reference(Self.leaves)
        var rng = SeededRNG(seed: UInt64(n))
        var indices: Set<Int> = [0, 1, n / 2, n - 2, n - 1]
        for _ in 0..<3 { indices.insert(Int.random(in: 0..<n, using: &rng)) }
        let size = Int64(n)
        let root = reference.root(n)
        for i in indices.sorted() where i >= 0 && i < n {
            let index = Int64(i)
            let leaf = Self.leaves[i]
            let reader = CountingReader(Self.tree)
            let proof = try Merkle.inclusionProof(index: index, size: size, reader: reader)
            #expect(proof == reference.path(i, n), "PATH(\(i), D[\(n)])")
            #expect(reader.reads <= 2 * Self.ceilLog2(n), "\(reader.reads) reads for PATH(\(i), D[\(n)])")
            #expect(proofFailure { () throws(AccordError) in
                try Merkle.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)
            } == nil)

            func rejects(_ what: String, leaf: [UInt8] = leaf, index: Int64 = index, size: Int64 = size,
                         proof: [[UInt8]] = proof, root: [UInt8] = root) {
                let failure = proofFailure { () throws(AccordError) in
                    try Merkle.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)
                }
                #expect(failure != nil && failure?.hasPrefix("wrong code") == false, "\(what) for leaf \(i) of \(n): \(failure ?? "verified")")
            }
            for j in proof.indices { rejects("bit flip in hash \(j)", proof: Self.flipOneBit(proof, at: j, rng: &rng)) }
            for other in [index - 1, index + 1, index ^ 1, index ^ 2, size] where other != index {
                rejects("index \(other)", index: other)
            }
            rejects("another leaf", leaf: Self.leaves[(i + 1) % Self.maxSize])
            rejects("size \(2 * n)", size: 2 * size)
            if i < n / 2 { rejects("size \(n / 2)", size: size / 2) }
            if n + 1 <= Self.maxSize { rejects("size \(n + 1) with its root", size: size + 1, root: reference.root(n + 1)) }
            if i < n - 1 { rejects("size \(n - 1) with its root", size: size - 1, root: reference.root(n - 1)) }
            if !proof.isEmpty { rejects("truncated proof", proof: Array(proof.dropLast())) }
            rejects("extra hash", proof: proof + [root])
            rejects("another root", root: reference.root(n == 1 ? 2 : n - 1))
        }
    }

    @Test(arguments: sizes)
    func consistencyProofs(_ n: Int) throws {
        let reference = Reference(Self.leaves)
        var rng = SeededRNG(seed: UInt64(n) &* 31)
        var olds: Set<Int> = [1, 2, 3, n / 2, n - 1, n]
        var p = 4
        while p < n {
            olds.insert(p)
            p <<= 1
        }
        for _ in 0..<3 { olds.insert(Int.random(in: 1...n, using: &rng)) }
        let newSize = Int64(n)
        let newRoot = reference.root(n)
        for m in olds.sorted() where m >= 1 && m <= n {
            let oldSize = Int64(m)
            let oldRoot = reference.root(m)
            let reader = CountingReader(Self.tree)
            let proof = try Merkle.consistencyProof(from: oldSize, to: newSize, reader: reader)
            #expect(proof == (m == n ? [] : reference.proof(m, n)), "PROOF(\(m), D[\(n)])")
            #expect(reader.reads <= 2 * Self.ceilLog2(n) + 1, "\(reader.reads) reads for PROOF(\(m), D[\(n)])")
            #expect(proofFailure { () throws(AccordError) in
                try Merkle.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
            } == nil)

            func rejects(_ what: String, old: Int64 = oldSize, new: Int64 = newSize, oldRoot: [UInt8] = oldRoot,
                         newRoot: [UInt8] = newRoot, proof: [[UInt8]] = proof) {
                let failure = proofFailure { () throws(AccordError) in
                    try Merkle.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
                }
                #expect(failure != nil && failure?.hasPrefix("wrong code") == false, "\(what) for \(m)→\(n): \(failure ?? "verified")")
            }
            for j in proof.indices { rejects("bit flip in hash \(j)", proof: Self.flipOneBit(proof, at: j, rng: &rng)) }
            if m > 1 { rejects("old size \(m - 1) with its root", old: oldSize - 1, oldRoot: reference.root(m - 1)) }
            if m < n { rejects("old size \(m + 1) with its root", old: oldSize + 1, oldRoot: reference.root(m + 1)) }
            if n + 1 <= Self.maxSize { rejects("new size \(n + 1) with its root", new: newSize + 1, newRoot: reference.root(n + 1)) }
            if n - 1 >= m { rejects("new size \(n - 1) with its root", new: newSize - 1, newRoot: reference.root(n - 1)) }
            rejects("new size \(2 * n)", new: 2 * newSize)
            rejects("new size \(n / 2)", new: newSize / 2)
            if m != n {
                rejects("swapped roots", oldRoot: newRoot, newRoot: oldRoot)
                rejects("empty proof", proof: [])
                rejects("truncated proof", proof: Array(proof.dropLast()))
                rejects("another old root", oldRoot: reference.root(m == 1 ? 2 : m - 1))
            }
            rejects("another new root", newRoot: reference.root(n == 1 ? 2 : n - 1))
            rejects("extra hash", proof: proof + [newRoot])
        }
    }
}
