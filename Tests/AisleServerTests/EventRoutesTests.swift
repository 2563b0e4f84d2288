import AisleCore
import Foundation
import Hummingbird
import Testing

@Suite struct EventRoutesTests {
    @Test("a batch answers accepted, duplicates, unknown items and row errors")
    func batchOutcome() async throws {
        try await TestAPI().run { api in
            try await api.call(.put, "/v1/items/known", body: #"{"title":"K"}"#)
            let body = #"""
                {"events":[
                  {"event_id":"e1","type":"view","user_id":"u","item_id":"known"},
                  {"event_id":"e1","type":"view","user_id":"u","item_id":"known"},
                  {"type":"click","user_id":"u","item_id":"not-yet"},
                  {"type":"rate","user_id":"u","item_id":"known","value":9},
                  {"type":"view","user_id":"u"}
                ]}
                """#
            let result = try await api.call(.post, "/v1/events", key: .ingest, body: body).decode(IngestResultBody.self)
            #expect(result.accepted == 2)
            #expect(result.duplicates == 1)
            #expect(result.unknownItems == 1)
            #expect(result.errors.map(\.index) == [3, 4])
            #expect(result.errors.map(\.field) == ["value", "item_id"])
        }
    }

    @Test("identify attributes a device's events, and history merges devices newest first")
    func identifyAndHistory() async throws {
        try await TestAPI().run { api in
            let phone =
                #"{"events":[{"type":"view","device_id":"phone","item_id":"a","timestamp":"2026-11-20T10:00:00Z","device":{"platform":"ios"}},{"type":"view","device_id":"phone","item_id":"b","timestamp":"2026-11-20T10:01:00Z"}]}"#
            try await api.call(.post, "/v1/events", key: .ingest, body: phone)
            let identified = try await api.call(
                .post,
                "/v1/identify",
                key: .ingest,
                body: #"{"device_id":"phone","user_id":"ann"}"#
            )
            .decode(IdentifyResultBody.self)
            #expect(identified.eventsAttributed == 2)
            try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                body:
                    #"{"type":"purchase","user_id":"ann","device_id":"laptop","item_id":"b","value":1,"timestamp":"2026-11-20T11:00:00Z"}"#
            )
            let history = try await api.call(.get, "/v1/users/ann/history").decode(PageBody<EventBody>.self)
            #expect(history.data.map(\.itemID) == ["b", "b", "a"])
            #expect(history.data.map(\.type) == ["purchase", "view", "view"])
            let purchases = try await api.call(.get, "/v1/users/ann/history?types=purchase").decode(
                PageBody<EventBody>.self
            )
            #expect(purchases.data.count == 1)
            let devices = try await api.call(.get, "/v1/users/ann/devices").decode(PageBody<DeviceLinkBody>.self)
            // The purchase carried both ids, so it linked the laptop as identify would.
            #expect(devices.data.map(\.deviceID) == ["laptop", "phone"])
            #expect(devices.data.last?.platform == nil)  // the newest phone event carried no device info
        }
    }

    @Test("the ingest key cannot move a device linked to another user; the admin key can")
    func relinkNeedsAdmin() async throws {
        try await TestAPI().run { api in
            #expect(
                try await api.call(.post, "/v1/identify", key: .ingest, body: #"{"device_id":"tab","user_id":"ann"}"#)
                    .status == .ok
            )
            let again = try await api.call(
                .post,
                "/v1/identify",
                key: .ingest,
                body: #"{"device_id":"tab","user_id":"ann"}"#
            )
            #expect(try again.decode(IdentifyResultBody.self).relinked == false)
            let takeover = try await api.call(
                .post,
                "/v1/identify",
                key: .ingest,
                body: #"{"device_id":"tab","user_id":"eve"}"#
            )
            #expect(takeover.status == .forbidden)
            #expect(takeover.error?.code == "forbidden")
            let moved = try await api.call(
                .post,
                "/v1/identify",
                key: .admin,
                body: #"{"device_id":"tab","user_id":"bob"}"#
            )
            #expect(try moved.decode(IdentifyResultBody.self).relinked)
        }
    }

    @Test("a batch with ids differing only in normalization stores both")
    func normalizationInBatch() async throws {
        try await TestAPI().run { api in
            let body =
                "{\"items\":[{\"id\":\"caf\u{E9}\",\"title\":\"NFC\"},{\"id\":\"cafe\u{301}\",\"title\":\"NFD\"}]}"
            let result = try await api.call(.post, "/v1/items:batch", body: body).decode(BatchResultBody.self)
            #expect(result.upserted == 2)
        }
    }

    @Test("deleting a user erases the profile, events and links and reports the counts")
    func eraseUser() async throws {
        try await TestAPI().run { api in
            try await api.call(.put, "/v1/users/u", body: #"{"attributes":{"locale":"zh-CN","age_group":"25-34"}}"#)
            try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                body: #"{"type":"view","device_id":"d","item_id":"i"}"#
            )
            try await api.call(.post, "/v1/identify", key: .ingest, body: #"{"device_id":"d","user_id":"u"}"#)
            try await api.call(.post, "/v1/events", key: .ingest, body: #"{"type":"view","user_id":"u","item_id":"i"}"#)
            let erased = try await api.call(.delete, "/v1/users/u").decode(UserErasureBody.self)
            #expect(erased == UserErasureBody(userID: "u", profiles: 1, events: 2, devices: 1, reviews: 0))
            #expect(try await api.call(.get, "/v1/users/u").status == .notFound)
            #expect(try await api.call(.get, "/v1/users/u/history").decode(PageBody<EventBody>.self).data.isEmpty)
            #expect(try await api.call(.delete, "/v1/users/u").status == .notFound)
        }
    }

    @Test("metrics count ingested events and requests by route")
    func metrics() async throws {
        try await TestAPI().run { api in
            try await api.call(
                .post,
                "/v1/events",
                key: .ingest,
                body:
                    #"{"events":[{"type":"view","user_id":"u","item_id":"i"},{"type":"view","user_id":"u","item_id":"j"}]}"#
            )
            let text = try await api.call(.get, "/metrics", key: .none).text
            #expect(text.contains("aisle_events_ingested_total 2"))
            #expect(text.contains(#"aisle_http_requests_total{route="/v1/events",method="POST",status="200"} 1"#))
            #expect(text.contains("aisle_http_request_duration_seconds_bucket"))
        }
    }
}
