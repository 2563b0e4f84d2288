import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// Bandits (docs/EXPERIMENTS.md, "Bandits"): definitions for the admin, choices and rewards
/// for apps (the ingest key).
struct BanditRoutes {
    let engine: Engine

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.get("bandits/{id}/choice", use: choice)
        group.post("bandits/{id}/rewards", use: reward)
    }

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.put("bandits/{id}", use: put)
        group.get("bandits/{id}", use: get)
        group.get("bandits", use: list)
    }

    @Sendable func put(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        var request = request
        let body = try await request.decodeBody(BanditRequestBody.self, maxBytes: 256 * 1024)
        return JSONResponse.encoded(Self.body(try await engine.putBandit(try body.bandit(id: id))))
    }

    @Sendable func get(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(Self.body(try await engine.banditSummary(try Self.id(context))))
    }

    @Sendable func list(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(PageBody(data: try await engine.banditSummaries().map(Self.body), nextCursor: nil))
    }

    @Sendable func choice(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let shopper = try ShopperParameters.required(request)
        let platform = request.queryString("platform")
        if let platform, platform.utf8.count > 32 {
            throw AisleError.invalid("platform", "platform is at most 32 bytes (ios, android, web)")
        }
        let arm = try await engine.banditChoice(
            id,
            for: shopper,
            platform: platform,
            // Absent is unknown (nil), not false.
            returning: request.queryString("returning") == nil
                ? nil : try request.queryBool("returning", default: false)
        )
        return JSONResponse.encoded(BanditChoiceBody(banditID: id.rawValue, arm: arm.id, config: arm.config))
    }

    @Sendable func reward(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try Self.id(context)
        var request = request
        let body = try await request.decodeBody(BanditRewardBody.self, maxBytes: 4096)
        guard let shopper = try ShopperParameters.shopper(user: body.userID, device: body.deviceID) else {
            throw AisleError.invalid("user_id", "give user_id or device_id: the shopper who was shown the arm")
        }
        try await engine.banditReward(id, for: shopper, arm: body.arm, reward: body.reward)
        return JSONResponse.encoded(["status": "counted"])
    }

    static func id(_ context: AisleRequestContext) throws(AisleError) -> BanditID {
        try BanditID(validating: context.parameters.get("id") ?? "", field: "id")
    }

    static func body(_ summary: BanditSummary) -> BanditBody {
        func finite(_ x: Double) -> Double { x.finiteForJSON }
        return BanditBody(
            id: summary.bandit.id.rawValue,
            reward: summary.bandit.reward.name,
            context: summary.bandit.context.map(\.rawValue),
            minimumExploration: summary.bandit.minimumExploration,
            attributionWindowMinutes: summary.bandit.attributionWindowMinutes,
            arms: summary.arms.map {
                .init(
                    id: $0.arm.id,
                    config: $0.arm.config,
                    retired: $0.arm.retired,
                    pulls: $0.pulls,
                    rewards: $0.rewards,
                    mean: finite($0.mean),
                    interval: [finite($0.low), finite($0.high)]
                )
            }
        )
    }
}
