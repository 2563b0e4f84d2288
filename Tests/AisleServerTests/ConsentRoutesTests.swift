import AisleCore
import Foundation
import Hummingbird
import Testing

/// `PUT /v1/users/{id}/consent` and what it changes in the event answer.
@Suite struct ConsentRoutesTests {
    @Test("the ingest key sets consent; events of a user without tracking come back in not_tracked, by index")
    func setAndIngest() async throws {
        try await TestAPI().run { api in
            let set = try await api.call(.put, "/v1/users/quiet/consent", key: .ingest, body: #"{"tracking": false}"#)
            #expect(set.status == .ok)
            let consent = try set.decode(ConsentBody.self)
            #expect(consent.tracking == false && consent.personalization == true && consent.updatedAt != nil)
            let batch = #"""
                {"events": [
                  {"type": "view", "user_id": "loud", "item_id": "a"},
                  {"type": "view", "item_id": "a"},
                  {"type": "view", "user_id": "quiet", "item_id": "a"}
                ]}
                """#
            let reply = try await api.call(.post, "/v1/events", key: .ingest, body: batch)
            let result = try reply.decode(IngestResultBody.self)
            #expect(result.accepted == 1 && result.notTracked == [2] && result.errors.map(\.index) == [1])
            let read = try await api.call(.get, "/v1/users/quiet/consent", key: .ingest).decode(ConsentBody.self)
            #expect(read.tracking == false)
            let plain = try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                body: #"{"type": "view", "user_id": "loud", "item_id": "b"}"#
            )
            #expect(!plain.text.contains("not_tracked"), "absent when no row was skipped")
        }
    }

    @Test(
        "bad consent bodies are 400 on the field at fault",
        arguments: [
            ("{}", "personalization"), (#"{"tracking": "no"}"#, "tracking"),
            (#"{"tracking": true, "updated_at": "2026-01-01T00:00:00Z"}"#, "updated_at"),
            (#"{"tracking": true, "marketing": false}"#, "marketing"),
        ]
    )
    func invalid(body: String, field: String) async throws {
        try await TestAPI().run { api in
            let reply = try await api.call(.put, "/v1/users/u/consent", key: .ingest, body: body)
            #expect(reply.status == .badRequest && reply.error?.field == field, "\(reply.text)")
            #expect(try await api.call(.get, "/v1/users/u/consent").decode(ConsentBody.self).tracking == true)
        }
    }

    @Test("with required user tokens, consent needs the user's own token")
    func tokensRequired() async throws {
        try await TestAPI { $0.keys.userTokens = .required }.run { api in
            let reply = try await api.call(.put, "/v1/users/u/consent", key: .ingest, body: #"{"tracking": false}"#)
            #expect(reply.status == .unauthorized)
            #expect(try await api.call(.put, "/v1/users/u/consent", body: #"{"tracking": false}"#).status == .ok)
        }
    }
}
