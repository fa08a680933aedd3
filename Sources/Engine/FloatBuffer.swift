/// A fixed-size, zero-initialised block of `Float`s that owns its memory.
///
/// Layers work on raw pointers (llm.c style); this class gives those pointers an owner, so a
/// model's parameters, gradients and activations are freed with it. Not `Sendable`: it is
/// mutable shared memory, owned by one model at a time.
public final class FloatBuffer {
    /// Number of floats.
    public let count: Int
    /// The first float; valid for `count` elements while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` floats (≥ 0), all zero.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        pointer.deallocate()
    }

    /// The whole buffer as a buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// Sets every element to zero.
    public func zero() {
        pointer.update(repeating: 0, count: count)
    }

    /// A copy of the contents.
    public var array: [Float] {
        Array(buffer)
    }
}
