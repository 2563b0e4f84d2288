public import AisleCore
import Foundation
import PostgresNIO

/// The change feed between nodes on PostgreSQL (`ChangeFeedStore`): `pg_notify` on one channel,
/// each notification a JSON array of strings (the sending node, the kind, its arguments), read
/// by every other node on a connection that LISTENs. A notification is not stored: a node that
/// was disconnected hears `.resync` once it listens again, and every node reconciles
/// periodically besides (the engine's `ChangeFeedService`).
extension PostgresStore: ChangeFeedStore {
    static let changeChannel = "aisle_changes"
    /// PostgreSQL's limit on a payload is 8,000 bytes; a longer change is sent in a shorter form.
    static let payloadLimit = 7_900

    public var isShared: Bool { true }

    public func publish(_ change: StoreChange) async {
        var payload = Self.payload(change, node: node)
        if payload.utf8.count > Self.payloadLimit { payload = Self.payload(Self.shortened(change), node: node) }
        do {
            try await query("SELECT pg_notify(\(Self.changeChannel), \(payload))", logger: logger)
        } catch {
            logger.warning("change not sent to the other nodes (their reconcile catches up): \(Self.describe(error))")
        }
    }

    public func changes() -> AsyncStream<StoreChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreChange.self)
        let task = Task { [client, logger, node] in
            var interrupted = false
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.changeChannel) { notifications in
                            // Whatever was sent while no connection listened is lost: re-read.
                            if interrupted { continuation.yield(.resync) }
                            for try await notification in notifications {
                                guard let (sender, change) = Self.change(notification.payload), sender != node else {
                                    continue
                                }
                                continuation.yield(change)
                            }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("change feed interrupted, listening again in 1 s: \(Self.describe(error))")
                }
                interrupted = true
                try? await Task.sleep(for: .seconds(1))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The change's arguments cut down to fit a notification.
    static func shortened(_ change: StoreChange) -> StoreChange {
        switch change {
        case .items: .items([])
        case .images: .images([])
        case .embeddings(let model, _): .embeddings(model: model, items: [])
        default: .resync
        }
    }

    static func payload(_ change: StoreChange, node: String) -> String {
        let parts: [String] =
            switch change {
            case .items(let ids): ["items"] + ids.map(\.rawValue)
            case .images(let ids): ["images"] + ids.map(\.rawValue)
            case .embeddings(let model, let ids): ["embeddings", model] + ids.map(\.rawValue)
            case .synonyms: ["synonyms"]
            case .faqs: ["faqs"]
            case .experiment(let id): ["experiment", id.rawValue]
            case .bandit(let id): ["bandit", id.rawValue]
            case .consent(let user): ["consent", user.rawValue]
            case .userErased(let user, let units): ["user_erased", user.rawValue] + units
            case .madeKeys: ["made_keys"]
            case .model: ["model"]
            case .resync: ["resync"]
            }
        let data = (try? JSONEncoder().encode([node] + parts)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The sender and the change of a payload; nil for one this version does not know.
    static func change(_ payload: String) -> (node: String, change: StoreChange)? {
        guard let parts = try? JSONDecoder().decode([String].self, from: Data(payload.utf8)), parts.count >= 2 else {
            return nil
        }
        let node = parts[0]
        let arguments = Array(parts.dropFirst(2))
        let change: StoreChange
        switch (parts[1], arguments.first) {
        case ("items", _): change = .items(arguments.map(ItemID.init))
        case ("images", _): change = .images(arguments.map(ItemID.init))
        case ("embeddings", let model?):
            change = .embeddings(model: model, items: arguments.dropFirst().map(ItemID.init))
        case ("synonyms", _): change = .synonyms
        case ("faqs", _): change = .faqs
        case ("experiment", let id?): change = .experiment(ExperimentID(id))
        case ("bandit", let id?): change = .bandit(BanditID(id))
        case ("consent", let user?): change = .consent(UserID(user))
        case ("user_erased", let user?): change = .userErased(UserID(user), units: Array(arguments.dropFirst()))
        case ("made_keys", _): change = .madeKeys
        case ("model", _): change = .model
        case ("resync", _): change = .resync
        default: return nil
        }
        return (node, change)
    }
}
