import AisleCore
import AisleEngine
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// `aisle import images DIR`: each photo file becomes its item's photo, with the checks
/// `PUT /v1/items/{id}/image` makes. The item id is the file's name without its extension, or
/// what a mapping CSV (`file,item_id` with a header) says. Files that fail go to the rejects
/// file (`{"file", "item_id", "code", "message"}`) and the import goes on.
struct ImageImport {
    /// Where the photos go.
    enum Destination: Sendable {
        case folder(DataFolder)
        case server(baseURL: String, key: String)
    }

    let directory: String
    let mapping: String?
    let rejectsPath: String

    static let extensions: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
        "heic": "image/heic", "heif": "image/heic", "avif": "image/avif",
    ]

    struct Summary {
        var imported = 0
        var rejected = 0
        var bytes = 0
        var seconds = 0.0
    }

    /// The files to import and their item ids, in file name order.
    func plan() throws -> [(path: String, item: String)] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
            throw ImportFailure("\(directory) is not a folder")
        }
        if let mapping {
            guard let text = try? String(contentsOfFile: mapping, encoding: .utf8) else {
                throw ImportFailure("cannot read the mapping file \(mapping)")
            }
            var lines = text.split(whereSeparator: \.isNewline).map {
                $0.split(separator: ",", omittingEmptySubsequences: false)
            }
            guard let header = lines.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
                let fileColumn = header.firstIndex(of: "file"), let itemColumn = header.firstIndex(of: "item_id")
            else { throw ImportFailure("\(mapping) needs a header with the columns file and item_id") }
            lines.removeFirst()
            return lines.compactMap { fields in
                guard fields.count > max(fileColumn, itemColumn) else { return nil }
                let file = fields[fileColumn].trimmingCharacters(in: .whitespaces)
                let item = fields[itemColumn].trimmingCharacters(in: .whitespaces)
                return file.isEmpty ? nil : ((directory as NSString).appendingPathComponent(file), item)
            }
        }
        return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            .filter { Self.extensions[($0 as NSString).pathExtension.lowercased()] != nil }
            .map { ((directory as NSString).appendingPathComponent($0), ($0 as NSString).deletingPathExtension) }
    }

    func run(into destination: Destination) async throws -> Summary {
        let files = try plan()
        guard !files.isEmpty else {
            throw ImportFailure("no photos (.jpg .jpeg .png .webp .heic .avif) in \(directory)")
        }
        let rejects = RejectsFile(path: rejectsPath)
        defer { rejects.close() }
        var progress = Progress(label: "import images", totalBytes: files.count)
        var summary = Summary()
        let client: HTTPClient? = {
            if case .server = destination { return HTTPClient(eventLoopGroupProvider: .singleton) }
            return nil
        }()
        // As many photos at once as there are cores: decoding is most of the work.
        let parallel = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        try await withThrowingTaskGroup(of: (file: (path: String, item: String), result: Result<Int, AisleError>).self)
        {
            group in
            var next = 0
            var done = 0
            func start() {
                let file = files[next]
                next += 1
                group.addTask { (file, await Self.importOne(file, into: destination, client: client)) }
            }
            while next < min(parallel, files.count) { start() }
            while let finished = try await group.next() {
                switch finished.result {
                case .success(let bytes):
                    summary.imported += 1
                    summary.bytes += bytes
                case .failure(let error):
                    summary.rejected += 1
                    try rejects.add(file: finished.file.path, item: finished.file.item, error: error)
                }
                done += 1
                progress.update(rows: done, bytes: done)
                if next < files.count { start() }
            }
        }
        progress.finish()
        try? await client?.shutdown()
        summary.seconds = progress.elapsedSeconds
        return summary
    }

    /// One photo into the destination: its size in bytes, or why it was refused.
    static func importOne(
        _ file: (path: String, item: String),
        into destination: Destination,
        client: HTTPClient?
    ) async -> Result<Int, AisleError> {
        do {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw AisleError.notFound("cannot read \(file.path)")
            }
            let id = try ItemID(validating: file.item, field: "item_id")
            let mediaType = extensions[(file.path as NSString).pathExtension.lowercased()]
            switch destination {
            case .folder(let folder):
                _ = try await folder.importItemImage(id, bytes: Array(data), mediaType: mediaType)
            case .server(let baseURL, let key):
                try await put(client, baseURL, key, id, Array(data), mediaType)
            }
            return .success(data.count)
        } catch let error as AisleError {
            return .failure(error)
        } catch {
            return .failure(AisleError(code: .unavailable, message: "\(error)"))
        }
    }

    static func put(
        _ client: HTTPClient?,
        _ baseURL: String,
        _ key: String,
        _ id: ItemID,
        _ bytes: [UInt8],
        _ mediaType: String?
    ) async throws {
        guard let client else { return }
        let escaped =
            id.rawValue.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id.rawValue
        var request = HTTPClientRequest(
            url: "\(baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL)/v1/items/\(escaped)/image"
        )
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        if let mediaType { request.headers.add(name: "Content-Type", value: mediaType) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await client.execute(request, timeout: .seconds(120))
        let data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        guard response.status.code == 200 else {
            if let body = try? JSONDecoder().decode(ErrorBody.self, from: data),
                let code = AisleError.Code(rawValue: body.error.code)
            {
                throw AisleError(code: code, message: body.error.message, field: body.error.field)
            }
            throw ImportFailure("the server answered \(response.status.code) to PUT \(request.url)")
        }
    }
}

extension RejectsFile {
    /// A photo that could not be imported.
    func add(file: String, item: String, error: AisleError) throws {
        try add(
            record: [
                "file": .string(file), "item_id": .string(item), "code": .string(error.code.rawValue),
                "message": .string(error.message),
            ]
        )
    }
}
