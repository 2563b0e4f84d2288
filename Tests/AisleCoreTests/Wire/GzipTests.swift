import AisleCore
import Testing

@Suite struct GzipTests {
    @Test("compress then decompress gives the bytes back, empty ones too")
    func roundTrip() throws {
        for text in ["", "a", String(repeating: "event ", count: 10_000), "羽绒服 ✓"] {
            let compressed = try #require(Gzip.compress(Array(text.utf8)))
            #expect(compressed.starts(with: [0x1F, 0x8B]), "a gzip header")
            #expect(try Gzip.decompress(compressed, maxBytes: 1 << 20) == Array(text.utf8))
        }
    }

    @Test("output past the limit is payload_too_large; garbage and truncation are invalid_json")
    func refusals() throws {
        let compressed = try #require(Gzip.compress([UInt8](repeating: 1, count: 100_000)))
        #expect(
            throws: AisleError(
                code: .payloadTooLarge,
                message: "the gzip body inflates to more than the limit of 1000 bytes"
            )
        ) {
            try Gzip.decompress(compressed, maxBytes: 1_000)
        }
        for bad in [Array("plain".utf8), Array(compressed.prefix(compressed.count / 2)), []] {
            #expect {
                try Gzip.decompress(bad, maxBytes: 1 << 20)
            } throws: { ($0 as? AisleError)?.code == .invalidJSON }
        }
    }
}
