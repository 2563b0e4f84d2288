import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Made keys through the real server: they outlive a restart, and so does a revocation.
@Suite(.serialized) struct KeysEndToEndTests {
    @Test("a made key works after a restart; a revoked one stays refused")
    func survivesRestart() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let (kept, revoked) = try await withHTTP(server) { http in
            let first = try await http.call(.POST, "/v1/keys", json: #"{"name": "search", "scopes": ["search:read"]}"#)
            let second = try await http.call(.POST, "/v1/keys", json: #"{"name": "old", "scopes": ["search:read"]}"#)
            #expect(first.status == 201 && second.status == 201)
            let old = try second.decode(KeyBody.self)
            #expect(try await http.call(.DELETE, "/v1/keys/\(old.id)").status == 200)
            return (try first.decode(KeyBody.self), old)
        }
        #expect(server.stop() == 0)
        try server.start()
        try await withHTTP(server) { http in
            let search = try await http.call(.GET, "/v1/search?q=a", key: try #require(kept.key))
            #expect(search.status == 200)
            let refused = try await http.call(.GET, "/v1/search?q=a", key: try #require(revoked.key))
            #expect(refused.status == 401)
            let list = try await http.call(.GET, "/v1/keys").decode(PageBody<KeyBody>.self)
            #expect(list.data.map(\.id) == [kept.id] && list.data.allSatisfy { $0.key == nil })
        }
    }
}
