import AccordCore
import FuzzSupport

/// libFuzzer entry point for the federation batch body (`Batch.parse`, then `Event(json:)` on
/// each event, as a receiver does) and for the batch response a sender reads back.
///
/// For every batch accepted whose events all decode, the body `Batch.encode` writes for those
/// events parses to the same `after`, the id computed from the events, and the same events.
/// For every response accepted, its canonical body reads back to an equal response.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzCheck.bytes(data, size)
    checkBatch(bytes)
    checkResponse(bytes)
    return 0
}

func checkBatch(_ bytes: [UInt8]) {
    guard let batch = try? Batch.parse(bytes) else { return }
    var events: [Event] = []
    for json in batch.events {
        guard let event = try? Event(json: json) else { return }
        events.append(event)
    }
    let body = Batch.encode(events, after: batch.after)
    let text = String(decoding: body, as: UTF8.self)
    let again: (id: String, after: String?, events: [JSONValue])
    do {
        again = try Batch.parse(body)
    } catch {
        FuzzCheck.require(false, "Batch.encode wrote a body Batch.parse refuses: \(error); \(text)")
        return
    }
    FuzzCheck.require(again.id == Batch.id(for: events.map(\.id)), "the re-encoded batch id is not its events' id: \(text)")
    FuzzCheck.require(again.after == batch.after, "re-encoding changes after: \(text)")
    FuzzCheck.require(again.events == events.map(\.json), "re-encoding changes the events: \(text)")
}

func checkResponse(_ bytes: [UInt8]) {
    guard let response = try? BatchResponse(bytes: bytes) else { return }
    let body = response.bytes
    let text = String(decoding: body, as: UTF8.self)
    do {
        let again = try BatchResponse(bytes: body)
        FuzzCheck.require(again == response, "a batch response does not read back as written: \(text)")
        FuzzCheck.require(again.bytes == body, "a batch response's body is not stable: \(text)")
    } catch {
        FuzzCheck.require(false, "a batch response's own body does not parse: \(error); \(text)")
    }
}
