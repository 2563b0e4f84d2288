import AisleCore
import AisleEngine
import Foundation
import Hummingbird
import NIOCore

/// Product photos: upload and removal with the admin key (`catalog:write`), renditions for
/// anyone or the ingest key (`images.publicRenditions`), docs/IMAGES.md.
struct ImageRoutes {
    let engine: Engine
    let configuration: AisleConfiguration

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.put("items/{id}/image", use: upload)
        group.delete("items/{id}/image", use: delete)
        group.get("items/{id}/image/info", use: info)
        group.get("images/duplicates", use: duplicates)
    }

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.get("items/{id}/visually-similar", use: visuallySimilar)
    }

    func register(renditions group: RouterGroup<AisleRequestContext>) {
        group.get("items/{id}/image", use: itemRendition)
        group.get("images/{sha256}", use: contentRendition)
    }

    @Sendable func upload(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        var request = request
        let bytes = try await request.bodyBytes(maxBytes: configuration.images.maxUploadBytes)
        let image = try await engine.putItemImage(id, bytes: bytes, mediaType: request.headers[.contentType])
        return JSONResponse.encoded(ImageBody(image))
    }

    @Sendable func delete(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        guard try await engine.deleteItemImage(id) else { throw AisleError.notFound("item \"\(id)\" has no image") }
        return Response(status: .noContent)
    }

    @Sendable func info(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        guard let image = try await engine.itemImage(id) else {
            var message = "item \"\(id)\" has no image"
            if let fetch = try await engine.imageFetch(id), let error = fetch.error {
                message += "; fetching its image_url failed at \(fetch.at): \(error)"
            }
            throw AisleError.notFound(message)
        }
        return JSONResponse.encoded(ImageBody(image))
    }

    @Sendable func visuallySimilar(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        let limit = try request.queryInt("limit", default: 10, in: 1...100)
        guard let matches = try await engine.visuallySimilar(to: id, limit: limit) else {
            throw AisleError.notFound("item \"\(id)\" has no image")
        }
        return JSONResponse.encoded(
            VisualMatchesBody(
                data: matches.map {
                    VisualMatchesBody.Match(
                        itemID: $0.itemID.rawValue,
                        score: (Double($0.score) * 1e6).rounded().finiteForJSON / 1e6,
                        hashDistance: $0.hashDistance
                    )
                }
            )
        )
    }

    @Sendable func duplicates(request: Request, context: AisleRequestContext) async throws -> Response {
        let distance = try request.queryInt("max_distance", default: 4, in: 0...7)
        let groups = try await engine.duplicateImages(maxDistance: distance)
        return JSONResponse.encoded(DuplicateImagesBody(groups: groups.map { $0.map(\.rawValue) }))
    }

    @Sendable func itemRendition(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ItemID.self)
        let asked = try Self.renditionRequest(request)
        guard let plan = try await engine.renditionPlan(itemID: id, asked) else {
            throw AisleError.notFound("item \"\(id)\" has no image")
        }
        // The item's photo may change: browsers check again after a few minutes.
        let maxAge = configuration.images.itemImageMaxAge.components.seconds
        return try await answer(request, plan, cacheControl: "\(visibility), max-age=\(maxAge)")
    }

    @Sendable func contentRendition(request: Request, context: AisleRequestContext) async throws -> Response {
        let sha256 = context.parameters.get("sha256") ?? ""
        let asked = try Self.renditionRequest(request)
        guard let plan = try await engine.renditionPlan(sha256: sha256, asked) else {
            throw AisleError.notFound("no image \"\(sha256.prefix(64))\"")
        }
        // The URL names the content: it never changes.
        return try await answer(request, plan, cacheControl: "\(visibility), max-age=31536000, immutable")
    }

    /// Who may keep a copy: shared caches too when renditions are public; only the client when
    /// they need a key (a shared cache would hand them out without one).
    var visibility: String { configuration.images.publicRenditions ? "public" : "private" }

    /// The rendition, or 304 when the client holds it (answered before any decoding).
    func answer(_ request: Request, _ plan: RenditionPlan, cacheControl: String) async throws -> Response {
        var headers = HTTPFields()
        headers[.eTag] = plan.entityTag
        headers[.cacheControl] = cacheControl
        if plan.variesByAccept { headers[.vary] = "Accept" }
        if let held = request.headers[.ifNoneMatch],
            held == "*"
                || held.split(separator: ",").contains(where: {
                    // If-None-Match compares weakly (RFC 9110): W/"x" matches "x".
                    let tag = $0.trimmingCharacters(in: .whitespaces)
                    return (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == plan.entityTag
                })
        {
            return Response(status: .notModified, headers: headers)
        }
        let rendition = try await engine.rendition(plan)
        headers[.contentType] = rendition.mediaType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: rendition.bytes)))
    }

    /// `w`, `h`, `fit`, `format`, `q`, `enhance`, `dpr`, and the formats `Accept` names.
    static func renditionRequest(_ request: Request) throws -> RenditionRequest {
        var asked = RenditionRequest()
        if request.queryValue("w") != nil { asked.width = try request.queryInt("w", default: 0, in: 1...8192) }
        if request.queryValue("h") != nil { asked.height = try request.queryInt("h", default: 0, in: 1...8192) }
        if let fit = request.queryValue("fit") {
            guard let value = RenditionRequest.Fit(rawValue: fit) else {
                throw AisleError.invalid("fit", "fit is cover or contain, got \"\(fit.prefix(32))\"")
            }
            asked.fit = value
        }
        if let format = request.queryValue("format") {
            guard let value = RenditionRequest.Format(rawValue: format) else {
                throw AisleError.invalid(
                    "format",
                    "format is auto, avif, webp, jpeg or png, got \"\(format.prefix(32))\""
                )
            }
            asked.format = value
        }
        if request.queryValue("q") != nil { asked.quality = try request.queryInt("q", default: 80, in: 1...100) }
        if let enhance = request.queryValue("enhance") {
            guard enhance == "auto" || enhance == "none" else {
                throw AisleError.invalid("enhance", "enhance is auto or none, got \"\(enhance.prefix(32))\"")
            }
            asked.enhance = enhance == "auto"
        }
        if let dpr = request.queryValue("dpr") {
            guard let value = Double(dpr), value.isFinite, (1...4).contains(value) else {
                throw AisleError.invalid("dpr", "dpr is a number from 1 to 4, got \"\(dpr.prefix(32))\"")
            }
            asked.devicePixelRatio = value
        }
        let accept = request.headers[.accept]?.lowercased() ?? ""
        asked.acceptsAVIF = accept.contains("image/avif")
        asked.acceptsWebP = accept.contains("image/webp")
        return asked
    }
}
