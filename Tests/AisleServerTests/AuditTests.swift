import AisleCore
import Foundation
import Hummingbird
import Testing

@testable import AisleServer

/// The audit log: admin actions with key id, action, target and status; erased users become
/// pseudonyms; only the admin key reads it.
@Suite struct AuditTests {
    static func entries(_ api: TestAPI.Caller, _ query: String = "") async throws -> [AuditEntryBody] {
        let reply = try await api.call(.get, "/v1/audit" + query)
        #expect(reply.status == .ok, "\(reply.text)")
        return try reply.decode(PageBody<AuditEntryBody>.self).data
    }

    @Test("key creation, consent changes and item writes are listed newest first with who, what and how it ended")
    func listed() async throws {
        try await TestAPI().run { api in
            let made = try await api.call(.post, "/v1/keys", body: #"{"name": "sync", "scopes": ["catalog:write"]}"#)
                .decode(KeyBody.self)
            _ = try await api.call(.put, "/v1/users/u-7/consent", key: .ingest, body: #"{"tracking": false}"#)
            _ = try await api.call(.put, "/v1/items/a", key: .raw("Bearer \(made.key ?? "")"), body: #"{"title": "x"}"#)
            _ = try await api.call(.put, "/v1/items/b", body: #"{"price": -1}"#)
            _ = try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                body: #"{"type": "view", "device_id": "d", "item_id": "a"}"#
            )
            let log = try await Self.entries(api)
            #expect(
                log.map(\.action) == ["items.put", "items.put", "consent.set", "keys.create"],
                "events are not audited"
            )
            #expect(log[0].target == "item b" && log[0].status == 400 && log[0].keyID == "admin")
            #expect(log[1].target == "item a" && log[1].status == 200 && log[1].keyID == made.id)
            #expect(log[2].target == "user u-7" && log[2].keyID == "ingest")
            #expect(log[3].target == "key \(made.id)" && log[3].status == 201)
            #expect(!(try await api.call(.get, "/v1/audit").text.contains(made.key ?? "-")), "never a secret")
        }
    }

    @Test("after an erasure the user's id is a pseudonym in every entry, the same one each time")
    func erasedUserPseudonym() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/users/u-gone", body: #"{"attributes": {"tier": "gold"}}"#)
            _ = try await api.call(.put, "/v1/users/u-gone/consent", body: #"{"personalization": false}"#)
            #expect(try await api.call(.delete, "/v1/users/u-gone").status == .ok)
            let log = try await Self.entries(api, "?action=users")
            let text = try await api.call(.get, "/v1/audit").text
            #expect(!text.contains("u-gone"))
            let targets = Set(try await Self.entries(api).compactMap(\.target))
            #expect(targets.count == 1 && targets.first?.hasPrefix("user erased-") == true, "\(targets)")
            #expect(log.map(\.action) == ["users.erase", "users.put"])
        }
    }

    @Test("pages follow the cursor; the ingest key is refused; an unknown action is 400 listing the known ones")
    func pagingAndRefusals() async throws {
        try await TestAPI().run { api in
            for index in 0..<5 { _ = try await api.call(.put, "/v1/items/i\(index)", body: #"{"title": "x"}"#) }
            let first = try await api.call(.get, "/v1/audit?limit=3").decode(PageBody<AuditEntryBody>.self)
            let cursor = try #require(first.nextCursor)
            let second = try await api.call(.get, "/v1/audit?limit=3&cursor=\(cursor)").decode(
                PageBody<AuditEntryBody>.self
            )
            #expect((first.data + second.data).compactMap(\.target) == (0..<5).reversed().map { "item i\($0)" })
            #expect(second.nextCursor == nil)
            #expect(try await api.call(.get, "/v1/audit", key: .ingest).status == .forbidden)
            let unknown = try await api.call(.get, "/v1/audit?action=teleport")
            #expect(unknown.status == .badRequest && unknown.text.contains("keys.create"))
            #expect(try await api.call(.get, "/v1/audit?cursor=bm9wZQ").status == .badRequest)
        }
    }

    @Test("every audited action is a route of the router")
    func actionsAreRoutes() throws {
        let routed = Set(try TestAPI().router.routes.map { "\($0.method) \($0.path)" })
        #expect(Set(AuditActions.table.keys).subtracting(routed).sorted() == [])
    }
}
