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

    @Test(
        "the event threshold starts at 100 on a store with no model and doubles up to the configured count",
        arguments: [
            (Optional(100_000), 0, Optional(100)), (100_000, 40, 100), (100_000, 250, 250), (100_000, 60_000, 60_000),
            (100_000, 5_000_000, 100_000), (50, 0, 50), (nil, 0, 100), (nil, 250, nil),
        ]
    )
    func eventThreshold(afterEvents: Int?, trainedOn: Int, expected: Int?) {
        #expect(RecommendationService.eventThreshold(afterEvents: afterEvents, trainedOnEvents: trainedOn) == expected)
    }
}
