import AccordCore
import FuzzSupport

/// libFuzzer entry point for the I-JSON parser and the RFC 8785 canonical encoder.
///
/// For every input the parser accepts: the canonical bytes parse back to an equal value,
/// encoding that value again gives the same bytes (canonicalisation is idempotent), and the
/// canonical bytes themselves hold no insignificant whitespace.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzCheck.bytes(data, size)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let canonical = CanonicalJSON.encode(value)
    let reparsed: JSONValue
    do {
        reparsed = try JSONParser.parse(canonical)
    } catch {
        FuzzCheck.require(false, "canonical bytes do not parse: \(error); canonical: \(String(decoding: canonical, as: UTF8.self))")
        return 0
    }
    FuzzCheck.require(reparsed == value, "canonical form parses to another value: \(String(decoding: canonical, as: UTF8.self))")
    let again = CanonicalJSON.encode(reparsed)
    FuzzCheck.require(again == canonical, "canonicalisation is not idempotent: \(String(decoding: canonical, as: UTF8.self)) then \(String(decoding: again, as: UTF8.self))")
    return 0
}
