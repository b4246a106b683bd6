import AccordCore
import AccordNode

/// The version `accord --version` prints, with the wire protocol version it speaks.
enum AccordVersion {
    static let number = "0.9.0"
    static var text: String { "accord \(number) (protocol \(Profile.protocolVersion))" }
}
