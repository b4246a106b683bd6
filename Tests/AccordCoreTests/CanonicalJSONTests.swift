import Foundation
import Testing

@testable import AccordCore

/// RFC 8785 conformance against the reference test data (Fixtures/jcs, Apache-2.0; see Fixtures/SOURCE.md).
@Suite struct CanonicalJSONTests {
    static let names = ["arrays", "french", "structures", "unicode", "values", "weird"]

    static func fixture(_ path: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/jcs/" + path, withExtension: nil))
        return [UInt8](try Data(contentsOf: url))
    }

    @Test(arguments: names)
    func reproducesReferenceOutputByteForByte(name: String) throws {
        let input = try Self.fixture("input/\(name).json")
        let expected = try Self.fixture("output/\(name).json")
        let canonical = CanonicalJSON.encode(try JSONParser.parse(input))
        #expect(canonical == expected, "\(name): \(String(decoding: canonical, as: UTF8.self))")
        let hex = String(decoding: try Self.fixture("outhex/\(name).txt"), as: UTF8.self).split(whereSeparator: \.isWhitespace).joined()
        #expect(Encoding.hex(canonical) == hex)
    }

    @Test func canonicalFormIsAFixedPoint() throws {
        for name in Self.names {
            let once = CanonicalJSON.encode(try JSONParser.parse(try Self.fixture("input/\(name).json")))
            #expect(CanonicalJSON.encode(try JSONParser.parse(once)) == once)
        }
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (123456789012345680000.0, "123456789012345680000"), (0.000001, "0.000001"), (0.0000001, "1e-7"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (5e-324, "5e-324"), (333333333.33333329, "333333333.3333333"),
        (4.5, "4.5"), (2e-3, "0.002"), (1e-27, "1e-27"), (9007199254740993.0, "9007199254740992"),
    ])
    func formatsNumbersLikeECMAScript(value: Double, expected: String) {
        #expect(CanonicalJSON.formatNumber(value) == expected)
    }

    /// Cutting a marked member's range out of the canonical bytes gives the canonical bytes of
    /// the object without it: first, middle, last, only and absent members, and escaped text.
    @Test(arguments: ["a", "m", "z", "q"])
    func markedMemberCutsOutCleanly(name: String) throws {
        for members: [String: JSONValue] in [
            ["a": 1, "m": "x\"y\n", "z": [true, nil]],
            [name: "only"],
            ["b": ["m": 2], "y": "\u{1F600}"],
            [:],
        ] {
            let (bytes, range) = CanonicalJSON.encode(object: members, marking: name)
            #expect(bytes == CanonicalJSON.encode(.object(members)))
            var without = members
            without.removeValue(forKey: name)
            var cut = bytes
            cut.removeSubrange(range)
            #expect(cut == CanonicalJSON.encode(.object(without)), "\(members) without \(name)")
            #expect(range.isEmpty == (members[name] == nil))
        }
    }

    @Test func sortsMembersByUTF16CodeUnits() {
        // U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it in UTF-8.
        let value: JSONValue = ["\u{FB33}": 1, "\u{1F600}": 2, "a": 3, "B": 4]
        #expect(CanonicalJSON.string(value) == "{\"B\":4,\"a\":3,\"\u{1F600}\":2,\"\u{FB33}\":1}")
    }
}

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", "duplicate member name"),
        ("\"\\ud800\"", "lone high surrogate"),
        ("\"\\udc00\"", "lone low surrogate"),
        ("[1,]", "unexpected character"),
        ("{} x", "unexpected data after the top-level value"),
        ("01", "leading zero"),
        ("1e999", "number out of range"),
        ("\"a\u{01}\"", "control character"),
        ("", "unexpected end of input"),
        ("[\"unterminated", "unterminated string"),
        ("nul", "unexpected end of input"),
        ("{\"a\" 1}", "expected ':'"),
    ])
    func rejectsWithAPreciseMessage(text: String, message: String) {
        #expect {
            _ = try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONParser.Error)?.message.contains(message) == true
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Error.self) { _ = try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(ok)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try JSONParser.parse("\"\\u00e9\\ud83d\\ude00\\n\\/\"")
        #expect(v == .string("é😀\n/"))
    }
}
