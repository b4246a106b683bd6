import AccordCore
import Crypto
import Foundation

/// Evidence files encrypted and decrypted chunk by chunk: no step holds more than one chunk
/// of a file in memory.
public enum EvidenceFiles {
    /// Encrypts the file at `input` into `output` for `recipients`, in one pass (its size is
    /// read first; a file that grows or shrinks meanwhile is refused).
    public static func encrypt(input: String, output: String, recipients: [(node: String, key: PublicEncryptionKey)],
                               chunkSize: Int = EvidenceHeader.defaultChunkSize) throws(AccordError) -> (header: EvidenceHeader, sha256: [UInt8]) {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: input))?[.size] as? Int else {
            throw AccordError(.notFound, "cannot read \(input)")
        }
        let sealer = try EvidenceSealer(size: Int64(size), recipients: recipients, output: output, chunkSize: chunkSize)
        try sealer.append(file: input)
        guard sealer.received == Int64(size) else { throw AccordError(.conflict, "\(input) changed while it was encrypted") }
        return (sealer.header, try sealer.finish())
    }

    /// Decrypts `input` (the whole ciphertext) into `output` as `node`. The output appears only
    /// once every chunk opened and the plaintext's SHA-256 is `sha256`; on any failure nothing is
    /// left at `output`.
    public static func decrypt(input: String, header: EvidenceHeader, as node: String, privateKey: Curve25519.KeyAgreement.PrivateKey,
                               sha256 expected: [UInt8], output: String) throws(AccordError) {
        try decrypt(input: input, header: header, fileKey: try EvidenceCipher.openKey(header, as: node, with: privateKey), sha256: expected, output: output)
    }

    /// As above, with the file key already unwrapped.
    /// `durable: false` skips the flush to disk, for a copy that is read once and deleted.
    public static func decrypt(input: String, header: EvidenceHeader, fileKey: SymmetricKey, sha256 expected: [UInt8], output: String,
                               durable: Bool = true) throws(AccordError) {
        let chunks = EvidenceCipher.Chunks(header: header, fileKey: fileKey)
        let reader = try open(input)
        defer { try? reader.close() }
        try writeAtomically(output, durable: durable) { writer throws(AccordError) in
            var digest = SHA256()
            for index in 0..<header.chunks {
                let length = header.ciphertextRange(ofChunk: index).length
                let sealed = try read(reader, length, what: "the encrypted file")
                guard sealed.count == length else {
                    throw AccordError(.damaged, "the encrypted file ends in chunk \(index) of \(header.chunks): truncated")
                }
                let plain = try chunks.open(sealed, index: index)
                digest.update(data: plain)
                try write(writer, plain)
            }
            guard try read(reader, 1, what: "the encrypted file").isEmpty else {
                throw AccordError(.damaged, "the encrypted file is longer than its \(header.chunks) chunks")
            }
            let got = Array(digest.finalize())
            guard got == expected else {
                throw AccordError(.damaged, "the decrypted file's SHA-256 is \(Encoding.hex(got)), not \(Encoding.hex(expected))")
            }
        }
    }

    /// Writes `output` through `output.partial`: flushed to disk and renamed when `body`
    /// succeeds, removed when it fails, so `output` is either complete or absent.
    static func writeAtomically(_ output: String, durable: Bool = true, _ body: (FileHandle) throws(AccordError) -> Void) throws(AccordError) {
        let partial = output + ".partial"
        let writer = try create(partial)
        do throws(AccordError) {
            defer { try? writer.close() }
            try body(writer)
            if durable { try sync(writer) }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        try rename(partial, output)
    }

    /// Size and SHA-256 of a file, read in chunks.
    public static func hash(_ path: String, chunkSize: Int = EvidenceHeader.defaultChunkSize) throws(AccordError) -> (size: Int64, sha256: [UInt8]) {
        let reader = try open(path)
        defer { try? reader.close() }
        var digest = SHA256()
        var size: Int64 = 0
        while true {
            let bytes = try read(reader, chunkSize, what: path)
            if bytes.isEmpty { break }
            digest.update(data: bytes)
            size += Int64(bytes.count)
        }
        return (size, Array(digest.finalize()))
    }

    // MARK: File helpers with clear errors

    public static func open(_ path: String) throws(AccordError) -> FileHandle {
        guard let h = FileHandle(forReadingAtPath: path) else { throw AccordError(.notFound, "cannot read \(path)") }
        return h
    }

    static func create(_ path: String) throws(AccordError) -> FileHandle {
        try? FileManager.default.removeItem(atPath: path)
        // Owner-only: evidence is case material.
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let h = FileHandle(forWritingAtPath: path)
        else { throw AccordError(.storage, "cannot create \(path)") }
        return h
    }

    /// Reads up to `count` bytes (fewer only at the end of the file).
    public static func read(_ h: FileHandle, _ count: Int, what: String) throws(AccordError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let part: Data?
            do { part = try h.read(upToCount: count - out.count) } catch { throw AccordError(.storage, "cannot read \(what): \(error)") }
            guard let part, !part.isEmpty else { break }
            out += part
        }
        return out
    }

    static func write(_ h: FileHandle, _ bytes: [UInt8]) throws(AccordError) {
        do { try h.write(contentsOf: bytes) } catch { throw AccordError(.storage, "cannot write: \(reason(error))") }
    }

    static func sync(_ h: FileHandle) throws(AccordError) {
        do { try h.synchronize() } catch { throw AccordError(.storage, "cannot flush to disk: \(reason(error))") }
    }

    /// Starts writing a file's dirty pages to disk as it grows, and drops them from the page
    /// cache, so the final `fsync` has little left to wait for and a large file does not push
    /// everything else out of memory. Call after each write with the bytes written so far.
    public struct Writeback {
        var advised: Int64 = 0
        static let step: Int64 = 16 << 20

        public init() {}

        public mutating func wrote(_ h: FileHandle, upTo offset: Int64) {
            guard offset - advised >= 2 * Self.step else { return }
            let end = offset - Self.step
            _ = posix_fadvise(h.fileDescriptor, off_t(advised), off_t(end - advised), POSIX_FADV_DONTNEED)
            advised = end
        }
    }

    /// A file error in words ("No space left on device"), not Foundation's wrapping of it.
    public static func reason(_ error: any Error) -> String {
        var e = error as NSError
        while true {
            if e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))) }
            guard let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError else { break }
            e = underlying
        }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        return e.localizedDescription
    }

    static func rename(_ from: String, _ to: String) throws(AccordError) {
        guard Foundation.rename(from, to) == 0 else { throw AccordError(.storage, "cannot move \(from) to \(to): errno \(errno)") }
    }
}
