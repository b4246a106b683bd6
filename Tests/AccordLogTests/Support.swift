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
/// store-backed functions are checked against. Subtree hashes are memoized (per instance) so
/// the recursion stays cheap for thousands of leaves; the recursion itself is the RFC's.
final class Reference {
    let leaves: [[UInt8]]
    private var memo: [Range<Int>: [UInt8]] = [:]

    init(_ leaves: [[UInt8]]) { self.leaves = leaves }

    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]) of the first n leaves.
    func root(_ n: Int) -> [UInt8] { mth(0..<n) }

    /// PATH(m, D[n]).
    func path(_ m: Int, _ n: Int) -> [[UInt8]] { path(m, 0..<n) }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    func proof(_ m: Int, _ n: Int) -> [[UInt8]] { subproof(m, 0..<n, true) }

    private func mth(_ d: Range<Int>) -> [UInt8] {
        if let known = memo[d] { return known }
        let hash: [UInt8]
        switch d.count {
        case 0: hash = Array(SHA256.hash(data: [UInt8]()))
        case 1: hash = leaves[d.lowerBound]
        default:
            let k = Reference.largestPowerOfTwo(below: d.count)
            hash = Merkle.nodeHash(mth(d.lowerBound..<d.lowerBound + k), mth(d.lowerBound + k..<d.upperBound))
        }
        memo[d] = hash
        return hash
    }

    private func path(_ m: Int, _ d: Range<Int>) -> [[UInt8]] {
        let n = d.count
        if n <= 1 { return [] }
        let k = Reference.largestPowerOfTwo(below: n)
        let s = d.lowerBound
        if m < k {
            return path(m, s..<s + k) + [mth(s + k..<d.upperBound)]
        } else {
            return path(m - k, s + k..<d.upperBound) + [mth(s..<s + k)]
        }
    }

    private func subproof(_ m: Int, _ d: Range<Int>, _ b: Bool) -> [[UInt8]] {
        let n = d.count
        if m == n { return b ? [] : [mth(d)] }
        let k = Reference.largestPowerOfTwo(below: n)
        let s = d.lowerBound
        if m <= k {
            return subproof(m, s..<s + k, b) + [mth(s + k..<d.upperBound)]
        } else {
            return subproof(m - k, s + k..<d.upperBound, false) + [mth(s..<s + k)]
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
