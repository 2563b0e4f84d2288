// Raw pointers handed to the workers of one parallel job outside AisleMath's own loops (the
// text encoder's split products write each part straight into its block of the result).
//
// @unchecked Sendable invariant: the owner keeps the memory alive and unchanged (except through
// the workers) until every worker has finished; workers write only the disjoint range their part
// was given through a `SendablePointer`, and only read through the const ones.

/// A pointer handed to workers that write disjoint ranges of it.
public struct SendablePointer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>?

    public init(_ pointer: UnsafeMutablePointer<Float>?) { self.pointer = pointer }
}

/// A pointer to float16 bits handed to workers that only read through it.
public struct SendableHalfPointer: @unchecked Sendable {
    public let pointer: UnsafePointer<UInt16>?

    public init(pointer: UnsafePointer<UInt16>?) { self.pointer = pointer }
}

/// A pointer handed to workers that only read through it.
public struct SendableConstPointer: @unchecked Sendable {
    public let pointer: UnsafePointer<Float>?

    public init(_ pointer: UnsafePointer<Float>?) { self.pointer = pointer }
}
