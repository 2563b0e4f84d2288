import Hummingbird
import Synchronization

/// Which methods each route pattern answers, read from the router once its routes are added,
/// so that a known path asked with another method gets `405` with `Allow` instead of `404`.
final class AllowedMethods: Sendable {
    private let routes = Mutex<[(segments: [String], methods: [String])]>([])

    /// Takes the router's routes (call after every route is added).
    func learn(_ descriptions: [(path: String, method: String)]) {
        var byPath: [String: [String]] = [:]
        for route in descriptions { byPath[route.path, default: []].append(route.method) }
        let table = byPath.map { path, methods in
            (segments: path.split(separator: "/").map(String.init), methods: Array(Set(methods)).sorted())
        }
        routes.withLock { $0 = table }
    }

    /// The methods of the route that matches `path` (`{…}` segments match any one segment),
    /// empty when no route does.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            for route in routes where route.segments.count == segments.count {
                let matches = zip(route.segments, segments).allSatisfy { pattern, segment in
                    pattern.hasPrefix("{") || pattern == segment
                }
                if matches { return route.methods }
            }
            return []
        }
    }
}
