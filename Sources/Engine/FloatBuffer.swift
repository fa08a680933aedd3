import CKernels

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
    ///
    /// Fresh zero pages (`cdz_zeroed_alloc`), not written zeros: a page costs nothing until
    /// first touched, and large buffers sit in huge pages. A model loaded only to generate
    /// never touches its gradients (transformer-small's 20 MB of them were 5,000 page faults
    /// of a 110 ms start), and its parameters fault in ten 2 MiB pages.
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        guard let memory = cdz_zeroed_alloc(max(count, 1) * MemoryLayout<Float>.stride) else {
            fatalError("out of memory allocating \(count) floats")
        }
        pointer = memory.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit {
        cdz_zeroed_free(pointer, max(count, 1) * MemoryLayout<Float>.stride)
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
