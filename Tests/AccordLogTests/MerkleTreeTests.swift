import AccordCore
import Testing
@testable import AccordLog

/// Known values, edge cases and error messages of the hashing, tree and verification functions.
@Suite struct MerkleTreeTests {
    @Test func knownHashes() {
        #expect(Encoding.hex(Merkle.emptyRoot) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Encoding.hex(Merkle.leafHash([])) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        // RFC 6962 test tree: the root of the first two leaves ("" and 0x00).
        let two = Merkle.nodeHash(Merkle.leafHash([]), Merkle.leafHash([0x00]))
        #expect(Encoding.hex(two) == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")
    }

    @Test func emptyTree() throws {
        let tree = InMemoryMerkleNodes()
        #expect(try Merkle.root(size: 0, reader: tree) == Merkle.emptyRoot)
        #expect(try Merkle.consistencyProof(from: 0, to: 0, reader: tree) == [])
        #expect(throws: AccordError.self) { try Merkle.inclusionProof(index: 0, size: 0, reader: tree) }
        #expect(throws: AccordError.self) { try tree.node(level: 0, index: 0) }
    }

    @Test func badArgumentsAreRefused() throws {
        var tree = InMemoryMerkleNodes()
        for i in 0..<5 { tree.append(data: [UInt8(i)]) }
        #expect(throws: AccordError.self) { try Merkle.root(size: -1, reader: tree) }
        #expect(throws: AccordError.self) { try Merkle.inclusionProof(index: 5, size: 5, reader: tree) }
        #expect(throws: AccordError.self) { try Merkle.inclusionProof(index: -1, size: 5, reader: tree) }
        #expect(throws: AccordError.self) { try Merkle.consistencyProof(from: 3, to: 2, reader: tree) }
        #expect(throws: AccordError.self) { try Merkle.consistencyProof(from: -1, to: 2, reader: tree) }
        #expect(throws: AccordError.self) { try Merkle.nodesToAppend(leafHash: [1, 2, 3], at: 5, reader: tree) }
        #expect(throws: AccordError.self) { try tree.append(leafHash: []) }
        // Asking beyond what the store holds surfaces the store's error.
        #expect(throws: AccordError.self) { try Merkle.root(size: 6, reader: tree) }
        // From the empty tree the proof is empty, as tlog-witness expects.
        #expect(try Merkle.consistencyProof(from: 0, to: 5, reader: tree) == [])
    }

    /// The append function reads only nodes that cover earlier leaves, so a database can write
    /// the new nodes in the same transaction.
    @Test func appendReadsOnlyEarlierLeaves() throws {
        final class Recorder: MerkleNodeReader {
            let inner: InMemoryMerkleNodes
            var asked: [(Int, Int64)] = []
            init(_ inner: InMemoryMerkleNodes) { self.inner = inner }
            func node(level: Int, index: Int64) throws -> [UInt8] {
                asked.append((level, index))
                return try inner.node(level: level, index: index)
            }
        }
        var tree = InMemoryMerkleNodes()
        for i in Int64(0)..<300 {
            let recorder = Recorder(tree)
            let nodes = try Merkle.nodesToAppend(leafHash: Merkle.leafHash([UInt8(i & 0xFF)]), at: i, reader: recorder)
            for (level, index) in recorder.asked {
                #expect((index + 1) << Int64(level) <= i, "leaf \(i) asked for node (\(level), \(index))")
            }
            // Each new node covers leaf i as its last leaf.
            for node in nodes {
                #expect((node.index + 1) << Int64(node.level) == i + 1)
            }
            for node in nodes.dropFirst() {
                let left = try tree.node(level: node.level - 1, index: 2 * node.index)
                let right = nodes[node.level - 1].hash
                #expect(node.hash == Merkle.nodeHash(left, right))
            }
            try tree.append(leafHash: nodes[0].hash)
        }
    }

    @Test func verificationMessagesSayWhatFailed() throws {
        var tree = InMemoryMerkleNodes()
        for i in 0..<7 { tree.append(data: [UInt8(i)]) }
        let root = tree.root
        let leaf = try tree.node(level: 0, index: 2)
        let proof = try Merkle.inclusionProof(index: 2, size: 7, reader: tree)

        func message(_ body: () throws(AccordError) -> Void) -> String { proofFailure(body) ?? "verified" }

        #expect(message { () throws(AccordError) in try Merkle.verifyInclusion(leafHash: leaf, index: 7, size: 7, proof: proof, root: root) }
            .contains("beyond the tree size"))
        #expect(message { () throws(AccordError) in try Merkle.verifyInclusion(leafHash: leaf, index: 2, size: 7, proof: Array(proof.dropLast()), root: root) }
            .contains("has 2 hashes") )
        #expect(message { () throws(AccordError) in try Merkle.verifyInclusion(leafHash: leaf, index: 3, size: 7, proof: proof, root: root) }
            .hasPrefix("root mismatch"))
        #expect(message { () throws(AccordError) in try Merkle.verifyInclusion(leafHash: [1], index: 2, size: 7, proof: proof, root: root) }
            .contains("leaf hash is 1 bytes"))
        #expect(message { () throws(AccordError) in try Merkle.verifyInclusion(leafHash: leaf, index: 2, size: 7, proof: [[1]] + proof.dropFirst(), root: root) }
            .contains("proof hash #0 is 1 bytes"))

        let oldRoot = try Merkle.root(size: 3, reader: tree)
        let consistency = try Merkle.consistencyProof(from: 3, to: 7, reader: tree)
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 7, newSize: 3, oldRoot: root, newRoot: oldRoot, proof: consistency) }
            .contains("smaller than the old size"))
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 0, newSize: 7, oldRoot: Merkle.emptyRoot, newRoot: root, proof: []) }
            .contains("empty tree"))
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 7, newSize: 7, oldRoot: root, newRoot: root, proof: consistency) }
            .contains("must be empty"))
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 3, newSize: 7, oldRoot: oldRoot, newRoot: root, proof: []) }
            .contains("is empty"))
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 3, newSize: 7, oldRoot: oldRoot, newRoot: root, proof: consistency + [root]) }
            .contains("needs \(consistency.count)"))
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 3, newSize: 7, oldRoot: root, newRoot: root, proof: consistency) }
            .hasPrefix("old root mismatch"))
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 3, newSize: 7, oldRoot: oldRoot, newRoot: oldRoot, proof: consistency) }
            .hasPrefix("new root mismatch"))
        // The trivial cases that do verify.
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: Merkle.emptyRoot, newRoot: Merkle.emptyRoot, proof: []) }
            == "verified")
        #expect(message { () throws(AccordError) in try Merkle.verifyConsistency(oldSize: 7, newSize: 7, oldRoot: root, newRoot: root, proof: []) }
            == "verified")
    }

    @Test func offlineRebuildFromExportedLeafHashes() throws {
        var original = InMemoryMerkleNodes()
        for i in 0..<100 { original.append(data: Array("event \(i)".utf8)) }
        let exported = try (0..<100).map { try original.node(level: 0, index: Int64($0)) }
        let rebuilt = try InMemoryMerkleNodes(leafHashes: exported)
        #expect(rebuilt.size == 100)
        #expect(rebuilt.root == original.root)
    }
}
