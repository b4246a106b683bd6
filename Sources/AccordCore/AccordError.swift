/// An error a person can act on: a stable code, a message, and where it applies, a field.
///
/// Messages never carry secrets (keys, tokens); codes are part of the API contract.
public struct AccordError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let malformed = Code(rawValue: "malformed")
        public static let invalidField = Code(rawValue: "invalid_field")
        public static let missingField = Code(rawValue: "missing_field")
        public static let badKey = Code(rawValue: "bad_key")
        public static let badSignature = Code(rawValue: "bad_signature")
        public static let unknownPeer = Code(rawValue: "unknown_peer")
        public static let notAddressed = Code(rawValue: "not_addressed")
        public static let illegalStep = Code(rawValue: "illegal_step")
        public static let unknownCase = Code(rawValue: "unknown_case")
        public static let notFound = Code(rawValue: "not_found")
        public static let conflict = Code(rawValue: "conflict")
        public static let tooLarge = Code(rawValue: "too_large")
        public static let unauthorized = Code(rawValue: "unauthorized")
        public static let forbidden = Code(rawValue: "forbidden")
        public static let clockSkew = Code(rawValue: "clock_skew")
        public static let replay = Code(rawValue: "replay")
        /// A batch that follows another the receiver has not processed.
        public static let outOfOrder = Code(rawValue: "out_of_order")
        public static let storage = Code(rawValue: "storage")
        public static let unavailable = Code(rawValue: "unavailable")
        public static let configuration = Code(rawValue: "configuration")
        /// Too many requests from one peer; `retryAfter` says when to try again.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// The node is at a limit shared by all clients (bodies in flight); `retryAfter` says when to try again.
        public static let busy = Code(rawValue: "busy")
        /// An event type the receiver does not accept (distinct from `malformed`).
        public static let unsupportedType = Code(rawValue: "unsupported_type")
    }

    public let code: Code
    public let message: String
    public let field: String?
    /// Seconds after which a refused request may be tried again (`rate_limited`).
    public let retryAfter: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code): \(message)" }
}
