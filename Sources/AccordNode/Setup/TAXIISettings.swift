import AccordCore
import AccordSTIX
import AccordTAXII

/// The TAXII 2.1 server (`taxii` in `accord.json`; docs/operations.md, "TAXII"). Every key is
/// optional; a file without the section gets the defaults.
public struct TAXIISettings: Sendable, Codable, Equatable {
    /// The API root's `max_content_length`: the largest POST body, in bytes.
    public var maxContentLength: Int
    /// The most objects one page holds; a larger `limit` is lowered to it.
    public var maxPageSize: Int
    /// The TLP level of an object without a TLP marking, for sharing: clear, green, amber,
    /// amber+strict or red.
    public var unmarkedTLP: String

    public init(maxContentLength: Int = 10 << 20, maxPageSize: Int = 1000, unmarkedTLP: String = "amber") {
        self.maxContentLength = maxContentLength
        self.maxPageSize = maxPageSize
        self.unmarkedTLP = unmarkedTLP
    }

    enum CodingKeys: String, CodingKey {
        case maxContentLength = "max_content_length"
        case maxPageSize = "max_page_size"
        case unmarkedTLP = "unmarked_tlp"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TAXIISettings()
        maxContentLength = try c.decodeIfPresent(Int.self, forKey: .maxContentLength) ?? d.maxContentLength
        maxPageSize = try c.decodeIfPresent(Int.self, forKey: .maxPageSize) ?? d.maxPageSize
        unmarkedTLP = try c.decodeIfPresent(String.self, forKey: .unmarkedTLP) ?? d.unmarkedTLP
    }

    /// The unmarked default as a level (validated at start-up).
    public var unmarkedLevel: TLPLevel { SharingPolicy.level(named: unmarkedTLP) ?? .amber }

    func validate() throws(AccordError) {
        guard (1024...(1 << 30)).contains(maxContentLength) else { throw AccordError(.configuration, "taxii.max_content_length must be 1024–1073741824 bytes") }
        guard (1...10_000).contains(maxPageSize) else { throw AccordError(.configuration, "taxii.max_page_size must be 1–10000") }
        guard SharingPolicy.level(named: unmarkedTLP) != nil else {
            throw AccordError(.configuration, "taxii.unmarked_tlp must be clear, green, amber, amber+strict or red")
        }
    }
}
