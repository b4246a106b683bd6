import Crypto
import Foundation
import Testing

@testable import AccordCore

/// RFC 9421 as written: the `accord` signature found by its label, other valid forms accepted,
/// unsupported ones refused with an error naming what is unsupported.
@Suite struct RFC9421Tests {
    let keys = NodeKeys.generate()
    let now = Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!
    let body = Array("{\"batch\":\"x\",\"events\":[]}".utf8)
    let path = "/federation/v1/batches"

    /// Signs the way a generic RFC 9421 library might: the given components and parameters.
    func signed(components: [String], params: String, digest: String? = nil, label: String = "accord", extraHeaders: [String: String] = [:]) -> [String: String] {
        var h: [String: String] = extraHeaders
        h["content-digest"] = digest ?? MessageSignature.contentDigest(body)
        h["accord-recipient"] = "borealis"
        let list = "(" + components.map { "\"\($0)\"" }.joined(separator: " ") + ")" + params
        let request = MessageSignature.RequestParts(method: "POST", path: path, authority: "borealis.example", header: { h[$0] })
        let base = (try? MessageSignature.signatureBase(covered: components, request: request, params: list)) ?? "unsignable"
        let sig = keys.sign(Array(base.utf8))
        h["signature-input"] = "\(label)=\(list)"
        h["signature"] = "\(label)=:\(Encoding.base64(sig)):"
        return h
    }

    func verify(_ h: [String: String]) throws(AccordError) -> String {
        let claim = try MessageSignature.inspect(header: { h[$0] }, recipient: "borealis", now: now)
        let request = MessageSignature.RequestParts(method: "POST", path: path, authority: "borealis.example", header: { h[$0] })
        return try MessageSignature.verify(claim, request: request, body: body, key: keys.publicSigningKey)
    }

    var created: Int64 { now.milliseconds / 1000 }

    @Test func findsTheAccordSignatureAmongSeveral() throws {
        var h = signed(components: MessageSignature.components, params: ";created=\(created);keyid=\"aurelia\";alg=\"ed25519\"")
        let other = "proxy=(\"@method\");created=\(created);keyid=\"gw\""
        h["signature-input"] = other + ", " + h["signature-input"]!
        h["signature"] = "proxy=:\(Encoding.base64(Array(repeating: 1, count: 64))):, " + h["signature"]!
        #expect(try verify(h) == "aurelia")
    }

    @Test func acceptsOtherOrdersExtraComponentsAndParameters() throws {
        let h = signed(
            components: ["accord-recipient", "content-digest", "@authority", "@path", "content-type", "@method"],
            params: ";keyid=\"aurelia\";nonce=\"n-1\";created=\(created);expires=\(created + 60);tag=\"accord\"",
            extraHeaders: ["content-type": "application/json"])
        #expect(try verify(h) == "aurelia")
    }

    @Test func checksEverySupportedDigest() throws {
        let sha512 = "sha-512=:\(Encoding.base64(SHA512.hash(data: body))):"
        let both = MessageSignature.contentDigest(body) + ", " + sha512
        #expect(try verify(signed(components: MessageSignature.components, params: ";created=\(created);keyid=\"aurelia\"", digest: both)) == "aurelia")
        #expect(try verify(signed(components: MessageSignature.components, params: ";created=\(created);keyid=\"aurelia\"", digest: sha512)) == "aurelia")
        let wrong512 = MessageSignature.contentDigest(body) + ", sha-512=:\(Encoding.base64(Array(repeating: 0, count: 64))):"
        #expect(throws: AccordError.self) { try verify(signed(components: MessageSignature.components, params: ";created=\(created);keyid=\"aurelia\"", digest: wrong512)) }
    }

    func refusal(_ h: [String: String]) -> AccordError? {
        do {
            _ = try verify(h)
            return nil
        } catch {
            return error
        }
    }

    @Test func refusesWhatItDoesNotSupportAndSaysWhat() {
        let p = ";created=\(created);keyid=\"aurelia\""
        let md5 = refusal(signed(components: MessageSignature.components, params: p, digest: "md5=:AAAA:"))
        #expect(md5?.message.contains("no supported algorithm") == true)
        let rsa = refusal(signed(components: MessageSignature.components, params: p + ";alg=\"rsa-pss-sha512\""))
        #expect(rsa?.message.contains("rsa-pss-sha512") == true)
        let status = refusal(signed(components: MessageSignature.components + ["@status"], params: p))
        #expect(status?.message.contains("@status") == true)
        let missing = refusal(signed(components: ["@method", "@path", "content-digest"], params: p))
        #expect(missing?.message.contains("accord-recipient") == true)
        let unknownParam = refusal(signed(components: MessageSignature.components, params: p + ";foo=1"))
        #expect(unknownParam?.message.contains("foo") == true)
        let noLabel = refusal(signed(components: MessageSignature.components, params: p, label: "sig1"))
        #expect(noLabel?.message.contains("accord") == true)
        let expired = refusal(signed(components: MessageSignature.components, params: p + ";expires=\(created - 1)"))
        #expect(expired?.code == .clockSkew)
        var withParams = signed(components: MessageSignature.components, params: p)
        withParams["signature-input"] = "accord=(\"@method\" \"@path\" \"content-digest\";sf \"accord-recipient\")" + p
        #expect(refusal(withParams)?.message.contains("parameters") == true)
    }

    @Test func aTamperedComponentFailsTheSignature() {
        var h = signed(components: MessageSignature.components + ["content-type"], params: ";created=\(created);keyid=\"aurelia\"", extraHeaders: ["content-type": "application/json"])
        h["content-type"] = "text/plain"
        #expect(refusal(h)?.code == .badSignature)
    }

    @Test func whatAccordSignsIsExactlyTheDocumentedForm() throws {
        let headers = Dictionary(uniqueKeysWithValues: MessageSignature.sign(
            method: "POST", path: "/accord/federation/v1/batches", body: body, recipient: "borealis", sender: "aurelia", keys: keys, created: now
        ).map { ($0.0.lowercased(), $0.1) })
        #expect(headers["signature-input"] == "accord=(\"@method\" \"@path\" \"content-digest\" \"accord-recipient\");created=\(created);keyid=\"aurelia\";alg=\"ed25519\"")
        // Verified against the real path, a prefix included.
        let claim = try MessageSignature.inspect(header: { headers[$0] }, recipient: "borealis", now: now)
        let request = MessageSignature.RequestParts(method: "POST", path: "/accord/federation/v1/batches", header: { headers[$0] })
        #expect(try MessageSignature.verify(claim, request: request, body: body, key: keys.publicSigningKey) == "aurelia")
        let stripped = MessageSignature.RequestParts(method: "POST", path: "/federation/v1/batches", header: { headers[$0] })
        #expect(throws: AccordError.self) { try MessageSignature.verify(claim, request: stripped, body: body, key: keys.publicSigningKey) }
    }
}
