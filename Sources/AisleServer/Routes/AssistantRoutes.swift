import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// The shopping assistant (docs/ASSISTANT.md): messages for apps (the ingest key), FAQs,
/// orders and conversations for the store's backend (admin).
struct AssistantRoutes {
    let engine: Engine
    let configuration: AisleConfiguration
    let metrics: ServerMetrics

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.post("assistant/messages", use: message)
    }

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.put("assistant/faqs", use: putFAQs)
        group.get("assistant/faqs", use: getFAQs)
        group.get("assistant/conversations/{id}", use: conversation)
        group.put("orders/{id}", use: putOrder)
        group.get("orders/{id}", use: getOrder)
        group.get("users/{id}/orders", use: userOrders)
    }

    @Sendable func message(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(AssistantMessageBody.self, maxBytes: 16 * 1024)
        let message = try body.message()
        // Orders are read only for a user the caller proved to speak for: the admin key (the
        // store's backend), or a user token for exactly this user.
        var verified: UserID?
        if let user = message.userID {
            if context.isAdmin {
                verified = user
            } else if try context.mayReadPersonalData(of: user) {
                verified = user
            }
        }
        let reply = try await engine.assistantReply(to: message, verifiedUser: verified)
        metrics.recordAssistantReply(writtenBy: reply.writtenBy, modelOutcome: reply.modelOutcome)
        return JSONResponse.encoded(AssistantReplyBody(reply))
    }

    @Sendable func putFAQs(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(FAQSetBody.self, maxBytes: configuration.server.maxBodyBytes)
        let stored = try await engine.putFAQs(try body.entries())
        return JSONResponse.encoded(FAQSetBody(faqs: stored.entries, revision: stored.revision))
    }

    @Sendable func getFAQs(request: Request, context: AisleRequestContext) async throws -> Response {
        let stored = try await engine.faqs()
        return JSONResponse.encoded(
            FAQSetBody(faqs: stored.entries, revision: stored.revision, embedded: stored.embedded)
        )
    }

    @Sendable func conversation(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: ConversationID.self)
        guard let conversation = try await engine.conversation(id) else {
            throw AisleError.notFound("no conversation \"\(id.rawValue.prefix(64))\"")
        }
        return JSONResponse.encoded(ConversationBody(conversation))
    }

    @Sendable func putOrder(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: OrderID.self)
        var request = request
        let body = try await request.decodeBody(OrderBody.self, maxBytes: 1024 * 1024)
        return JSONResponse.encoded(OrderBody(try await engine.putOrder(try body.order(id: id))))
    }

    @Sendable func getOrder(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: OrderID.self)
        guard let order = try await engine.order(id) else {
            throw AisleError.notFound("no order \"\(id.rawValue.prefix(64))\"")
        }
        return JSONResponse.encoded(OrderBody(order))
    }

    @Sendable func userOrders(request: Request, context: AisleRequestContext) async throws -> Response {
        let id = try context.pathID("id", as: UserID.self)
        let limit = try request.queryInt("limit", default: 100, in: 1...1000)
        let orders = try await engine.orders(of: id, limit: limit)
        return JSONResponse.encoded(PageBody(data: orders.map(OrderBody.init), nextCursor: nil))
    }
}
