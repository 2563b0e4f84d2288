import AisleCore
import Foundation
import NIOHTTP1
import Testing

/// Experiments through the real server: a shopper's variant holds across their devices and a
/// restart, and results come from the events they send after exposure.
@Suite(.serialized) struct ExperimentEndToEndTests {
    static let ingest = ServerProcess.ingestKey

    @Test("assignment holds across a user's devices and a restart; results count events after exposure")
    func assignmentAndResults() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        let variants = try await withHTTP(server) { http in
            let put = try await http.call(
                .PUT,
                "/v1/experiments/free-shipping",
                json: #"""
                    {"variants": [{"id": "control", "weight": 1}, {"id": "banner", "weight": 1, "config": {"banner": true}}],
                     "metric": "add_to_cart", "status": "running"}
                    """#
            )
            #expect(put.status == 200)
            // 300 users, each signed in on a phone: the phone and the web get the same variant.
            var variants: [String: String] = [:]
            for n in 0..<300 {
                _ = try await http.call(
                    .POST,
                    "/v1/identify",
                    key: Self.ingest,
                    json: #"{"device_id": "p\#(n)", "user_id": "s\#(n)"}"#
                )
                let phone = try await http.call(
                    .GET,
                    "/v1/experiments/free-shipping/assignment?device_id=p\(n)",
                    key: Self.ingest
                )
                let web = try await http.call(
                    .GET,
                    "/v1/experiments/free-shipping/assignment?user_id=s\(n)",
                    key: Self.ingest
                )
                let onPhone = try phone.decode(AssignmentBody.self)
                #expect(onPhone == (try web.decode(AssignmentBody.self)), "the phone is s\(n)'s: same variant")
                variants["s\(n)"] = onPhone.variant
            }
            // The banner doubles add-to-carts: every 2nd banner user, every 4th control user.
            var events: [String] = []
            for n in 0..<300 where n % (variants["s\(n)"] == "banner" ? 2 : 4) == 0 {
                events.append(#"{"type": "add_to_cart", "user_id": "s\#(n)", "item_id": "i1"}"#)
            }
            let posted = try await http.call(
                .POST,
                "/v1/events",
                key: Self.ingest,
                json: #"{"events": ["# + events.joined(separator: ",") + "]}"
            )
            #expect(posted.status == 200)
            return variants
        }
        #expect(server.stop() == 0)
        try server.start()
        try await withHTTP(server) { http in
            for n in stride(from: 0, to: 300, by: 37) {
                let again = try await http.call(
                    .GET,
                    "/v1/experiments/free-shipping/assignment?user_id=s\(n)",
                    key: Self.ingest
                )
                #expect(try again.decode(AssignmentBody.self).variant == variants["s\(n)"], "same after a restart")
            }
            let results = try await http.call(.GET, "/v1/experiments/free-shipping/results").decode(
                ExperimentResultsBody.self
            )
            #expect(results.variants.map(\.id) == ["control", "banner"])
            for variant in results.variants {
                let users = variants.filter { $0.value == variant.id }.map(\.key)
                #expect(variant.users == users.count)
                let converted = users.filter {
                    Int($0.dropFirst()).map { $0 % (variant.id == "banner" ? 2 : 4) == 0 } ?? false
                }
                #expect(variant.conversions == converted.count)
            }
            let comparison = try #require(results.comparisons.first)
            #expect(comparison.absoluteDifference.value > 0.15)
            #expect(comparison.pValue < 0.01)
            #expect(results.srmPValue > 0.001 && results.warnings.isEmpty)
        }
    }

    @Test("a bandit learns from click events through the real server, and keeps it after a restart")
    func banditLearnsFromEvents() async throws {
        let server = ServerProcess()
        try server.start()
        defer { server.stop() }
        var random = SplitMix64(seed: 31)
        let rates = ["plain": 0.05, "bold": 0.30]
        let shown = try await withHTTP(server) { http in
            let put = try await http.call(
                .PUT,
                "/v1/bandits/hero",
                json: #"{"arms": [{"id": "plain"}, {"id": "bold"}], "reward": "click"}"#
            )
            #expect(put.status == 200)
            var shown: [String: Int] = [:]
            for n in 0..<800 {
                let choice = try await http.call(.GET, "/v1/bandits/hero/choice?device_id=d\(n)", key: Self.ingest)
                let arm = try choice.decode(BanditChoiceBody.self).arm
                shown[arm, default: 0] += 1
                // The shopper clicks (an ordinary event) with the arm's rate: the bandit's reward.
                if random.nextDouble() < (rates[arm] ?? 0) {
                    let click = try await http.call(
                        .POST,
                        "/v1/events",
                        key: Self.ingest,
                        json: #"{"type": "click", "device_id": "d\#(n)", "item_id": "i1"}"#
                    )
                    #expect(click.status == 200)
                }
            }
            return shown
        }
        #expect((shown["bold"] ?? 0) > 500, "\(shown)")
        #expect(server.stop() == 0)
        try server.start()
        try await withHTTP(server) { http in
            let read = try await http.call(.GET, "/v1/bandits/hero").decode(BanditBody.self)
            #expect(read.arms.map(\.pulls).reduce(0, +) == 800, "a graceful stop saves every pull")
            let bold = try #require(read.arms.first { $0.id == "bold" })
            let plain = try #require(read.arms.first { $0.id == "plain" })
            #expect(bold.mean > plain.mean)
            #expect(bold.rewards > 100)
        }
    }

    @Test("experiment= on the feed: each shopper's variant picks the model, exposures count in the results")
    func feedExperiment() async throws {
        let server = ServerProcess()
        try server.start(environment: ["AISLE_TRAIN_ON_START": "false"])
        defer { server.stop() }
        try await withHTTP(server) { http in
            let items = ItemBatch(items: RecommendationEndToEndTests.items)
            #expect(try await http.post("/v1/items:batch", encoding: items).status == 200)
            let events = EventBatch(events: RecommendationEndToEndTests.events)
            #expect(try await http.post("/v1/events", key: Self.ingest, encoding: events).status == 200)
            #expect(try await http.train().status == 200)
            let put = try await http.call(
                .PUT,
                "/v1/experiments/feed-model",
                json: #"""
                    {"variants": [{"id": "hybrid", "weight": 1}, {"id": "popular", "weight": 1, "config": {"model": "pop"}}],
                     "metric": "click", "status": "running"}
                    """#
            )
            #expect(put.status == 200, "\(String(decoding: put.body, as: UTF8.self))")
            // 60 shoppers who just viewed j3; each opens the home feed naming the experiment.
            var lists: [String: [String: [String]]] = [:]
            var clicks: [String] = []
            for n in 0..<60 {
                let view = #"{"type": "view", "user_id": "e\#(n)", "item_id": "j3"}"#
                #expect(try await http.call(.POST, "/v1/events", key: Self.ingest, json: view).status == 200)
                let reply = try await http.call(
                    .GET,
                    "/v1/users/e\(n)/recommendations?experiment=feed-model&limit=5",
                    key: Self.ingest
                )
                #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
                let feed = try reply.decode(RecommendationListBody.self)
                let assignment = try #require(feed.experiment)
                #expect(assignment.experimentID == "feed-model" && assignment.exposed)
                lists[assignment.variant, default: [:]]["e\(n)"] = feed.data.map(\.itemID)
                // Every third shopper in the popular variant clicks, none in the other.
                if assignment.variant == "popular" && n % 3 == 0 {
                    clicks.append(#"{"type": "click", "user_id": "e\#(n)", "item_id": "\#(feed.data[0].itemID)"}"#)
                }
            }
            let hybrid = try #require(lists["hybrid"])
            let popular = try #require(lists["popular"])
            // The popularity model alone gives everyone the same list, the two best sellers first;
            // the blend follows the j3 view to the next jacket in the sequence.
            #expect(Set(popular.values).count == 1, "\(popular)")
            #expect(Set(popular.values.first?.prefix(2) ?? []) == ["j1", "s1"], "\(popular)")
            #expect(hybrid.values.allSatisfy { $0.prefix(3).contains("j4") }, "\(hybrid)")
            let posted = try await http.call(
                .POST,
                "/v1/events",
                key: Self.ingest,
                json: #"{"events": ["# + clicks.joined(separator: ",") + "]}"
            )
            #expect(posted.status == 200)
            // Search names the experiment too: the same shopper, the same variant.
            let someone = try #require(popular.keys.first)
            let search = try await http.call(
                .GET,
                "/v1/search?q=jacket&user_id=\(someone)&experiment=feed-model",
                key: Self.ingest
            )
            #expect(try search.decode(SearchResultsBody.self).experiment?.variant == "popular")
            let results = try await http.call(.GET, "/v1/experiments/feed-model/results").decode(
                ExperimentResultsBody.self
            )
            #expect(results.variants.map(\.users) == [hybrid.count, popular.count])
            #expect(results.variants.map(\.conversions) == [0, clicks.count])
            // Unknown experiments, bad ids, and a feed with nobody to assign are refused.
            let unknown = try await http.call(.GET, "/v1/users/e1/recommendations?experiment=nope", key: Self.ingest)
            #expect(unknown.status == 404)
            let bad = try await http.call(.GET, "/v1/users/e1/recommendations?experiment=a%01b", key: Self.ingest)
            #expect(bad.status == 400)
            let nobody = try await http.call(
                .POST,
                "/v1/recommendations",
                key: Self.ingest,
                json: #"{"item_id": "j1", "experiment": "feed-model"}"#
            )
            #expect(nobody.status == 400)
        }
    }
}
