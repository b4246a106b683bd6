import AccordCore
import Foundation

extension DataDirectory {
    public var taxiiCursorKeyURL: URL { keysURL.appendingPathComponent("taxii-cursor.key") }

    /// The key that MACs TAXII `next` cursors (32 random bytes, 0600 beside the node's other
    /// keys), made on first use. Replicas of one node share the data directory's keys, so each
    /// continues the others' listings.
    public func taxiiCursorKey() throws -> [UInt8] {
        if FileManager.default.fileExists(atPath: taxiiCursorKeyURL.path) {
            let data = try Self.readSecret(taxiiCursorKeyURL)
            guard data.count == 32 else { throw AccordError(.configuration, "\(taxiiCursorKeyURL.path) is damaged: remove it (open TAXII cursors then restart)") }
            return [UInt8](data)
        }
        var g = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
        try Self.writeSecret(Data(key), to: taxiiCursorKeyURL)
        return key
    }
}
