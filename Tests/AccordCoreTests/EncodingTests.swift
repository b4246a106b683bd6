import AccordCore
import Foundation
import Testing

/// base64 and base64url (RFC 4648) against Foundation's encoder and the RFC's own vectors.
struct EncodingTests {
    @Test func theRFCVectors() {
        // RFC 4648 §10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Encoding.base64(Array(plain.utf8)) == encoded)
            #expect(Encoding.unbase64(encoded) == Array(plain.utf8))
            #expect(Encoding.base64url(Array(plain.utf8)) == encoded.replacingOccurrences(of: "=", with: ""))
        }
    }

    @Test func everyLengthAndByteAgreesWithFoundation() {
        var g = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &g) }
            let standard = Data(bytes).base64EncodedString()
            #expect(Encoding.base64(bytes) == standard)
            let url = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Encoding.base64url(bytes) == url)
            #expect(Encoding.unbase64url(url) == bytes)
            #expect(Encoding.unbase64(standard) == bytes)
        }
        // Bytes that use the two alphabets' last characters.
        #expect(Encoding.base64([0xFB, 0xFF]) == "+/8=")
        #expect(Encoding.base64url([0xFB, 0xFF]) == "-_8")
    }

    @Test func nonCanonicalAndForeignSpellingsAreRefused() {
        #expect(Encoding.unbase64("Zh==") == nil)  // stray bits in the last character
        #expect(Encoding.unbase64("Zg") == nil)  // padding missing
        #expect(Encoding.unbase64url("Zg==") == nil)  // padding in base64url
        #expect(Encoding.unbase64url("+/8") == nil)  // the standard alphabet in base64url
        #expect(Encoding.unbase64url("-_8") == [0xFB, 0xFF])
    }
}
