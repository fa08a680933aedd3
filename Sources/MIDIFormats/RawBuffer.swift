/// A growable array of plain values in memory the owner frees with `deallocate()`.
///
/// The reader's inner loop appends and updates notes and pairing queues millions of times a
/// second; a Swift `Array` stored in a struct checks that its storage is uniquely referenced on
/// every such write, which cost about a fifth of the parse time. The owners (`SMFReader.read`,
/// `MIDIFile.readScore`, `Score(midiFile:)`) free their buffers in a `defer`, so nothing leaks
/// when reading throws.
struct RawBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    /// Frees the memory; the buffer must not be used afterwards.
    func deallocate() { base.deallocate() }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Makes room for at least `minimumCapacity` elements.
    mutating func reserveCapacity(_ minimumCapacity: Int) {
        if minimumCapacity > capacity { grow(to: minimumCapacity) }
    }

    /// Keeps the memory for reuse.
    @inline(__always)
    mutating func removeAll() { count = 0 }

    @inline(__always)
    subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "RawBuffer index out of range")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "RawBuffer index out of range")
            base[index] = newValue
        }
    }

    private mutating func grow(to minimumCapacity: Int? = nil) {
        let newCapacity = max(minimumCapacity ?? 0, capacity * 2)
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }
}
