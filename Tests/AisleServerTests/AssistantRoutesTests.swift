import AisleCore
import AisleServer
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// The assistant's routes: who may call what, the proof orders need, and bad input.
@Suite struct AssistantRoutesTests {
    static let faqs = #"""
        {"faqs": [
          {"id": "returns", "question": "How many days do I have to return an item?", "answer": "Within 30 days.", "language": "en"},
          {"id": "returns-zh", "question": "多少天内可以退货？", "answer": "签收后30天内。"}
        ]}
        """#
    static let order = #"""
        {"user_id": "u1", "status": "shipped", "items": [{"item_id": "a", "quantity": 1, "price": 9.5}],
         "carrier": "UPS", "tracking_number": "1Z999", "eta": "2026-12-06T12:00:00Z"}
        """#

    @Test("FAQs and orders round-trip through the admin routes; the puts are audited")
    func adminRoundTrip() async throws {
        let api = try TestAPI()
        try await api.run { client in
            let put = try await client.call(.put, "/v1/assistant/faqs", body: Self.faqs)
            #expect(put.status == .ok)
            let set = try put.decode(FAQSetBody.self)
            #expect(set.revision == 1)
            #expect(set.faqs.map(\.id) == ["returns", "returns-zh"])
            let read = try await client.call(.get, "/v1/assistant/faqs").decode(FAQSetBody.self)
            #expect(read.faqs == set.faqs && read.revision == 1)
            #expect(read.embedded == 0, "no text model in these tests")
            let order = try await client.call(.put, "/v1/orders/5521", body: Self.order)
            #expect(order.status == .ok)
            #expect(try order.decode(OrderBody.self).trackingNumber == "1Z999")
            let stored = try await client.call(.get, "/v1/orders/5521").decode(OrderBody.self)
            #expect(stored.status == "shipped" && stored.userID == "u1")
            let list = try await client.call(.get, "/v1/users/u1/orders").decode(PageBody<OrderBody>.self)
            #expect(list.data.map(\.id) == ["5521"])
            #expect(try await client.call(.get, "/v1/orders/nope").status == .notFound)
            let audit = try await client.call(.get, "/v1/audit").text
            #expect(audit.contains("faqs.set") && audit.contains("order 5521"))
        }
    }

    @Test("the ingest key may send messages but not read or write FAQs, orders or conversations")
    func permissions() async throws {
        let api = try TestAPI()
        try await api.run { client in
            for (method, uri, body) in [
                (HTTPRequest.Method.put, "/v1/assistant/faqs", Self.faqs), (.get, "/v1/assistant/faqs", nil),
                (.put, "/v1/orders/1", Self.order), (.get, "/v1/orders/1", nil), (.get, "/v1/users/u1/orders", nil),
                (.get, "/v1/assistant/conversations/c1", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                #expect(try await client.call(method, uri, key: .ingest, body: body).status == .forbidden, "\(uri)")
            }
            let message = try await client.call(
                .post,
                "/v1/assistant/messages",
                key: .ingest,
                body: #"{"device_id": "d1", "text": "hello"}"#
            )
            #expect(message.status == .ok)
            #expect(try message.decode(AssistantReplyBody.self).intent.name == "greeting")
        }
    }

    @Test("orders need proof: the user's token reads their own, a token for another user is 403")
    func tokens() async throws {
        let api = try TestAPI()
        try await api.run { client in
            _ = try await client.call(.put, "/v1/orders/5521", body: Self.order)
            let token = try await client.call(.post, "/v1/users/u1/token", body: "{}").decode(UserTokenBody.self).token
            let ask = #"{"user_id": "u1", "text": "where is my order 5521?"}"#
            let without = try await client.call(.post, "/v1/assistant/messages", key: .ingest, body: ask)
                .decode(AssistantReplyBody.self)
            #expect(without.reply.actions.map(\.type) == [.signIn])
            #expect(!without.reply.text.contains("1Z999"))
            var headers = HTTPFields()
            headers[try #require(HTTPField.Name("X-Aisle-User-Token"))] = token
            let with = try await client.call(.post, "/v1/assistant/messages", key: .ingest, body: ask, headers: headers)
                .decode(AssistantReplyBody.self)
            #expect(with.reply.text.contains("1Z999"))
            #expect(with.sources == [AssistantSource(kind: .order, id: "5521")])
            let other = try await client.call(
                .post,
                "/v1/assistant/messages",
                key: .ingest,
                body: #"{"user_id": "u2", "text": "where is my order 5521?"}"#,
                headers: headers
            )
            #expect(other.status == .forbidden)
            // The conversation is the admin's to read.
            let conversation = try await client.call(.get, "/v1/assistant/conversations/\(with.conversationID)")
            #expect(conversation.status == .ok)
            #expect(try conversation.decode(ConversationBody.self).turns.count == 2)
        }
    }

    @Test("with --user-tokens required a message naming a user needs their token")
    func requiredTokens() async throws {
        let api = try TestAPI { $0.keys.userTokens = .required }
        try await api.run { client in
            let named = try await client.call(
                .post,
                "/v1/assistant/messages",
                key: .ingest,
                body: #"{"user_id": "u1", "text": "hi"}"#
            )
            #expect(named.status == .unauthorized)
            let device = try await client.call(
                .post,
                "/v1/assistant/messages",
                key: .ingest,
                body: #"{"device_id": "d1", "text": "hi"}"#
            )
            #expect(device.status == .ok)
        }
    }

    @Test(
        "bad messages get 400 naming the field",
        arguments: [
            (#"{"text": "hi"}"#, "user_id"), (#"{"user_id": "u1"}"#, "text"),
            (#"{"user_id": "u1", "text": "  "}"#, "text"),
            (#"{"user_id": "u1", "text": 5}"#, "text"), (#"{"user_id": "u1", "text": "hi", "mood": "happy"}"#, "mood"),
            (#"{"user_id": "u1", "text": "hi", "language": "fr"}"#, "language"),
            (#"{"user_id": "", "text": "hi"}"#, "user_id"),
            (#"{"user_id": "u1", "text": "hi", "conversation_id": ""}"#, "conversation_id"),
        ]
    )
    func badMessages(body: String, field: String) async throws {
        let api = try TestAPI()
        try await api.run { client in
            let reply = try await client.call(.post, "/v1/assistant/messages", key: .ingest, body: body)
            #expect(reply.status == .badRequest)
            #expect(try reply.decode(ErrorBody.self).error.field == field, "\(reply.text)")
        }
    }

    @Test("malformed JSON, an oversized text, an unknown conversation")
    func otherBadMessages() async throws {
        let api = try TestAPI()
        try await api.run { client in
            let malformed = try await client.call(.post, "/v1/assistant/messages", key: .ingest, body: #"{"text": "#)
            #expect(malformed.status == .badRequest)
            let long = String(repeating: "退货", count: 400)
            let oversized = try await client.call(
                .post,
                "/v1/assistant/messages",
                key: .ingest,
                body: #"{"user_id": "u1", "text": "\#(long)"}"#
            )
            #expect(oversized.status == .badRequest)
            #expect(try oversized.decode(ErrorBody.self).error.field == "text")
            let unknown = try await client.call(
                .post,
                "/v1/assistant/messages",
                key: .ingest,
                body: #"{"user_id": "u1", "text": "hi", "conversation_id": "conv_nope"}"#
            )
            #expect(unknown.status == .notFound)
        }
    }

    @Test(
        "bad FAQ sets are refused whole, naming the row; nothing is stored",
        arguments: [
            (#"{"faqs": [{"id": "a", "question": "q"}]}"#, "faqs[0].answer"),
            (
                #"{"faqs": [{"id": "a", "question": "q", "answer": "a"}, {"id": "a", "question": "q2", "answer": "b"}]}"#,
                "faqs[1].id"
            ),
            (#"{"faqs": [{"id": "a", "question": " ", "answer": "a"}]}"#, "faqs[0].question"),
            (#"{"faqs": [{"id": "a", "question": "q", "answer": "a", "language": "de"}]}"#, "faqs[0].language"),
            (#"{"faqs": [{"id": "a", "question": "q", "answer": "a", "tags": []}]}"#, "faqs[0].tags"),
            (
                #"{"faqs": [{"id": "a", "question": "q", "answer": "a", "alternate_questions": ["ok", " "]}]}"#,
                "faqs[0].alternate_questions[1]"
            ),
            (
                #"{"faqs": [{"id": "a", "question": "q", "answer": "a", "alternate_questions": "q2"}]}"#,
                "faqs[0].alternate_questions"
            ),
            (
                #"{"faqs": [{"id": "a", "question": "q", "answer": "a", "alternate_questions": [\#((0..<21).map { "\"q\($0)\"" }.joined(separator: ","))]}]}"#,
                "faqs[0].alternate_questions"
            ),
            (#"{"faqs": [], "revision": "3"}"#, "revision"), (#"{"faq": []}"#, "faq"),
        ]
    )
    func badFAQs(body: String, field: String) async throws {
        let api = try TestAPI()
        try await api.run { client in
            let reply = try await client.call(.put, "/v1/assistant/faqs", body: body)
            #expect(reply.status == .badRequest)
            #expect(try reply.decode(ErrorBody.self).error.field == field, "\(reply.text)")
            #expect(try await client.call(.get, "/v1/assistant/faqs").decode(FAQSetBody.self).revision == 0)
        }
    }

    @Test(
        "bad orders get 400 naming the field",
        arguments: [
            (#"{"user_id": "u1", "status": "lost", "items": [{"item_id": "a", "quantity": 1}]}"#, "status"),
            (#"{"user_id": "u1", "status": "paid", "items": []}"#, "items"),
            (#"{"user_id": "u1", "status": "paid", "items": [{"item_id": "a", "quantity": 0}]}"#, "items[0].quantity"),
            (
                #"{"user_id": "u1", "status": "paid", "items": [{"item_id": "a", "quantity": 1, "price": -2}]}"#,
                "items[0].price"
            ),
            (#"{"user_id": "u1", "status": "paid", "items": [{"item_id": "", "quantity": 1}]}"#, "items[0].item_id"),
            (#"{"status": "paid", "items": [{"item_id": "a", "quantity": 1}]}"#, "user_id"),
            (#"{"id": "other", "user_id": "u1", "status": "paid", "items": [{"item_id": "a", "quantity": 1}]}"#, "id"),
            (#"{"user_id": "u1", "status": "paid", "items": [{"item_id": "a", "quantity": 1}], "eta": "soon"}"#, "eta"),
            (
                #"{"user_id": "u1", "status": "paid", "items": [{"item_id": "a", "quantity": 1}], "created_by": 1}"#,
                "created_by"
            ),
        ]
    )
    func badOrders(body: String, field: String) async throws {
        let api = try TestAPI()
        try await api.run { client in
            let reply = try await client.call(.put, "/v1/orders/o1", body: body)
            #expect(reply.status == .badRequest)
            #expect(try reply.decode(ErrorBody.self).error.field == field, "\(reply.text)")
            #expect(try await client.call(.get, "/v1/orders/o1").status == .notFound)
        }
    }
}
