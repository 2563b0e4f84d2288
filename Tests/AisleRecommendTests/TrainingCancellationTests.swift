import AisleCore
import AisleMath
import AisleRecommend
import AisleStore
import Testing

/// A training stops when its caller is cancelled (the schedule's service at shutdown), and the
/// model in use stays.
@Suite struct TrainingCancellationTests {
    @Test("the trainer stops before its next stage when told to")
    func trainerStops() {
        let trainer = SnapshotTrainer(settings: SnapshotTrainer.Settings(parallelism: Parallelism(threads: 1)))
        var stages: [String] = []
        #expect(throws: CancellationError.self) {
            _ = try trainer.train(TrainingInput(weights: EventWeights()), at: .now(), progress: { stages.append($0) }) {
                true
            }
        }
        #expect(stages.isEmpty, "no stage ran")
    }

    @Test("a cancelled training throws and leaves the model in use")
    func serviceTrainingCancelled() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await store.upsertItems([Item(id: ItemID("a"), title: "A")], at: .now())
        let service = RecommendationService(
            store: store,
            settings: RecommendationService.Settings(parallelism: Parallelism(threads: 1), snapshotPath: nil),
            initial: .empty(at: Timestamp(millisecondsSinceEpoch: 1))
        )
        let training = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await service.train()
        }
        await #expect(throws: CancellationError.self) { _ = try await training.value }
        #expect(service.snapshot.trainedAt == Timestamp(millisecondsSinceEpoch: 1))
        #expect(!service.isTraining)
        _ = try await service.train()
        #expect(service.snapshot.trainedAt != Timestamp(millisecondsSinceEpoch: 1), "a later training runs")
    }
}
