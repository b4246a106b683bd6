import AccordCore
import Crypto
import Foundation

/// Encrypts a file of known size as its bytes arrive (from a file or straight from an upload),
/// in one pass: each chunk is hashed and sealed as soon as it is complete, and only the sealed
/// chunks are written, to `<output>.partial`. The plaintext never touches the disk. `finish`
/// checks that exactly `size` bytes came, flushes, and renames the file to `output`.
public final class EvidenceSealer {
    public let header: EvidenceHeader
    let chunks: EvidenceCipher.Chunks
    let output: String
    let partial: String
    let handle: FileHandle
    var digest = SHA256()
    var pending: [UInt8] = []
    var index: Int64 = 0
    public private(set) var received: Int64 = 0
    var finished = false
    var writeback = EvidenceFiles.Writeback()
    var written: Int64 = 0

    public init(size: Int64, recipients: [(node: String, key: PublicEncryptionKey)], output: String,
                chunkSize: Int = EvidenceHeader.defaultChunkSize) throws(AccordError) {
        let (header, fileKey) = try EvidenceCipher.newHeader(size: size, chunkSize: chunkSize, recipients: recipients)
        self.header = header
        self.chunks = EvidenceCipher.Chunks(header: header, fileKey: fileKey)
        self.output = output
        self.partial = output + ".partial"
        handle = try EvidenceFiles.create(partial)
        pending.reserveCapacity(chunkSize)
    }

    deinit {
        try? handle.close()
        if !finished { try? FileManager.default.removeItem(atPath: partial) }
    }

    /// Takes the next plaintext bytes; refuses more than the announced size.
    public func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(AccordError) {
        received += Int64(bytes.count)
        guard received <= header.size else {
            throw AccordError(.tooLarge, "the file is longer than the \(header.size) bytes announced")
        }
        var rest = bytes[...]
        while !rest.isEmpty {
            let length = header.ciphertextRange(ofChunk: index).length - EvidenceHeader.tagSize
            let take = min(length - pending.count, rest.count)
            pending.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if pending.count == length { try sealPending() }
        }
    }

    /// Feeds the whole file at `path`, 1 MiB at a time; a file that grew since its size was
    /// taken is refused.
    public func append(file path: String) throws(AccordError) {
        let reader = try EvidenceFiles.open(path)
        defer { try? reader.close() }
        while true {
            let piece = try EvidenceFiles.read(reader, 1 << 20, what: path)
            if piece.isEmpty { return }
            guard received + Int64(piece.count) <= header.size else { throw AccordError(.conflict, "\(path) changed while it was encrypted") }
            try append(piece)
        }
    }

    func sealPending() throws(AccordError) {
        digest.update(data: pending)
        let sealed = try chunks.seal(pending, index: index)
        try EvidenceFiles.write(handle, sealed)
        written += Int64(sealed.count)
        writeback.wrote(handle, upTo: written)
        index += 1
        pending.removeAll(keepingCapacity: true)
    }

    /// Completes the file: all `size` bytes arrived; returns the plaintext's SHA-256.
    public func finish() throws(AccordError) -> [UInt8] {
        guard received == header.size else {
            throw AccordError(.conflict, "the file ended after \(received) of the \(header.size) bytes announced")
        }
        // An empty file is one empty chunk.
        if header.size == 0 { try sealPending() }
        try EvidenceFiles.sync(handle)
        try? handle.close()
        try EvidenceFiles.rename(partial, output)
        finished = true
        return Array(digest.finalize())
    }
}
