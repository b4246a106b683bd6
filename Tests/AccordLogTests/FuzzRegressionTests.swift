import AccordCore
import Foundation
import Testing
@testable import AccordLog

/// Inputs the fuzz targets (Sources/Fuzz, scripts/fuzz) found to crash or break a property,
/// kept as they were found so the bug stays fixed.
@Suite struct LogFuzzRegressionTests {
    static let checkpoint = try! SignedNote(text: "example.org/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    static let cosignatureLine = "\u{2014} borealis-247 xZbDNgAAAABrCUbMIBq2v/gMW3Pnm9Y4K/KlHJRgvpfyz9yoW/4/aKVEwAn3yjUsOf75ch976Hp+fAQb4rKPvSovxTzOKD/rqk+SDw==\n"

    /// FuzzAddCheckpoint: a witness answer is signature lines only, but any answer holding a
    /// blank line was read as a note whose text ran up to that line, and the lines after it
    /// returned as cosignatures. The input found: a whole add-checkpoint request body.
    @Test func aWitnessAnswerWithABlankLineIsRefused() {
        let found = Data(base64Encoded: "b2xkIDAKCmF1cmVsaWEtMjQ3CjcKUGpIaEhobHpMU01QYkYwei9WelBLZk80bnhsK3RYbzU0MlduNnFUVEpKTT0KCuKAlCBhdXJlbGlhLTI0NyB2V3FTR3YydERSN3BYckpISDUyNTVJNUd0bkQ5Yk9wZ0d6SkROeCt6d2g1Y0NNclpXUXAwbWlGZVZHRElEN1BUV0V1V01RUERYd3Y1cHlEeEgxZFlLc2U1Z3d3PQrigJQgYm9yZWFsaXMtMjQ3IHhaYkROZ0FBQUFCckNVYk1JQnEydi9nTVczUG5tOVk0Sy9LbEhKUmd2cGZ5ejl5b1cvNC9hS1ZFd0FuM3lqVXNPZjc1Y2g5NzZIcCtmQVFiNHJLUHZTb3Z4VHpPS0QvcnFrK1NEdz09CuKAlCBjYWxlZG9uaWEtMjQ3IGJqQUNRd0FBQUFCckNVYk42Ui9xc0xhUW14c25ROVdybFQrV2pJSThieE02S0tYdUFRU0xQQ3lyOHo1UnFhQUU5Mmp1SnRhRXora3J1MWNjQ1RvV3lpUkFPMW5EQVhqSENCR0pCQT09Cg==")!
        #expect(throws: AccordError.self) { try AddCheckpointRequest.cosignatureLines(Array(found), for: Self.checkpoint) }
        for answer in ["anything\n\n" + Self.cosignatureLine, "\n" + Self.cosignatureLine, Self.cosignatureLine + "\n" + Self.cosignatureLine] {
            #expect(throws: AccordError.self) { try AddCheckpointRequest.cosignatureLines(Array(answer.utf8), for: Self.checkpoint) }
        }
    }

    @Test func aWitnessAnswerOfSignatureLinesIsRead() throws {
        let lines = try AddCheckpointRequest.cosignatureLines(Array((Self.cosignatureLine + Self.cosignatureLine).utf8), for: Self.checkpoint)
        #expect(lines.count == 2 && lines.allSatisfy { $0.name == "borealis-247" })
        #expect(lines.map(\.line).joined() == Self.cosignatureLine + Self.cosignatureLine)
    }
}
