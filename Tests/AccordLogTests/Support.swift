import AccordCore
import Crypto
import Foundation
@testable import AccordLog

/// A deterministic RNG (SplitMix64) so every run sees the same "random" trees.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// RFC 9162 §2.1 written as literally as possible over all the leaf hashes: the reference the
/// store-backed functions are checked against.
enum Reference {
    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]).
    static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return Array(SHA256.hash(data: [UInt8]()))
        case 1: return leaves.first!
        default:
            let k = largestPowerOfTwo(below: leaves.count)
            let s = leaves.startIndex
            return Merkle.nodeHash(root(leaves[s..<s + k]), root(leaves[(s + k)...]))
        }
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        let n = leaves.count
        if n <= 1 { return [] }
        let k = largestPowerOfTwo(below: n)
        let s = leaves.startIndex
        if m < k {
            return path(m, leaves[s..<s + k]) + [root(leaves[(s + k)...])]
        } else {
            return path(m - k, leaves[(s + k)...]) + [root(leaves[s..<s + k])]
        }
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    static func proof(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        subproof(m, leaves, true)
    }

    static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return b ? [] : [root(leaves)] }
        let k = largestPowerOfTwo(below: n)
        let s = leaves.startIndex
        if m <= k {
            return subproof(m, leaves[s..<s + k], b) + [root(leaves[(s + k)...])]
        } else {
            return subproof(m - k, leaves[(s + k)...], false) + [root(leaves[s..<s + k])]
        }
    }
}

/// A reader that counts the nodes it is asked for.
final class CountingReader: MerkleNodeReader {
    let inner: InMemoryMerkleNodes
    var reads = 0
    init(_ inner: InMemoryMerkleNodes) { self.inner = inner }
    func node(level: Int, index: Int64) throws -> [UInt8] {
        reads += 1
        return try inner.node(level: level, index: index)
    }
}

/// The RFC 6962 / 9162 vectors of transparency-dev/merkle, copied under Fixtures/merkle.
enum MerkleFixtures {
    struct Inclusion: Decodable {
        let leafIdx: UInt64
        let treeSize: UInt64
        let root: String
        let leafHash: String
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    struct Consistency: Decodable {
        let size1: UInt64
        let size2: UInt64
        let root1: String
        let root2: String
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("merkle")
    }

    /// Paths of the JSON files under `kind` (inclusion or consistency), relative, sorted.
    static func files(_ kind: String) -> [String] {
        let base = directory.appendingPathComponent(kind)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var out: [String] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            out.append(kind + String(url.path.dropFirst(base.path.count)))
        }
        return out.sorted()
    }

    static func load<T: Decodable>(_ path: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(path)))
    }

    static func bytes(_ base64: String) -> [UInt8] {
        guard let b = Encoding.unbase64(base64) else { fatalError("bad base64 in a fixture: \(base64)") }
        return b
    }

    /// Sizes and indices are uint64 upstream; values past Int64.max (0 − 1 wrapped) stay invalid
    /// as negative Int64s.
    static func int(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }
}

/// Whether `body` throws an AccordError with code `bad_proof` (and the message, for reports).
func proofFailure(_ body: () throws(AccordError) -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return error.code == .badProof ? error.message : "wrong code \(error.code): \(error.message)"
    }
}
