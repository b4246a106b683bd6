import AccordCore
import FuzzSupport
import RawStructuredFieldValues

/// libFuzzer entry point for the RFC 9421 `Signature-Input` and `Signature` headers and the
/// RFC 8941 structured-field parser underneath them.
///
/// The input is the `Signature-Input` value, a newline, then the `Signature` value. Checks:
/// `MessageSignature.verify` never crashes, whatever the headers; a signature that `parse`
/// accepts, written back as `sign` writes it, parses to the same signature; and each header
/// that parses as a structured-field dictionary, list or item serialises to a value that
/// parses back equal and serialises to the same bytes again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzCheck.bytes(data, size)
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    let input = String(decoding: bytes[..<newline], as: UTF8.self)
    let signature = newline < bytes.endIndex ? String(decoding: bytes[(newline + 1)...], as: UTF8.self) : ""
    checkVerify(input: input, signature: signature)
    checkParse(input: input, signature: signature)
    for header in [input, signature] { StructuredFieldRoundTrip.check(Array(header.utf8)) }
    return 0
}

/// A fixed request and clock: a fuzzed `created` near `now` gets as far as the key look-up.
let body = Array("{}".utf8)
let now = Timestamp(milliseconds: 1_767_225_600_000)
let pinned = try! PublicSigningKey(raw: Array(repeating: 0x3B, count: 32))

func checkVerify(input: String, signature: String) {
    let headers = [
        "signature-input": input, "signature": signature, "content-digest": MessageSignature.contentDigest(body),
        MessageSignature.recipientHeader: "borealis",
    ]
    _ = try? MessageSignature.verify(
        method: "POST", path: "/federation/v1/batches", body: body, header: { headers[$0] }, recipient: "borealis", now: now,
        key: { $0 == "aurelia" ? pinned : nil })
}

func checkParse(input: String, signature: String) {
    guard let parsed = try? MessageSignature.parse(signatureInput: input, signature: signature) else { return }
    let written = parsed.headers
    let again = try? MessageSignature.parse(signatureInput: written.signatureInput, signature: written.signature)
    FuzzCheck.require(again == parsed, "an accepted signature does not read back as written: \(written.signatureInput.debugDescription) \(written.signature.debugDescription)")
}
