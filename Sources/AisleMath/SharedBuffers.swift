import Synchronization

// Buffers handed to `Parallelism.forEachRange` workers.
//
// @unchecked Sendable invariant: workers only read a `SendableBuffer`, and write only the disjoint
// range `forEachRange` gave them in a `SendableMutableBuffer`; the owner keeps the memory alive
// until `forEachRange` returns. Only AisleMath uses them.

struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<Element>
    init(_ buffer: UnsafeBufferPointer<Element>) { self.buffer = buffer }
}

struct SendableMutableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// One result slot per part of a parallel job, filled by the workers.
final class PartResults<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value?]>

    init(count: Int) { slots = Mutex([Value?](repeating: nil, count: count)) }

    func store(_ value: Value, at index: Int) { slots.withLock { $0[index] = value } }

    func all() -> [Value] { slots.withLock { $0.compactMap { $0 } } }
}

extension Parallelism {
    /// `transform(i)` for every `i` in `0..<count`, in order, computed on the workers.
    public func map<Value: Sendable>(
        _ count: Int,
        chunk: Int = 64,
        _ transform: @Sendable (Int) -> Value
    ) -> [Value] {
        mapRanges(count, chunk: chunk) { range in range.map(transform) }
    }

    /// The concatenation of `transform(range)` over contiguous ranges covering `0..<count`, in
    /// order; `transform` must return one value per index of its range. For work that wants
    /// scratch memory per range (an accumulator reused across the range's indices).
    public func mapRanges<Value: Sendable>(
        _ count: Int,
        chunk: Int = 64,
        _ transform: @Sendable (Range<Int>) -> [Value]
    ) -> [Value] {
        let chunkSize = max(1, chunk)
        let parts = PartResults<(Int, [Value])>(count: (count + chunkSize - 1) / chunkSize)
        forEachRange(of: count, chunk: chunkSize) { range in
            let values = transform(range)
            precondition(values.count == range.count, "one value per index")
            parts.store((range.lowerBound, values), at: range.lowerBound / chunkSize)
        }
        return parts.all().sorted { $0.0 < $1.0 }.flatMap(\.1)
    }
}
