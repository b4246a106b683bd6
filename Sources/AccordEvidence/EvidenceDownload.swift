import AccordCore
import Crypto
import Foundation

/// An encrypted evidence file arriving from its author, chunk by chunk, into
/// `<output>.partial`. Each chunk is authenticated before it is written; the file is renamed
/// to `output` only when every chunk is in and the decrypted content's SHA-256 is the one the
/// attachment announced. A download that stops (a cut connection, a node restart) resumes
/// from the last whole chunk: `init` re-reads and re-authenticates what the partial file holds
/// and cuts off anything after the last good chunk.
public final class EvidenceDownload {
    public let header: EvidenceHeader
    let chunks: EvidenceCipher.Chunks
    let expected: [UInt8]
    public let output: String
    let partial: String
    let handle: FileHandle
    var digest = SHA256()
    /// Chunks written and authenticated.
    public private(set) var verifiedChunks: Int64 = 0
    /// The chunk being assembled.
    var pending: [UInt8] = []
    var writeback = EvidenceFiles.Writeback()

    public init(header: EvidenceHeader, fileKey: SymmetricKey, sha256: [UInt8], output: String) throws(AccordError) {
        self.header = header
        self.chunks = EvidenceCipher.Chunks(header: header, fileKey: fileKey)
        self.expected = sha256
        self.output = output
        self.partial = output + ".partial"
        if !FileManager.default.fileExists(atPath: partial) {
            guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw AccordError(.storage, "cannot create \(partial)")
            }
        }
        guard let h = FileHandle(forUpdatingAtPath: partial) else { throw AccordError(.storage, "cannot open \(partial)") }
        handle = h
        pending.reserveCapacity(header.chunkSize + EvidenceHeader.tagSize)
        try resume()
    }

    deinit { try? handle.close() }

    /// Ciphertext bytes authenticated so far.
    public var verifiedBytes: Int64 { verifiedChunks == 0 ? 0 : header.ciphertextRange(ofChunk: verifiedChunks - 1).offset + Int64(header.ciphertextRange(ofChunk: verifiedChunks - 1).length) }

    public var isComplete: Bool { verifiedChunks == header.chunks }

    /// Re-authenticates the chunks already on disk and truncates after the last good one.
    func resume() throws(AccordError) {
        do { try handle.seek(toOffset: 0) } catch { throw AccordError(.storage, "cannot read \(partial): \(error)") }
        while verifiedChunks < header.chunks {
            let length = header.ciphertextRange(ofChunk: verifiedChunks).length
            let sealed = try EvidenceFiles.read(handle, length, what: partial)
            guard sealed.count == length, let plain = try? chunks.open(sealed, index: verifiedChunks) else { break }
            digest.update(data: plain)
            verifiedChunks += 1
        }
        do {
            try handle.truncate(atOffset: UInt64(verifiedBytes))
            try handle.seek(toOffset: UInt64(verifiedBytes))
        } catch {
            throw AccordError(.storage, "cannot truncate \(partial): \(error)")
        }
    }

    /// Takes the next bytes of the ciphertext (from `verifiedBytes` on). Throws `damaged` for a
    /// chunk that does not authenticate (nothing of it is kept) and for bytes beyond the file's end.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(AccordError) {
        var rest = bytes[...]
        while !rest.isEmpty {
            guard verifiedChunks < header.chunks else {
                throw AccordError(.damaged, "the source sent more than the file's \(header.chunks) chunks")
            }
            let length = header.ciphertextRange(ofChunk: verifiedChunks).length
            let take = min(length - pending.count, rest.count)
            pending.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
            if pending.count == length {
                let index = verifiedChunks
                let plain: [UInt8]
                do throws(AccordError) { plain = try chunks.open(pending, index: index) } catch {
                    pending.removeAll(keepingCapacity: true)
                    throw error
                }
                try EvidenceFiles.write(handle, pending)
                digest.update(data: plain)
                verifiedChunks += 1
                writeback.wrote(handle, upTo: verifiedBytes)
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Forgets a chunk received in part (the connection ended inside it).
    public func discardPending() { pending.removeAll(keepingCapacity: true) }

    /// Makes the file visible once every chunk is in and the content's SHA-256 matches; a file
    /// whose content differs is removed and reported.
    public func finish() throws(AccordError) {
        guard isComplete else { throw AccordError(.damaged, "the file has \(verifiedChunks) of its \(header.chunks) chunks") }
        let got = Array(digest.finalize())
        guard got == expected else {
            abandon()
            throw AccordError(.damaged, "the decrypted file's SHA-256 is \(Encoding.hex(got)), not the announced \(Encoding.hex(expected))")
        }
        try EvidenceFiles.sync(handle)
        try? handle.close()
        try EvidenceFiles.rename(partial, output)
    }

    /// Removes the partial file.
    public func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: partial)
    }
}
