import AccordCore
import AccordNode
import Foundation
import Hummingbird

/// A JSON request body of the operator API. Each declares its members, and `decode` refuses
/// a body with any other: a misspelt `urgnet`, or a step field put beside `body` instead of
/// inside it, is an error naming it rather than silently dropped.
protocol OperatorBody: Decodable {
    /// The top-level members this body may have.
    static var members: Set<String> { get }
}

extension OperatorBody where Self: Decodable {
    /// The unknown top-level members of `value`, sorted; empty when there are none.
    static func unknownMembers(of value: JSONValue) -> [String] {
        guard let object = value.objectValue else { return [] }
        return object.keys.filter { !members.contains($0) }.sorted()
    }
}

enum OperatorBodyDecoder {
    /// Reads, parses and decodes a request body: bad JSON, unknown members, missing members and
    /// members of the wrong type are each refused with `400` and the member named.
    static func decode<T: OperatorBody>(_ type: T.Type, _ request: Request, node: Node) async throws -> T {
        let bytes = try await request.bodyBytes(limit: node.configuration.maxBodyBytes, budget: node.bodyBudget)
        return try decode(type, bytes: bytes)
    }

    static func decode<T: OperatorBody>(_ type: T.Type, bytes: [UInt8]) throws -> T {
        // The strict parser first: duplicate names, bad UTF-8 and deep nesting get a precise message.
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw AccordError(.malformed, error.description) }
        guard value.objectValue != nil else { throw AccordError(.malformed, "the request body must be a JSON object") }
        let unknown = T.unknownMembers(of: value)
        if let first = unknown.first {
            let names = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
            throw AccordError(
                .invalidField,
                "unknown member\(unknown.count == 1 ? "" : "s") \(names); this request takes \(T.members.sorted().joined(separator: ", "))",
                field: first)
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw AccordError(.missingField, "the request needs \"\(key.stringValue)\"", field: key.stringValue)
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw AccordError(.invalidField, "\"\(path)\" has the wrong type", field: path)
        } catch let DecodingError.dataCorrupted(ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw AccordError(.invalidField, "\"\(path)\": \(ctx.debugDescription)", field: path)
        }
    }
}

extension OpenCaseRequest: OperatorBody {
    static var members: Set<String> { Self.memberNames }
}
