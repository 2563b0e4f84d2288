import Synchronization

/// A flag a task sets and a worker thread polls between steps of long work (an HNSW build, a
/// training), so that the work stops when its owner is cancelled.
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { value.load(ordering: .relaxed) }

    public func set() { value.store(true, ordering: .relaxed) }
}
