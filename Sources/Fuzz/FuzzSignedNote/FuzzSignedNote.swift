import AccordCore
import AccordLog
import FuzzSupport

/// libFuzzer entry point for C2SP signed notes (`SignedNote(parsing:)`), the checkpoints they
/// carry (`Checkpoint(body:)`) and the cosignatures among their lines (`Cosignature`).
///
/// The parser is strict, so every note it accepts is in the one form it writes: serialising
/// gives back the input byte for byte, and parsing that gives an equal note. The same holds
/// for a checkpoint text and for a cosignature's note signature line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzCheck.bytes(data, size)
    guard let note = try? SignedNote(parsing: bytes) else { return 0 }
    let input = String(decoding: bytes, as: UTF8.self)
    FuzzCheck.require(note.serialized == input, "serialising does not give back the note: \(input.debugDescription) became \(note.serialized.debugDescription)")
    FuzzCheck.require((try? SignedNote(parsing: note.serialized)) == note, "the serialised note parses to another note: \(input.debugDescription)")
    FuzzCheck.require(!note.signatures.isEmpty && note.signatures.count <= SignedNote.maxSignatures, "accepted \(note.signatures.count) signatures")
    if let checkpoint = try? Checkpoint(body: note.text) {
        FuzzCheck.require(checkpoint.body == note.text, "a checkpoint does not serialise to its text: \(note.text.debugDescription)")
    }
    for signature in note.signatures {
        guard let cosignature = try? Cosignature(signature) else { continue }
        FuzzCheck.require(cosignature.noteSignature == signature, "a cosignature does not give back its line: \(signature.line.debugDescription)")
    }
    return 0
}
