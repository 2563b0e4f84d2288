import AisleCore
import Foundation
import Hummingbird
import Testing

/// `GET /v1/users/{id}/export`: everything stored of a user, in one document.
@Suite struct ExportTests {
    struct Export: Decodable {
        var userID: String
        var profile: UserBody?
        var devices: [DeviceLinkBody]
        var consent: ConsentBody
        var reviews: [ReviewBody]
        var events: [EventBody]

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case profile, devices, consent, reviews, events
        }
    }

    @Test("profile, devices, consent, reviews and every event (past one page of 1,000), and it is audited")
    func complete() async throws {
        try await TestAPI().run { api in
            _ = try await api.call(.put, "/v1/users/u-9", body: #"{"attributes": {"tier": "gold"}}"#)
            _ = try await api.call(.put, "/v1/items/a", body: #"{"title": "Rain jacket"}"#)
            _ = try await api.call(
                .post,
                "/v1/identify",
                key: .ingest,
                body: #"{"device_id": "phone", "user_id": "u-9"}"#
            )
            _ = try await api.call(.put, "/v1/users/u-9/consent", key: .ingest, body: #"{"personalization": false}"#)
            let review = #"{"id": "r1", "user_id": "u-9", "rating": 5, "text": "Warm and dry"}"#
            #expect((200..<300).contains(try await api.call(.post, "/v1/items/a/reviews", body: review).status.code))
            for batch in 0..<3 {
                let events = (0..<800).map { index in
                    #"{"event_id": "e\#(batch)-\#(index)", "type": "view", "user_id": "u-9", "item_id": "a"}"#
                }
                let body = #"{"events": ["# + events.joined(separator: ",") + "]}"
                #expect(try await api.call(.post, "/v1/events", key: .ingest, body: body).status == .ok)
            }
            let reply = try await api.call(.get, "/v1/users/u-9/export")
            #expect(reply.status == .ok && reply.headers[.contentType]?.hasPrefix("application/json") == true)
            let export = try reply.decode(Export.self)
            #expect(export.userID == "u-9" && export.profile?.attributes?["tier"] == .string("gold"))
            #expect(export.devices.map(\.deviceID) == ["phone"])
            #expect(export.consent.personalization == false)
            #expect(export.reviews.map(\.id) == ["r1"])
            #expect(export.events.count == 2_400 && Set(export.events.compactMap(\.eventID)).count == 2_400)
            let audit = try await api.call(.get, "/v1/audit?action=users.export").text
            #expect(audit.contains("user u-9"))
        }
    }

    @Test("nothing stored is 404; the ingest key is refused")
    func refusals() async throws {
        try await TestAPI().run { (api) async throws in
            #expect(try await api.call(.get, "/v1/users/nobody/export").status == .notFound)
            #expect(try await api.call(.get, "/v1/users/u/export", key: .ingest).status == .forbidden)
        }
    }
}
