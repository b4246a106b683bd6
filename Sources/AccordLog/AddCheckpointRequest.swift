import AccordCore

/// The body of a C2SP tlog-witness `add-checkpoint` request:
///
/// ```
/// old <size>
/// <consistency proof hash, base64>      (zero to 63 lines)
///
/// <checkpoint signed note>
/// ```
public struct AddCheckpointRequest: Sendable, Equatable {
    /// tlog-witness: a client MUST NOT send more than 63 proof lines.
    public static let maxProofLines = 63
    /// The content type of a 409 answer's body (the witness's size, decimal, newline).
    public static let sizeContentType = "text/x.tlog.size"

    public var oldSize: Int64
    public var proof: [[UInt8]]
    public var note: SignedNote

    public init(oldSize: Int64, proof: [[UInt8]], note: SignedNote) {
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
    }

    /// Parses a request body strictly; every failure is `malformed` (HTTP 400).
    public init(parsing bytes: [UInt8]) throws(AccordError) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw AccordError(.malformed, "the request body is not UTF-8") }
        guard let blank = text.range(of: "\n\n") else {
            throw AccordError(.malformed, "an add-checkpoint body is an old size line, proof lines, a blank line and the checkpoint")
        }
        let head = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        let first = head[0]
        guard first.hasPrefix("old "), let size = Self.decimal(first.dropFirst(4)) else {
            throw AccordError(.malformed, "the first line must be \"old <size>\" with a decimal size without leading zeros")
        }
        let lines = head.dropFirst()
        guard lines.count <= Self.maxProofLines else {
            throw AccordError(.malformed, "the request has \(lines.count) proof lines; at most \(Self.maxProofLines) are allowed")
        }
        var proof: [[UInt8]] = []
        for (i, line) in lines.enumerated() {
            guard let hash = Encoding.unbase64(String(line)), hash.count == Merkle.hashSize else {
                throw AccordError(.malformed, "proof line \(i + 1) is not base64 of a \(Merkle.hashSize)-byte hash")
            }
            proof.append(hash)
        }
        self.oldSize = size
        self.proof = proof
        self.note = try SignedNote(parsing: String(text[blank.upperBound...]))
    }

    /// The request body.
    public var body: [UInt8] {
        Array(("old \(oldSize)\n" + proof.map { Encoding.base64($0) + "\n" }.joined() + "\n" + note.serialized).utf8)
    }

    /// A non-negative decimal without leading zeros ("0" alone is zero).
    public static func decimal(_ text: Substring) -> Int64? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ (0x30...0x39).contains($0) }),
            digits.count == 1 || digits.first != 0x30
        else { return nil }
        return Int64(text)
    }

    /// Reads the cosignature lines of a 200 answer: one or more note signature lines and nothing else.
    public static func cosignatureLines(_ body: [UInt8], for note: SignedNote) throws(AccordError) -> [NoteSignature] {
        guard let text = String(validating: body, as: UTF8.self) else { throw AccordError(.malformed, "the witness answered with non-UTF-8 text") }
        let answered = try SignedNote(parsing: note.text + "\n" + text)
        // The note splits at its last blank line: one in the answer would make all before it "text".
        guard answered.text == note.text else {
            throw AccordError(.malformed, "the witness answered with more than note signature lines")
        }
        return answered.signatures
    }
}
