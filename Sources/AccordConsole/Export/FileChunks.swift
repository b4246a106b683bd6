import Foundation
import NIOCore

/// A file read in 1 MiB pieces, for request and response bodies that stream from disk:
/// from the handle's position, `length` bytes at most (all, if nil). `onEnd` runs once the
/// last piece has been taken, and not when the reader stops early.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let handle: FileHandle
    let length: Int64?
    let onEnd: (@Sendable () -> Void)?

    public init(handle: FileHandle, length: Int64? = nil, onEnd: (@Sendable () -> Void)? = nil) {
        self.handle = handle
        self.length = length
        self.onEnd = onEnd
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        var left: Int64?
        let onEnd: (@Sendable () -> Void)?

        public mutating func next() async throws -> ByteBuffer? {
            let want = Swift.min(Int64(1 << 20), left ?? Int64(1 << 20))
            guard want > 0, let data = try handle.read(upToCount: Int(want)), !data.isEmpty else {
                try? handle.close()
                onEnd?()
                return nil
            }
            if let l = left { left = l - Int64(data.count) }
            return ByteBuffer(bytes: data)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, left: length, onEnd: onEnd) }
}
