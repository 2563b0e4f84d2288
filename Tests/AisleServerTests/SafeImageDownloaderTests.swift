import AisleServer
import Testing

@Suite("image_url downloads: which addresses are public")
struct SafeImageDownloaderTests {
    @Test(
        "loopback, private, link-local, carrier-grade NAT, multicast and reserved IPv4 are not public",
        arguments: [
            [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1],
            [169, 254, 169, 254],
            [100, 64, 0, 1], [0, 0, 0, 0], [224, 0, 0, 1], [255, 255, 255, 255], [198, 18, 0, 1], [192, 0, 0, 8],
            [192, 0, 2, 1], [198, 51, 100, 7], [203, 0, 113, 9],
        ] as [[UInt8]]
    )
    func privateIPv4(address: [UInt8]) {
        #expect(!SafeImageDownloader.isPublic(address))
    }

    @Test(
        "public IPv4 addresses are",
        arguments: [[8, 8, 8, 8], [93, 184, 216, 34], [172, 32, 0, 1], [100, 128, 0, 1]] as [[UInt8]]
    )
    func publicIPv4(address: [UInt8]) {
        #expect(SafeImageDownloader.isPublic(address))
    }

    @Test("IPv6: loopback, unspecified, unique local, link-local, multicast and mapped private IPv4 are not public")
    func ipv6() {
        func v6(_ head: [UInt8], _ tail: [UInt8] = []) -> [UInt8] {
            head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
        }
        #expect(!SafeImageDownloader.isPublic(v6([], [1])))
        #expect(!SafeImageDownloader.isPublic(v6([])))
        #expect(!SafeImageDownloader.isPublic(v6([0xFD, 0x12])))
        #expect(!SafeImageDownloader.isPublic(v6([0xFE, 0x80])))
        #expect(!SafeImageDownloader.isPublic(v6([0xFF, 0x02])))
        #expect(!SafeImageDownloader.isPublic(v6([], [0xFF, 0xFF, 127, 0, 0, 1])))
        #expect(!SafeImageDownloader.isPublic(v6([0x00, 0x64, 0xFF, 0x9B], [10, 0, 0, 1])))
        #expect(SafeImageDownloader.isPublic(v6([], [0xFF, 0xFF, 8, 8, 8, 8])))
        #expect(!SafeImageDownloader.isPublic(v6([], [127, 0, 0, 1])))  // ::127.0.0.1
        #expect(!SafeImageDownloader.isPublic(v6([0x20, 0x02, 10, 0, 0, 1])))  // 6to4 of 10.0.0.1
        #expect(SafeImageDownloader.isPublic(v6([0x20, 0x02, 8, 8, 8, 8])))
        #expect(!SafeImageDownloader.isPublic(v6([0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01])))
        #expect(!SafeImageDownloader.isPublic(v6([0xFE, 0xC0])))
        #expect(SafeImageDownloader.isPublic(v6([0x26, 0x06, 0x47, 0x00])))
        #expect(!SafeImageDownloader.isPublic([1, 2, 3]))
    }
}
