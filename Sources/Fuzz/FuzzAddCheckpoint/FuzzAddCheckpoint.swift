import AccordCore
import AccordLog
import FuzzSupport

/// libFuzzer entry point for the tlog-witness `add-checkpoint` request body a witness parses
/// (`AddCheckpointRequest(parsing:)`), and for the cosignature lines a log reads from a
/// witness's answer (`AddCheckpointRequest.cosignatureLines`).
///
/// Every request accepted is in the one form `body` writes: it serialises back to the input
/// byte for byte and parses again to an equal request.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzCheck.bytes(data, size)
    if let request = try? AddCheckpointRequest(parsing: bytes) {
        let input = String(decoding: bytes, as: UTF8.self)
        FuzzCheck.require(request.body == bytes, "the request does not serialise back to its body: \(input.debugDescription)")
        FuzzCheck.require((try? AddCheckpointRequest(parsing: request.body)) == request, "the serialised request parses to another: \(input.debugDescription)")
        FuzzCheck.require(request.oldSize >= 0 && request.proof.count <= AddCheckpointRequest.maxProofLines, "accepted old \(request.oldSize) with \(request.proof.count) proof lines")
    }
    if let lines = try? AddCheckpointRequest.cosignatureLines(bytes, for: witnessedNote) {
        FuzzCheck.require(!lines.isEmpty, "a witness answer without a cosignature line was accepted")
        FuzzCheck.require(lines.map(\.line).joined() == String(decoding: bytes, as: UTF8.self), "cosignature lines do not serialise back to the answer")
    }
    return 0
}

/// The checkpoint a witness answer is read against.
let witnessedNote = try! SignedNote(text: "example.org/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
