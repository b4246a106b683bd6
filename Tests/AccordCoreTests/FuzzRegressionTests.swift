import Foundation
import Testing

@testable import AccordCore

/// Inputs the fuzz targets (Sources/Fuzz, scripts/fuzz) found to crash or break a property,
/// kept as they were found so the bug stays fixed.
@Suite struct FuzzRegressionTests {
    static let components = "(\"@method\" \"@path\" \"content-digest\" \"accord-recipient\")"
    static let signature = "accord=:\(Encoding.base64([UInt8](repeating: 0, count: 64))):"

    func verify(signatureInput: String, signature: String) -> AccordError.Code? {
        let body = Array("{}".utf8)
        let headers = [
            "signature-input": signatureInput, "signature": signature,
            "content-digest": MessageSignature.contentDigest(body), "accord-recipient": "borealis",
        ]
        do {
            _ = try MessageSignature.verify(
                method: "POST", path: "/federation/v1/batches", body: body, header: { headers[$0] }, recipient: "borealis",
                now: Timestamp(milliseconds: 1_767_225_600_000), key: { _ in nil })
            return nil
        } catch {
            return error.code
        }
    }

    /// FuzzMessageSignature: an RFC 9651 date or display string where Accord expects a byte
    /// sequence, a string or an integer trapped in swift-http-structured-headers' deprecated
    /// RFC 8941 accessors (`try!` on `invalidItem`): any client could crash a node with one
    /// unauthenticated request. Now it is refused like any other malformed signature.
    @Test(arguments: [
        // Signature: a date, then a display string, as the `accord` member.
        ("accord=\(components);created=1;keyid=\"aurelia\";alg=\"ed25519\"", "accord=@1"),
        ("accord=\(components);created=1;keyid=\"aurelia\";alg=\"ed25519\"", "accord=%\"caf%c3%a9\""),
        // Signature-Input: a date as `created`, an unknown date parameter, a date component.
        ("accord=\(components);created=@1767225600;keyid=\"aurelia\";alg=\"ed25519\"", signature),
        ("accord=\(components);created=1767225600;keyid=\"aurelia\";alg=\"ed25519\";d=@1659578233", signature),
        ("accord=(\"@method\";d=@1 \"@path\" \"content-digest\" \"accord-recipient\");created=1;keyid=\"aurelia\";alg=\"ed25519\"", signature),
        ("accord=(@1 \"@path\" \"content-digest\" \"accord-recipient\");created=1;keyid=\"aurelia\";alg=\"ed25519\"", signature),
        ("accord=\(components);created=1767225600;keyid=%\"aurelia\";alg=\"ed25519\"", signature),
    ])
    func rfc9651ItemsInSignatureHeadersAreRefusedNotATrap(signatureInput: String, signature: String) {
        #expect(verify(signatureInput: signatureInput, signature: signature) == .unauthorized)
    }

    /// FuzzMessageSignature: a keyid with an escaped quote or backslash (`keyid="au\\"r"`) was
    /// accepted, but the signature base writes keyid back unescaped, so the parameters Accord
    /// signs and verifies were not the ones in the header and did not parse back. Accord's
    /// keyid is a node name; anything else is refused.
    @Test(arguments: ["au\\\"r", "au\\\\r", "Aurelia", "aurelia 2", ""])
    func aKeyIDThatIsNotANodeNameIsRefused(keyid: String) throws {
        let input = "accord=\(Self.components);created=1767225600;keyid=\"\(keyid)\";alg=\"ed25519\""
        #expect(verify(signatureInput: input, signature: Self.signature) == .unauthorized)
        #expect(throws: AccordError.self) { try MessageSignature.parse(signatureInput: input, signature: Self.signature) }
    }

    /// What `parse` accepts reads back the same once written as `sign` writes it.
    @Test func aParsedSignatureReadsBackAsWritten() throws {
        let input = "accord=\(Self.components);created=1767225600;keyid=\"aurelia\";alg=\"ed25519\""
        let parsed = try MessageSignature.parse(signatureInput: input, signature: Self.signature)
        #expect(parsed.keyid == "aurelia" && parsed.created == 1_767_225_600)
        let written = parsed.headers
        #expect(written.signatureInput == input)
        #expect(try MessageSignature.parse(signatureInput: written.signatureInput, signature: written.signature) == parsed)
    }
}
