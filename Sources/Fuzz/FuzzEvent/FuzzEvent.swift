import AccordCore
import FuzzSupport

/// libFuzzer entry point for event decoding, `Event(bytes:)`, as a receiver runs it on every
/// event of a batch and the store on every event it reads back.
///
/// For every event accepted: its canonical bytes decode to an event with the same id and the
/// same canonical bytes, those bytes are the RFC 8785 form of the event's JSON, and the signed
/// bytes (canonical bytes with `sig` cut out) are the canonical form of the JSON without `sig`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzCheck.bytes(data, size)
    guard let event = try? Event(bytes: bytes) else { return 0 }
    let canonical = String(decoding: event.canonical, as: UTF8.self)
    FuzzCheck.require(event.canonical == CanonicalJSON.encode(event.json), "canonical bytes are not the JSON's canonical form: \(canonical)")
    let again: Event
    do {
        again = try Event(bytes: event.canonical)
    } catch {
        FuzzCheck.require(false, "the canonical bytes of an accepted event do not decode: \(error); \(canonical)")
        return 0
    }
    FuzzCheck.require(again.id == event.id, "re-decoding changes the id: \(canonical)")
    FuzzCheck.require(again.canonical == event.canonical, "re-decoding changes the canonical bytes: \(canonical)")
    FuzzCheck.require(again == event, "re-decoding gives another event: \(canonical)")
    guard case .object(var members) = event.json else {
        FuzzCheck.require(false, "an accepted event is not an object: \(canonical)")
        return 0
    }
    members[Event.signatureMember] = nil
    FuzzCheck.require(event.signedBytes == CanonicalJSON.encode(.object(members)), "signed bytes are not the canonical form without sig: \(canonical)")
    return 0
}
