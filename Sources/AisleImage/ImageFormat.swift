import Foundation

/// The image formats Aisle accepts as originals, and the ones it writes renditions in.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    case jpeg, png, webp, heic, avif

    /// The media type (`Content-Type`).
    public var mediaType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .heic: "image/heic"
        case .avif: "image/avif"
        }
    }

    /// The format of a media type (parameters ignored; `image/jpg` and `image/heif` read too).
    public init?(mediaType: String) {
        let bare = mediaType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch bare {
        case "image/jpeg", "image/jpg", "image/pjpeg": self = .jpeg
        case "image/png": self = .png
        case "image/webp": self = .webp
        case "image/heic", "image/heif": self = .heic
        case "image/avif": self = .avif
        default: return nil
        }
    }

    /// The format the bytes are in, from their signature, or nil.
    public init?(sniffing bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(64))
        func matches(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + signature.count && Array(head[offset..<offset + signature.count]) == signature
        }
        if matches([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if matches([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if matches(Array("RIFF".utf8)) && matches(Array("WEBP".utf8), at: 8) {
            self = .webp
        } else if matches(Array("ftyp".utf8), at: 4), head.count >= 12 {
            // ISO base media: the major brand, then (up to the box's end) compatible brands.
            let boxEnd = min(head.count, Int(head[0]) << 24 | Int(head[1]) << 16 | Int(head[2]) << 8 | Int(head[3]))
            var brands: [String] = [String(decoding: head[8..<12], as: UTF8.self)]
            var offset = 16
            while offset + 4 <= boxEnd {
                brands.append(String(decoding: head[offset..<offset + 4], as: UTF8.self))
                offset += 4
            }
            if brands.contains(where: { $0 == "avif" || $0 == "avis" }) {
                self = .avif
            } else if brands.contains(where: {
                ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"].contains($0)
            }) {
                self = .heic
            } else {
                return nil
            }
        } else {
            return nil
        }
    }

    /// Formats a rendition may be written in (HEIC is read, not written: browsers do not show it).
    public var isRenditionFormat: Bool { self != .heic }

    /// The file extension.
    public var fileExtension: String { rawValue == "jpeg" ? "jpg" : rawValue }
}
