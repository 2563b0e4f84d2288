import AisleCore
import AisleServer
import Foundation
import Hummingbird
import Testing

@Suite struct ExperimentRoutesTests {
    static let definition = #"""
        {"variants": [{"id": "control", "weight": 1, "config": {"copy": "Buy"}},
                      {"id": "urgent", "weight": 1, "config": {"copy": "Buy now"}}],
         "metric": "purchase", "status": "running"}
        """#

    @Test("put, get, list: the experiment reads back; status changes are audited")
    func roundTrip() async throws {
        let api = try TestAPI()
        try await api.run { client in
            let put = try await client.call(.put, "/v1/experiments/checkout-copy", body: Self.definition)
            #expect(put.status == .ok)
            let stored = try put.decode(ExperimentBody.self)
            #expect(stored.status == "running" && stored.metric == "purchase" && stored.startedAt != nil)
            #expect(stored.variants.map(\.id) == ["control", "urgent"])
            let got = try await client.call(.get, "/v1/experiments/checkout-copy")
            #expect(try got.decode(ExperimentBody.self) == stored)
            let list = try await client.call(.get, "/v1/experiments")
            #expect(try list.decode(PageBody<ExperimentBody>.self).data.map(\.id) == ["checkout-copy"])
            let audit = try await client.call(.get, "/v1/audit?action=experiments")
            #expect(audit.text.contains("experiment checkout-copy"))
        }
    }

    @Test("an assignment with the ingest key is deterministic and carries the variant's config")
    func assignment() async throws {
        let api = try TestAPI()
        try await api.run { client in
            _ = try await client.call(.put, "/v1/experiments/checkout-copy", body: Self.definition)
            let first = try await client.call(.get, "/v1/experiments/checkout-copy/assignment?user_id=u1", key: .ingest)
            #expect(first.status == .ok)
            let body = try first.decode(AssignmentBody.self)
            #expect(body.exposed)
            #expect(["control", "urgent"].contains(body.variant))
            let config: JSONValue =
                body.variant == "control" ? .object(["copy": .string("Buy")]) : .object(["copy": .string("Buy now")])
            #expect(body.config == config)
            let again = try await client.call(.get, "/v1/experiments/checkout-copy/assignment?user_id=u1", key: .ingest)
            #expect(try again.decode(AssignmentBody.self) == body)
            let results = try await client.call(.get, "/v1/experiments/checkout-copy/results")
            let read = try results.decode(ExperimentResultsBody.self)
            #expect(read.variants.map(\.users).reduce(0, +) == 1)
            #expect(read.comparisons.isEmpty, "one user: no interval would mean anything")
            #expect(read.warnings.contains { $0.hasPrefix("no comparison of urgent yet") })
            #expect(read.warnings.contains { $0.contains("fewer than 100 users") })
        }
    }

    @Test("a targeted experiment exposes only shoppers it admits; the definition reads back with its targeting")
    func targeting() async throws {
        let api = try TestAPI()
        try await api.run { client in
            let put = try await client.call(
                .put,
                "/v1/experiments/app-only",
                body:
                    #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "status": "running", "targeting": {"platforms": ["ios"], "locales": ["de"]}}"#
            )
            #expect(put.status == .ok, "\(put.text)")
            let read = try put.decode(ExperimentBody.self)
            #expect(read.targeting == TargetingBody(platforms: ["ios"], locales: ["de"]))
            let path = "/v1/experiments/app-only/assignment?user_id=u1"
            let web = try await client.call(.get, path + "&platform=web&locale=de-DE", key: .ingest)
            #expect(try web.decode(AssignmentBody.self).exposed == false)
            #expect(try web.decode(AssignmentBody.self).variant == "a")
            let app = try await client.call(.get, path + "&platform=ios&locale=de-DE", key: .ingest)
            #expect(try app.decode(AssignmentBody.self).exposed)
            let bad = try await client.call(.get, path + "&platform=tv", key: .ingest)
            #expect(bad.status == .badRequest && bad.text.contains(#""field":"platform""#), "\(bad.text)")
        }
    }

    @Test(
        "bad definitions get 400 with the field, and nothing is stored",
        arguments: [
            (#"{"variants": [{"id": "a", "weight": 1}], "metric": "purchase"}"#, "variants"),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "a", "weight": 1}], "metric": "purchase"}"#,
                "variants[1].id"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": -2}], "metric": "purchase"}"#,
                "variants[1].weight"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1e9}], "metric": "purchase"}"#,
                "variants[1].weight"
            ),
            (#"{"variants": [{"id": "a", "weight": 0}, {"id": "b", "weight": 0}], "metric": "purchase"}"#, "variants"),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "", "weight": 1}], "metric": "purchase"}"#,
                "variants[1].id"
            ),
            (#"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "purchases"}"#, "metric"),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "purchase", "status": "live"}"#,
                "status"
            ),
            (
                #"{"variants": [{"id": "a", "weight": "1"}, {"id": "b", "weight": 1}], "metric": "purchase"}"#,
                "variants[0].weight"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1, "colour": 1}, {"id": "b", "weight": 1}], "metric": "purchase"}"#,
                "variants[0].colour"
            ),
            (#"{"metric": "purchase"}"#, "variants"),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "ratio:revenue"}"#,
                "metric"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "guardrails": [{"metric": "purchase", "harm": "down"}]}"#,
                "guardrails[0].harm"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "guardrails": [{"metric": "buy"}]}"#,
                "guardrails[0].metric"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "guardrails": [{"metric": "purchase", "limit": 1}]}"#,
                "guardrails[0].limit"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "guardrails": ["purchase"]}"#,
                "guardrails[0]"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "guardrails": [{"metric": "purchase"}, {"metric": "purchase"}, {"metric": "purchase"}, {"metric": "purchase"}, {"metric": "purchase"}, {"metric": "purchase"}]}"#,
                "guardrails"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1, "config": {"model": "gpt"}}], "metric": "click"}"#,
                "variants[1].config.model"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "targeting": {"platforms": ["ios", "tv"]}}"#,
                "targeting.platforms[1]"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "targeting": {"locales": ["d"]}}"#,
                "targeting.locales[0]"
            ),
            (
                #"{"variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "metric": "click", "targeting": {"countries": ["DE"]}}"#,
                "targeting.countries"
            ),
        ]
    )
    func invalid(body: String, field: String) async throws {
        let api = try TestAPI()
        try await api.run { client in
            let reply = try await client.call(.put, "/v1/experiments/e", body: body)
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.error?.field == field, "\(reply.text)")
            #expect(try await client.call(.get, "/v1/experiments/e").status == .notFound)
        }
    }

    @Test("malformed JSON, unknown experiments, missing shoppers and the wrong key are refused")
    func unhappy() async throws {
        let api = try TestAPI()
        try await api.run { client in
            #expect(try await client.call(.put, "/v1/experiments/e", body: "{\"variants\": [").status == .badRequest)
            #expect(
                try await client.call(.get, "/v1/experiments/nope/assignment?user_id=u", key: .ingest).status
                    == .notFound
            )
            #expect(try await client.call(.get, "/v1/experiments/nope/results").status == .notFound)
            _ = try await client.call(.put, "/v1/experiments/e", body: Self.definition)
            let none = try await client.call(.get, "/v1/experiments/e/assignment", key: .ingest)
            #expect(none.status == .badRequest && none.error?.field == "user_id")
            let both = try await client.call(.get, "/v1/experiments/e/assignment?user_id=u&device_id=d", key: .ingest)
            #expect(both.status == .badRequest)
            #expect(
                try await client.call(.put, "/v1/experiments/e", key: .ingest, body: Self.definition).status
                    == .forbidden
            )
            #expect(try await client.call(.get, "/v1/experiments/e/results", key: .ingest).status == .forbidden)
            #expect(
                try await client.call(.get, "/v1/experiments/e/assignment?user_id=u", key: .none).status
                    == .unauthorized
            )
            let huge =
                "{\"variants\": [" + String(repeating: "{\"id\": \"a\", \"weight\": 1},", count: 20_000)
                + "], \"metric\": \"purchase\"}"
            #expect(try await client.call(.put, "/v1/experiments/e", body: huge).status == .contentTooLarge)
        }
    }
}
