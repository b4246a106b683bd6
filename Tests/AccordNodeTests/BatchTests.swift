import AccordCore
@testable import AccordNode
import Testing

/// The batch response as sent and as read back by the sender's delivery loop.
@Suite struct BatchResponseTests {
    @Test func roundTripsEveryKindOfResult() throws {
        let response = BatchResponse(batch: "b1", results: [
            EventResult(index: 0, id: String(repeating: "a", count: 64), status: .accepted),
            EventResult(index: 1, id: String(repeating: "b", count: 64), status: .duplicate),
            EventResult(index: 2, id: nil, status: .rejected, code: "malformed", message: "body must be an object \"here\" — ünïcode"),
        ])
        let bytes = response.bytes
        #expect(try BatchResponse(bytes: bytes) == response)
        // Canonical JSON: members sorted, no whitespace.
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("{\"batch\":\"b1\",\"results\":[{\"id\":\"aaaa"))
    }

    @Test(arguments: [
        "", "not json", "[]", "{\"batch\":\"b1\"}", "{\"results\":[]}",
        "{\"batch\":\"b1\",\"results\":[{\"index\":0}]}",
        "{\"batch\":\"b1\",\"results\":[{\"index\":0,\"status\":\"maybe\"}]}",
        "{\"batch\":\"b1\",\"results\":[{\"index\":\"0\",\"status\":\"accepted\"}]}",
    ])
    func aGarbledResponseIsAMalformedError(text: String) {
        #expect(throws: AccordError.self) { _ = try BatchResponse(bytes: Array(text.utf8)) }
    }
}
