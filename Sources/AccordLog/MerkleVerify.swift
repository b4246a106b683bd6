import AccordCore

extension Merkle {
    /// Checks an RFC 9162 §2.1.3.2 inclusion proof: that the leaf with hash `leafHash` is at
    /// `index` in the tree of `size` leaves whose root is `root`.
    ///
    /// Gives the same answers as transparency-dev/merkle's `VerifyInclusion`. Throws
    /// `AccordError` with code `bad_proof`, saying what failed.
    ///
    /// The proof binds index and root; the size is bound by whatever signed the root (a
    /// checkpoint): the same hashes can prove the same leaf against the same root under
    /// another size when both sizes give the path the same shape.
    public static func verifyInclusion(
        leafHash: [UInt8], index: Int64, size: Int64, proof: [[UInt8]], root: [UInt8]
    ) throws(AccordError) {
        guard index >= 0, size >= 0 else { throw proofError("the leaf index and tree size must not be negative") }
        guard index < size else { throw proofError("leaf index \(index) is beyond the tree size \(size)") }
        guard leafHash.count == hashSize else { throw proofError("the leaf hash is \(leafHash.count) bytes, want \(hashSize)") }
        let (inner, border) = decomposeInclusionProof(index: UInt64(index), size: UInt64(size))
        guard proof.count == inner + border else {
            throw proofError("the inclusion proof has \(proof.count) hashes; a leaf at index \(index) of a tree of size \(size) needs \(inner + border)")
        }
        try checkProofHashes(proof)
        var hash = chainInner(leafHash, proof[0..<inner], index: UInt64(index))
        hash = chainBorderRight(hash, proof[inner...])
        guard hash == root else {
            throw proofError("root mismatch: the inclusion proof gives \(describe(hash)), the expected root is \(describe(root))")
        }
    }

    /// Checks an RFC 9162 §2.1.4.2 consistency proof: that the tree of `newSize` leaves with
    /// root `newRoot` extends the tree of `oldSize` leaves with root `oldRoot`.
    ///
    /// Gives the same answers as transparency-dev/merkle's `VerifyConsistency`:
    /// - `oldSize > newSize` fails;
    /// - `oldSize == 0 < newSize` fails: every tree extends the empty tree, so there is nothing
    ///   to verify (a witness accepts that case with an empty proof without calling this);
    /// - `oldSize == newSize` needs an empty proof and equal roots (for size 0, both must be
    ///   `emptyRoot`);
    /// - otherwise the proof must have exactly the RFC length and reproduce both roots.
    ///
    /// Throws `AccordError` with code `bad_proof`, saying what failed.
    public static func verifyConsistency(
        oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]
    ) throws(AccordError) {
        guard oldSize >= 0, newSize >= 0 else { throw proofError("tree sizes must not be negative") }
        guard oldSize <= newSize else { throw proofError("the new tree size \(newSize) is smaller than the old size \(oldSize)") }
        if oldSize == newSize {
            guard proof.isEmpty else {
                throw proofError("both tree sizes are \(oldSize), so the consistency proof must be empty, but it has \(proof.count) hashes")
            }
            guard oldRoot == newRoot else {
                throw proofError("both tree sizes are \(oldSize) but the roots differ: \(describe(oldRoot)) and \(describe(newRoot))")
            }
            if oldSize == 0 && oldRoot != emptyRoot {
                throw proofError("the root of the empty tree must be \(describe(emptyRoot)), not \(describe(oldRoot))")
            }
            return
        }
        guard oldSize > 0 else {
            throw proofError("a consistency proof from the empty tree (old size 0) proves nothing; handle that case without a proof")
        }
        let size1 = UInt64(oldSize)
        let size2 = UInt64(newSize)
        let (fullInner, border) = decomposeInclusionProof(index: size1 - 1, size: size2)
        let shift = size1.trailingZeroBitCount
        let inner = fullInner - shift
        // When the old tree is a perfect subtree its root is the seed; otherwise the proof starts
        // with the hash of the largest perfect subtree on the old tree's right border.
        let oldIsPerfect = size1 == UInt64(1) << shift
        let start = oldIsPerfect ? 0 : 1
        let wanted = start + inner + border
        guard !proof.isEmpty else {
            throw proofError("the consistency proof is empty; from size \(oldSize) to \(newSize) it needs \(wanted) hashes")
        }
        guard proof.count == wanted else {
            throw proofError("the consistency proof has \(proof.count) hashes; from size \(oldSize) to \(newSize) it needs \(wanted)")
        }
        try checkProofHashes(proof)
        let seed = oldIsPerfect ? oldRoot : proof[0]
        let path = proof[start...]
        let innerPath = path.prefix(inner)
        let borderPath = path.dropFirst(inner)
        let mask = (size1 - 1) >> UInt64(shift)

        var hash1 = chainInnerRight(seed, innerPath, index: mask)
        hash1 = chainBorderRight(hash1, borderPath)
        guard hash1 == oldRoot else {
            throw proofError("old root mismatch: the consistency proof gives \(describe(hash1)), the old root is \(describe(oldRoot))")
        }
        var hash2 = chainInner(seed, innerPath, index: mask)
        hash2 = chainBorderRight(hash2, borderPath)
        guard hash2 == newRoot else {
            throw proofError("new root mismatch: the consistency proof gives \(describe(hash2)), the new root is \(describe(newRoot))")
        }
    }

    // MARK: - Internals (after transparency-dev/merkle's proof/verify.go)

    /// Splits the inclusion proof of `index` in a tree of `size` into the part below the point
    /// where the paths to `index` and `size − 1` meet (inner) and the part above (border).
    static func decomposeInclusionProof(index: UInt64, size: UInt64) -> (inner: Int, border: Int) {
        let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return (inner, border)
    }

    static func chainInner(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>, index: UInt64) -> [UInt8] {
        var hash = seed
        for (i, sibling) in proof.enumerated() {
            hash = (index >> UInt64(i)) & 1 == 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash)
        }
        return hash
    }

    /// Like `chainInner` but only folds in left siblings: the earlier version of the subtree.
    static func chainInnerRight(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>, index: UInt64) -> [UInt8] {
        var hash = seed
        for (i, sibling) in proof.enumerated() where (index >> UInt64(i)) & 1 == 1 {
            hash = nodeHash(sibling, hash)
        }
        return hash
    }

    static func chainBorderRight(_ seed: [UInt8], _ proof: ArraySlice<[UInt8]>) -> [UInt8] {
        var hash = seed
        for sibling in proof { hash = nodeHash(sibling, hash) }
        return hash
    }

    static func checkProofHashes(_ proof: [[UInt8]]) throws(AccordError) {
        for (i, hash) in proof.enumerated() where hash.count != hashSize {
            throw proofError("proof hash #\(i) is \(hash.count) bytes, want \(hashSize)")
        }
    }

    static func proofError(_ message: String) -> AccordError {
        AccordError(.badProof, message)
    }

    static func describe(_ hash: [UInt8]) -> String {
        hash.count == hashSize ? Encoding.base64(hash) : "\(Encoding.base64(hash)) (\(hash.count) bytes)"
    }
}
