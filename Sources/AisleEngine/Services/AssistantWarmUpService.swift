import Logging
import ServiceLifecycle

/// Loads the assistant's FAQs at start and embeds their questions, so the first shopper's
/// question is matched by meaning; owns the embedding of later FAQ sets too (cancelled at
/// shutdown).
struct AssistantWarmUpService: Service {
    let warmUp: @Sendable () async throws -> Void
    let cancel: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        do {
            try await warmUp()
        } catch {
            logger.warning("the assistant's FAQs did not load at start (they load on the first message): \(error)")
        }
        // A service that returns would end the server: wait for the shutdown instead.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
        cancel()
    }
}
