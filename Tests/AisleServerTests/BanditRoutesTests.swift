import AisleCore
import AisleServer
import Foundation
import Hummingbird
import Testing

@Suite struct BanditRoutesTests {
    static let definition = #"""
        {"arms": [{"id": "spring", "config": {"image": "spring.jpg"}}, {"id": "sale"}], "reward": "click"}
        """#

    @Test("put, choose, reward, read: pulls and rewards add up; the put is audited")
    func roundTrip() async throws {
        let api = try TestAPI()
        try await api.run { client in
            let put = try await client.call(.put, "/v1/bandits/home", body: Self.definition)
            #expect(put.status == .ok)
            #expect(try put.decode(BanditBody.self).arms.map(\.pulls) == [0, 0])
            let choice = try await client.call(.get, "/v1/bandits/home/choice?device_id=d1&platform=ios", key: .ingest)
            #expect(choice.status == .ok)
            let arm = try choice.decode(BanditChoiceBody.self)
            #expect(["spring", "sale"].contains(arm.arm))
            let reward = try await client.call(
                .post,
                "/v1/bandits/home/rewards",
                key: .ingest,
                body: #"{"device_id": "d1", "arm": "\#(arm.arm)", "reward": 1}"#
            )
            #expect(reward.status == .ok)
            let twice = try await client.call(
                .post,
                "/v1/bandits/home/rewards",
                key: .ingest,
                body: #"{"device_id": "d1", "arm": "\#(arm.arm)", "reward": 1}"#
            )
            #expect(twice.status == .conflict, "a binary reward counts once per choice")
            let other = arm.arm == "sale" ? "spring" : "sale"
            let notShown = try await client.call(
                .post,
                "/v1/bandits/home/rewards",
                key: .ingest,
                body: #"{"device_id": "d1", "arm": "\#(other)", "reward": 1}"#
            )
            #expect(notShown.status == .conflict, "\(other) was never shown to d1")
            let stranger = try await client.call(
                .post,
                "/v1/bandits/home/rewards",
                key: .ingest,
                body: #"{"user_id": "someone", "arm": "\#(arm.arm)", "reward": 1}"#
            )
            #expect(stranger.status == .conflict)
            let read = try await client.call(.get, "/v1/bandits/home").decode(BanditBody.self)
            #expect(read.arms.map(\.pulls).reduce(0, +) == 1)
            #expect(read.arms.first { $0.id == arm.arm }?.rewards == 1)
            #expect(try await client.call(.get, "/v1/audit?action=bandits").text.contains("bandit home"))
        }
    }

    @Test(
        "bad definitions get 400 with the field",
        arguments: [
            (#"{"arms": [], "reward": "click"}"#, "arms"),
            (#"{"arms": [{"id": "a"}, {"id": "a"}], "reward": "click"}"#, "arms[1].id"),
            (#"{"arms": [{"id": "a", "retired": true}], "reward": "click"}"#, "arms"),
            (#"{"arms": [{"id": "a"}], "reward": "clicks"}"#, "reward"),
            (#"{"arms": [{"id": "a"}], "reward": "click", "context": ["weather"]}"#, "context[0]"),
            (#"{"arms": [{"id": "a"}], "reward": "click", "context": ["platform", "platform"]}"#, "context"),
            (#"{"arms": [{"id": "a"}], "reward": "click", "minimum_exploration": 0.7}"#, "minimum_exploration"),
            (
                #"{"arms": [{"id": "a"}], "reward": "click", "attribution_window_minutes": 0}"#,
                "attribution_window_minutes"
            ),
            (#"{"arms": [{"id": "a", "weight": 1}], "reward": "click"}"#, "arms[0].weight"),
        ]
    )
    func invalid(body: String, field: String) async throws {
        let api = try TestAPI()
        try await api.run { client in
            let reply = try await client.call(.put, "/v1/bandits/b", body: body)
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.error?.field == field, "\(reply.text)")
            #expect(try await client.call(.get, "/v1/bandits/b").status == .notFound)
        }
    }

    @Test("bad choices and rewards are refused, and nothing is counted")
    func unhappy() async throws {
        let api = try TestAPI()
        try await api.run { client in
            #expect(try await client.call(.get, "/v1/bandits/nope/choice?user_id=u", key: .ingest).status == .notFound)
            _ = try await client.call(.put, "/v1/bandits/home", body: Self.definition)
            #expect(try await client.call(.get, "/v1/bandits/home/choice", key: .ingest).status == .badRequest)
            #expect(
                try await client.call(.get, "/v1/bandits/home/choice?user_id=u&returning=maybe", key: .ingest).status
                    == .badRequest
            )
            let long = String(repeating: "x", count: 40)
            #expect(
                try await client.call(.get, "/v1/bandits/home/choice?user_id=u&platform=\(long)", key: .ingest).status
                    == .badRequest
            )
            for body in [
                #"{"user_id": "u", "arm": "nope", "reward": 1}"#, #"{"user_id": "u", "arm": "sale", "reward": 2}"#,
                #"{"user_id": "u", "arm": "sale", "reward": "1"}"#, #"{"arm": "sale", "reward": 1}"#,
                #"{"user_id": "u", "device_id": "d", "arm": "sale", "reward": 1}"#, #"{"user_id": "u", "arm": "sale""#,
            ] {
                let reply = try await client.call(.post, "/v1/bandits/home/rewards", key: .ingest, body: body)
                #expect(reply.status == .badRequest, "\(body): \(reply.text)")
            }
            #expect(
                try await client.call(.put, "/v1/bandits/home", key: .ingest, body: Self.definition).status
                    == .forbidden
            )
            #expect(try await client.call(.get, "/v1/bandits/home", key: .ingest).status == .forbidden)
            let read = try await client.call(.get, "/v1/bandits/home").decode(BanditBody.self)
            #expect(read.arms.map(\.rewards) == [0, 0])
        }
    }

    @Test("the list holds every bandit in id order with its arms; the ingest key may not read it")
    func list() async throws {
        try await TestAPI().run { client in
            let empty = try await client.call(.get, "/v1/bandits").decode(PageBody<BanditBody>.self)
            #expect(empty.data.isEmpty)
            _ = try await client.call(.put, "/v1/bandits/zeta", body: Self.definition)
            _ = try await client.call(.put, "/v1/bandits/alpha", body: Self.definition)
            let listed = try await client.call(.get, "/v1/bandits").decode(PageBody<BanditBody>.self)
            #expect(listed.data.map(\.id) == ["alpha", "zeta"])
            #expect(listed.data.allSatisfy { $0.arms.count == 2 })
            #expect(try await client.call(.get, "/v1/bandits", key: .ingest).status == .forbidden)
        }
    }
}
