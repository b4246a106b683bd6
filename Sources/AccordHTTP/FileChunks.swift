import Foundation
import NIOCore

/// A file read in 1 MiB pieces, for request and response bodies that stream from disk.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let handle: FileHandle

    public init(handle: FileHandle) {
        self.handle = handle
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        public mutating func next() async throws -> ByteBuffer? {
            guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try? handle.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}
