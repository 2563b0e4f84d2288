import CVipsShim

/// Why an image was refused or could not be processed.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a format Aisle reads (or not what the `Content-Type` says).
    case unsupported(String)
    /// A supported format whose bytes do not decode (truncated, corrupt).
    case corrupt(String)
    /// Larger than the limits allow (bytes or pixels).
    case tooLarge(String)
    /// libvips failed for another reason.
    case failed(String)

    public var description: String {
        switch self {
        case .unsupported(let message), .corrupt(let message), .tooLarge(let message), .failed(let message): message
        }
    }
}

/// What an image's header says, before any pixel is decoded.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    /// As stored (before the EXIF orientation turns it).
    public var width: Int
    public var height: Int
    public var orientation: Int
    public var hasEXIF: Bool
    public var hasICCProfile: Bool

    /// Width and height as shown, after the EXIF orientation (5–8 swap them).
    public var displaySize: (width: Int, height: Int) { orientation >= 5 ? (height, width) : (width, height) }
    public var pixels: Int { width * height }
}

/// How a rendition is made.
public struct RenditionSpec: Sendable, Hashable {
    public enum Fit: String, Sendable, CaseIterable {
        /// Fill the box, cropping the centre.
        case cover
        /// Fit inside the box, keeping the whole image.
        case contain
    }
    /// The box, in pixels; a nil height lets the width decide.
    public var width: Int
    public var height: Int?
    public var fit: Fit
    public var format: ImageFormat
    /// 1...100.
    public var quality: Int
    public var enhance: Bool

    public init(width: Int, height: Int? = nil, fit: Fit = .contain, format: ImageFormat, quality: Int, enhance: Bool) {
        self.width = width
        self.height = height
        self.fit = fit
        self.format = format
        self.quality = quality
        self.enhance = enhance
    }
}

/// libvips behind plain functions: headers, renditions, pixels. Thread-safe; libvips starts on
/// first use.
public struct ImageCodec: Sendable {
    /// The largest original accepted, in pixels: a small file claiming more is a decompression
    /// bomb (refused from its header, before decoding).
    public var maxPixels: Int
    /// Threads libvips uses for one image (0: its default, the cores).
    public var threads: Int

    public init(maxPixels: Int = 100_000_000, threads: Int = 1) {
        self.maxPixels = maxPixels
        self.threads = threads
    }

    func start() throws(ImageError) {
        var error = [CChar](repeating: 0, count: 512)
        if aisle_vips_start(Int32(threads), &error, error.count) != 0 { throw .failed(Self.message(error)) }
    }

    /// The header of `bytes`, checked against the accepted formats and `maxPixels`.
    public func header(of bytes: [UInt8]) throws(ImageError) -> ImageHeader {
        guard let format = ImageFormat(sniffing: bytes) else {
            throw .unsupported("not an image Aisle reads (JPEG, PNG, WebP, HEIC or AVIF)")
        }
        try start()
        var header = aisle_image_header()
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBytes {
            aisle_image_header_read($0.baseAddress, $0.count, &header, &error, error.count)
        }
        guard status == 0 else { throw .corrupt(Self.message(error)) }
        let read = ImageHeader(
            format: format,
            width: Int(header.width),
            height: Int(header.height),
            orientation: Int(header.orientation),
            hasEXIF: header.has_exif != 0,
            hasICCProfile: header.has_icc != 0
        )
        guard read.width > 0, read.height > 0 else { throw .corrupt("the image has no pixels") }
        guard read.pixels <= maxPixels else {
            throw .tooLarge("\(read.width)×\(read.height) pixels is over the limit of \(maxPixels) pixels")
        }
        return read
    }

    /// A rendition of `bytes` (an original already verified: a failure here is the server's,
    /// `.failed`, not the client's).
    public func render(_ bytes: [UInt8], _ spec: RenditionSpec) throws(ImageError) -> [UInt8] {
        guard spec.format.isRenditionFormat else { throw .unsupported("renditions are JPEG, PNG, WebP or AVIF") }
        try start()
        var options = aisle_render_options(
            width: Int32(spec.width),
            height: Int32(spec.height ?? 0),
            cover: spec.fit == .cover && spec.height != nil ? 1 : 0,
            format: Self.code(spec.format),
            quality: Int32(min(max(spec.quality, 1), 100)),
            enhance: spec.enhance ? 1 : 0
        )
        var out: UnsafeMutableRawPointer?
        var length = 0
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBytes {
            aisle_image_render($0.baseAddress, $0.count, &options, &out, &length, &error, error.count)
        }
        guard status == 0, let out else { throw .failed(Self.message(error)) }
        defer { aisle_vips_free(out) }
        return Array(UnsafeRawBufferPointer(start: out, count: length))
    }

    /// Decodes every pixel at full size: throws `.corrupt` for a truncated or damaged file.
    /// Renditions use shrink-on-load, which may not read the part of a file a small rendition
    /// does not need; an upload is verified once, whole.
    public func verify(_ bytes: [UInt8]) throws(ImageError) {
        try start()
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBytes { aisle_image_verify($0.baseAddress, $0.count, &error, error.count) }
        guard status == 0 else { throw .corrupt(Self.message(error)) }
    }

    /// The whole image decoded, oriented, in sRGB, squeezed to
    /// `width`×`height`: RGB bytes, row by row.
    public func pixels(of bytes: [UInt8], width: Int, height: Int) throws(ImageError) -> [UInt8] {
        try start()
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBytes { data in
            rgb.withUnsafeMutableBufferPointer {
                aisle_image_pixels(
                    data.baseAddress,
                    data.count,
                    Int32(width),
                    Int32(height),
                    $0.baseAddress,
                    &error,
                    error.count
                )
            }
        }
        guard status == 0 else { throw .corrupt(Self.message(error)) }
        return rgb
    }

    /// RGB pixels encoded as `format`, with an EXIF `orientation` (JPEG; 1 for none): images
    /// for tests and benchmarks.
    public func encode(
        rgb: [UInt8],
        width: Int,
        height: Int,
        as format: ImageFormat,
        quality: Int = 90,
        orientation: Int = 1
    ) throws(ImageError) -> [UInt8] {
        guard rgb.count == width * height * 3 else {
            throw .failed("\(rgb.count) bytes are not \(width)×\(height) RGB")
        }
        try start()
        var out: UnsafeMutableRawPointer?
        var length = 0
        var error = [CChar](repeating: 0, count: 512)
        let status = rgb.withUnsafeBufferPointer {
            aisle_image_encode_rgb(
                $0.baseAddress,
                Int32(width),
                Int32(height),
                Self.code(format),
                Int32(quality),
                Int32(orientation),
                &out,
                &length,
                &error,
                error.count
            )
        }
        guard status == 0, let out else { throw .failed(Self.message(error)) }
        defer { aisle_vips_free(out) }
        return Array(UnsafeRawBufferPointer(start: out, count: length))
    }

    static func code(_ format: ImageFormat) -> Int32 {
        switch format {
        case .jpeg: Int32(AISLE_FORMAT_JPEG.rawValue)
        case .png: Int32(AISLE_FORMAT_PNG.rawValue)
        case .webp: Int32(AISLE_FORMAT_WEBP.rawValue)
        case .avif: Int32(AISLE_FORMAT_AVIF.rawValue)
        case .heic: Int32(AISLE_FORMAT_HEIC.rawValue)
        }
    }

    static func message(_ error: [CChar]) -> String {
        let bytes = error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
