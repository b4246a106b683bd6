import Foundation

/// What a fuzz target checks beyond "does not crash": a property that fails is reported like
/// a crash, so libFuzzer saves the input that broke it.
public enum FuzzCheck {
    /// Stops the run with `message` on standard error if `condition` is false.
    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        guard !condition() else { return }
        FileHandle.standardError.write(Data("fuzz property failed at \(file):\(line): \(message())\n".utf8))
        abort()
    }

    /// The input libFuzzer hands over, as bytes.
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }
}
