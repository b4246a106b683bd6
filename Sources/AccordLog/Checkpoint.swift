import AccordCore

/// A C2SP tlog-checkpoint: the note text that commits a log to its tree at one size.
///
/// ```
/// <origin>
/// <tree size, decimal>
/// <root hash, base64>
/// [extension lines]
/// ```
/// Every line ends with a newline and none is empty.
public struct Checkpoint: Sendable, Hashable {
    /// Who issued the checkpoint; in Accord, the node name.
    public let origin: String
    public let size: Int64
    public let rootHash: [UInt8]
    /// Optional opaque lines after the root hash (C2SP discourages them).
    public let extensions: [String]

    public init(origin: String, size: Int64, rootHash: [UInt8], extensions: [String] = []) throws(AccordError) {
        try Checkpoint.checkLine(origin, "origin")
        guard size >= 0 else { throw AccordError(.invalidField, "a tree size must not be negative", field: "size") }
        guard rootHash.count == Merkle.hashSize else {
            throw AccordError(.invalidField, "a checkpoint root hash is \(Merkle.hashSize) bytes, not \(rootHash.count)", field: "rootHash")
        }
        for line in extensions { try Checkpoint.checkLine(line, "extension line") }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Parses a checkpoint text strictly: decimal size without leading zeros, canonical
    /// base64 of a 32-byte root, no empty line, final newline.
    public init(body: String) throws(AccordError) {
        guard body.hasSuffix("\n") else { throw AccordError(.malformed, "a checkpoint must end with a newline") }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else {
            throw AccordError(.malformed, "a checkpoint has an origin, a tree size and a root hash line")
        }
        let digits = lines[1].utf8
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }),
            digits.count == 1 || digits.first != 0x30, let size = Int64(lines[1])
        else {
            throw AccordError(.malformed, "the checkpoint tree size is not a decimal number without leading zeros")
        }
        guard let root = Encoding.unbase64(lines[2]), root.count == Merkle.hashSize else {
            throw AccordError(.malformed, "the checkpoint root hash is not base64 of \(Merkle.hashSize) bytes")
        }
        do {
            try self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
        } catch {
            throw AccordError(.malformed, error.message)
        }
    }

    /// The note text.
    public var body: String {
        ([origin, String(size), Encoding.base64(rootHash)] + extensions).map { $0 + "\n" }.joined()
    }

    /// The checkpoint as a note signed by the log's key under `name` (by default the origin,
    /// as C2SP recommends).
    public func sign(keys: NodeKeys, name: String? = nil) throws(AccordError) -> SignedNote {
        var note = try SignedNote(text: body)
        try note.sign(name: name ?? origin, keys: keys)
        return note
    }

    /// Verifies the log's Ed25519 signature under `logName` and parses the checkpoint.
    ///
    /// Other signature lines (witnesses, unknown keys) are ignored here. The caller still
    /// checks that `origin` is the log it expects.
    public static func open(_ note: SignedNote, logName: String, logKey: PublicSigningKey) throws(AccordError) -> Checkpoint {
        let key = try NoteVerifierKey(name: logName, type: .ed25519, key: logKey)
        guard try !note.verify(against: [key]).isEmpty else {
            throw AccordError(.badSignature, "the checkpoint carries no signature by \(logName) (key ID \(SignedNote.hex(key.keyID)))")
        }
        return try Checkpoint(body: note.text)
    }

    static func checkLine(_ line: String, _ what: String) throws(AccordError) {
        guard !line.isEmpty else { throw AccordError(.invalidField, "a checkpoint \(what) must not be empty") }
        guard line.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
            throw AccordError(.invalidField, "a checkpoint \(what) must not contain newlines or control characters")
        }
    }
}
