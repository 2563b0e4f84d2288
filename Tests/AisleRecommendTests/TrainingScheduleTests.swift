import Testing

@testable import AisleRecommend

/// When new events start a training (`RecommendationService.runSchedule`).
@Suite struct TrainingScheduleTests {
    @Test("new events start a training once there are enough and the last one has rested 4× its duration")
    func eventTrigger() {
        func due(_ events: Int64, since: Duration, last: Duration) -> Bool {
            RecommendationService.dueByEvents(
                newEvents: events,
                afterEvents: 100_000,
                sinceLast: since,
                lastDuration: last
            )
        }
        #expect(due(100_000, since: .seconds(1), last: .zero), "no training yet: the count alone decides")
        #expect(!due(99_999, since: .seconds(3_600), last: .zero))
        // A 60 s training under heavy ingest: the count is reached again at once, but the next
        // training waits 4 minutes after it, so trainings take at most a fifth of the time.
        #expect(!due(2_000_000, since: .seconds(239), last: .seconds(60)))
        #expect(due(2_000_000, since: .seconds(240), last: .seconds(60)))
        #expect(due(100_000, since: .milliseconds(400), last: .milliseconds(100)), "a small store retrains quickly")
    }
}
