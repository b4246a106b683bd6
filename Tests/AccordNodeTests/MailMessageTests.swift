import AccordCore
import Foundation
import Testing

@testable import AccordNode

/// E-mail headers as RFC 5322 and RFC 2047 want them, whatever a peer wrote.
struct MailMessageTests {
    @Test func nonASCIISubjectsAreEncodedWordsAndLongOnesFolded() throws {
        let subject = "Überprüfung der Protokolldaten für die Staatsanwaltschaft Köln — dringend, bitte heute noch bestätigen"
        let header = MailSender.header("Subject", subject)
        let lines = header.components(separatedBy: "\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 && $0.utf8.allSatisfy { $0 < 0x80 } }, "\(lines)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        // Decoding the encoded words gives the subject back.
        var decoded = ""
        for word in header.dropFirst("Subject: ".count).components(separatedBy: "\n ") {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let b64 = String(word.dropFirst("=?UTF-8?B?".count).dropLast(2))
            decoded += String(decoding: try #require(Data(base64Encoded: b64)), as: UTF8.self)
        }
        #expect(decoded == subject)

        let ascii = MailSender.header("Subject", "Action needed: case.request_information by borealis-247 in Expedited preservation request")
        #expect(ascii.components(separatedBy: "\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(ascii.replacingOccurrences(of: "\n ", with: " ") == "Subject: Action needed: case.request_information by borealis-247 in Expedited preservation request")
    }

    @Test func aPeersTextCannotAddHeadersOrLines() {
        let payload: JSONValue = [
            "id": "ntf-0123", "event": "request.received",
            "case": ["id": "ab", "kind_title": "Request for assistance", "title": "Hello\r\nBcc: victim@example.org\n\nInjected body", "initiator": "evil\nX-Spam: yes", "urgent": false],
        ]
        let message = MailSender.message(payload: payload, settings: .init(command: "/usr/sbin/sendmail -t -i", to: ["duty@cert.example"], from: "accord@cert.example"),
                                         node: "borealis-247", now: Timestamp(rfc3339: "2026-11-27T09:00:00.000Z")!)
        let head = message.components(separatedBy: "\n\n")[0]
        #expect(!head.contains("\nBcc:") && !head.contains("\nX-Spam:"), "\(head)")
        #expect(!message.contains("\nBcc:") && !message.contains("\nInjected body") && !message.contains("\nX-Spam"), "\(message)")
    }
}
