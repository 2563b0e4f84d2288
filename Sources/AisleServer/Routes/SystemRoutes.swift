import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// Routes that need no key: health, readiness, metrics, the OpenAPI document.
struct SystemRoutes {
    let engine: Engine
    let metrics: ServerMetrics

    func register(on router: Router<AisleRequestContext>) {
        router.get("health") { _, _ in
            JSONResponse.encoded(["status": "ok"])
        }
        router.get("ready") { _, _ in
            switch await engine.readiness() {
            case .ready:
                JSONResponse.encoded(ReadinessBody(status: "ready"))
            case .starting(let loading):
                JSONResponse.encoded(ReadinessBody(status: "starting", loading: loading), status: .serviceUnavailable)
            case .unavailable:
                JSONResponse.encoded(ReadinessBody(status: "unavailable"), status: .serviceUnavailable)
            }
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        router.get("v1/openapi.yaml") { _, _ in
            guard let yaml = OpenAPIDocument.yaml else {
                throw AisleError(
                    code: .unavailable,
                    message:
                        "openapi.yaml is not installed beside the aisle binary (copy aisle_AisleServer.resources with it); see docs/openapi.yaml"
                )
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: yaml)))
        }
    }
}
