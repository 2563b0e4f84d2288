import AisleCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The two browser apps (docs/WEB.md): the storefront at `/` (its files under `/storefront/`)
/// and the dashboard at `/dashboard` (files under `/dashboard/`). Plain files from memory,
/// gzip when the browser takes it, an ETag for `If-None-Match`, and security headers on every
/// answer: no inline script, no framing.
struct WebRoutes {
    let assets: WebAssets
    let storefront: StorefrontSession?
    let servesDashboard: Bool

    /// No script but the server's own files, no inline script or style, no framing, no
    /// plugins; images also from `data:` (inline SVG placeholders) and `blob:`.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        + "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The routes the apps add, as "METHOD /path".
    static let routes: Set<String> = ["GET /", "GET /storefront/**", "GET /dashboard", "GET /dashboard/**"]

    func register(on router: Router<AisleRequestContext>) {
        if storefront != nil {
            router.get("") { request, _ in try self.page("storefront/index.html", request, newSession: true) }
            router.get("storefront/**") { request, context in
                try self.file("storefront", context.parameters.getCatchAll(), request)
            }
        }
        if servesDashboard {
            router.get("dashboard") { request, _ in try self.page("dashboard/index.html", request, newSession: false) }
            router.get("dashboard/**") { request, context in
                try self.file("dashboard", context.parameters.getCatchAll(), request)
            }
        }
    }

    /// An app's page; the storefront's also starts a session (a new cookie on every load, so
    /// a page left open a week still gets one that lasts). Pages are never cached and carry no
    /// ETag: a 304 would drop the new cookie, and a page is a kilobyte.
    func page(_ path: String, _ request: Request, newSession: Bool) throws -> Response {
        var response = try answer(path, request)
        response.headers[.eTag] = nil
        if newSession, let storefront {
            response.headers[.setCookie] = storefront.setCookie(now: .now())
        }
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func file(_ app: String, _ parts: [Substring], _ request: Request) throws -> Response {
        guard !parts.isEmpty, !parts.contains(where: { $0.hasPrefix(".") || $0.isEmpty }) else {
            throw AisleError.notFound("no file \(request.uri.path.prefix(200))")
        }
        var response = try answer("\(app)/\(parts.joined(separator: "/"))", request)
        // Revalidated with the ETag: a 304 costs one round trip, no bytes.
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    private func answer(_ path: String, _ request: Request) throws -> Response {
        guard let file = assets.files[path] else {
            throw AisleError.notFound("no file \(request.uri.path.prefix(200))")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.vary] = "Accept-Encoding"
        Self.addSecurityHeaders(&headers)
        let acceptsGzip =
            request.headers[values: .acceptEncoding].joined(separator: ",").lowercased().split(separator: ",")
            .contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("gzip") }
        if acceptsGzip, let gzipped = file.gzipped {
            headers[.contentEncoding] = "gzip"
            headers[.eTag] = "\"\(file.tag)-gz\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: gzipped)))
        }
        headers[.eTag] = "\"\(file.tag)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    static func addSecurityHeaders(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        for (name, value) in extraSecurityHeaders { headers[name] = value }
    }

    /// Headers swift-http-types has no names for.
    static let extraSecurityHeaders: [(HTTPField.Name, String)] = [
        ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ].compactMap { name, value in HTTPField.Name(name).map { ($0, value) } }
}
