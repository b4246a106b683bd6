import AccordCore
import Testing
@testable import AccordLog

/// Every transparency-dev/merkle vector: good proofs verify, every `wantErr` one is rejected.
@Suite struct MerkleVectorTests {
    static let inclusionFiles = MerkleFixtures.files("inclusion")
    static let consistencyFiles = MerkleFixtures.files("consistency")

    @Test func allVectorFilesAreFound() {
        #expect(Self.inclusionFiles.count == 98)
        #expect(Self.consistencyFiles.count == 98)
    }

    @Test(arguments: inclusionFiles)
    func inclusion(_ path: String) throws {
        let v = try MerkleFixtures.load(path, as: MerkleFixtures.Inclusion.self)
        let failure = proofFailure { () throws(AccordError) in
            try Merkle.verifyInclusion(
                leafHash: MerkleFixtures.bytes(v.leafHash),
                index: MerkleFixtures.int(v.leafIdx),
                size: MerkleFixtures.int(v.treeSize),
                proof: (v.proof ?? []).map(MerkleFixtures.bytes),
                root: MerkleFixtures.bytes(v.root))
        }
        if v.wantErr {
            #expect(failure != nil, "\(path) (\(v.desc)) verified but must not")
            #expect(failure?.hasPrefix("wrong code") != true, "\(failure ?? "")")
        } else {
            #expect(failure == nil, "\(path) (\(v.desc)): \(failure ?? "")")
        }
    }

    @Test(arguments: consistencyFiles)
    func consistency(_ path: String) throws {
        let v = try MerkleFixtures.load(path, as: MerkleFixtures.Consistency.self)
        let failure = proofFailure { () throws(AccordError) in
            try Merkle.verifyConsistency(
                oldSize: MerkleFixtures.int(v.size1),
                newSize: MerkleFixtures.int(v.size2),
                oldRoot: MerkleFixtures.bytes(v.root1),
                newRoot: MerkleFixtures.bytes(v.root2),
                proof: (v.proof ?? []).map(MerkleFixtures.bytes))
        }
        if v.wantErr {
            #expect(failure != nil, "\(path) (\(v.desc)) verified but must not")
            #expect(failure?.hasPrefix("wrong code") != true, "\(failure ?? "")")
        } else {
            #expect(failure == nil, "\(path) (\(v.desc)): \(failure ?? "")")
        }
    }

    /// The happy-path vectors come from the RFC 6962 test tree of 8 leaves; rebuilding that tree
    /// must give the same roots and proofs byte for byte.
    @Test func generatedProofsMatchTheVectors() throws {
        let leafData: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
            [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57], Array(0x60...0x6F)]
        var tree = InMemoryMerkleNodes()
        for d in leafData { tree.append(data: d) }
        for path in Self.inclusionFiles where path.hasSuffix("happy-path.json") {
            let v = try MerkleFixtures.load(path, as: MerkleFixtures.Inclusion.self)
            let size = MerkleFixtures.int(v.treeSize)
            let index = MerkleFixtures.int(v.leafIdx)
            #expect(try Merkle.root(size: size, reader: tree) == MerkleFixtures.bytes(v.root), "\(path)")
            #expect(try tree.node(level: 0, index: index) == MerkleFixtures.bytes(v.leafHash), "\(path)")
            #expect(try Merkle.inclusionProof(index: index, size: size, reader: tree) == (v.proof ?? []).map(MerkleFixtures.bytes), "\(path)")
        }
        for path in Self.consistencyFiles where path.hasSuffix("happy-path.json") && !path.contains("additional") {
            let v = try MerkleFixtures.load(path, as: MerkleFixtures.Consistency.self)
            let (m, n) = (MerkleFixtures.int(v.size1), MerkleFixtures.int(v.size2))
            #expect(try Merkle.root(size: m, reader: tree) == MerkleFixtures.bytes(v.root1), "\(path)")
            #expect(try Merkle.root(size: n, reader: tree) == MerkleFixtures.bytes(v.root2), "\(path)")
            #expect(try Merkle.consistencyProof(from: m, to: n, reader: tree) == (v.proof ?? []).map(MerkleFixtures.bytes), "\(path)")
        }
    }
}
