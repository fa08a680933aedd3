/// Pairs note-ons with note-offs, one first-in-first-out queue per (channel, key).
///
/// FIFO is the rule mido-based readers and symusic use: when the same key is struck again
/// before it is released, the first note-off closes the first note-on. It is also the rule that
/// keeps a re-struck note right when a file writes the new note-on before the old note-off at
/// the same tick. Queues live in one pool linked by index (with a free list), so pairing
/// allocates nothing per note once the pool has grown to the most notes sounding at once.
/// The owner calls `deallocate()` when done.
struct NotePairing {
    /// A sounding note: the reader's handle for it and the byte offset of its note-on.
    struct Entry {
        var handle: Int32
        var next: Int32
        var offset: Int
    }

    /// 16 channels × 128 keys.
    static let keyCount = 2048

    /// Queue heads at [key], tails at [keyCount + key]; -1 for an empty queue.
    private let links: UnsafeMutablePointer<Int32>
    private var pool = RawBuffer<Entry>(capacity: 64)
    private var freeList: Int32 = -1
    /// Notes sounding now, over all keys.
    private(set) var openCount = 0

    init() {
        links = .allocate(capacity: 2 * Self.keyCount)
        links.initialize(repeating: -1, count: 2 * Self.keyCount)
    }

    func deallocate() {
        links.deallocate()
        pool.deallocate()
    }

    /// `channel` 0...15, `key` 0...127 (masked, so the result is always a valid key index).
    @inline(__always)
    static func key(channel: UInt8, key: UInt8) -> Int { Int(channel & 0x0F) << 7 | Int(key & 0x7F) }

    @inline(__always)
    mutating func push(key: Int, handle: Int32, offset: Int) {
        let entry = Entry(handle: handle, next: -1, offset: offset)
        let index: Int32
        if freeList >= 0 {
            index = freeList
            freeList = pool[Int(index)].next
            pool[Int(index)] = entry
        } else {
            index = Int32(truncatingIfNeeded: pool.count)
            pool.append(entry)
        }
        let last = links[Self.keyCount + key]
        if last < 0 { links[key] = index } else { pool[Int(last)].next = index }
        links[Self.keyCount + key] = index
        openCount += 1
    }

    /// The oldest sounding note of `key`, removed from its queue; nil when none sounds.
    @inline(__always)
    mutating func pop(key: Int) -> Entry? {
        let index = links[key]
        if index < 0 { return nil }
        let entry = pool[Int(index)]
        links[key] = entry.next
        if entry.next < 0 { links[Self.keyCount + key] = -1 }
        pool[Int(index)].next = freeList
        freeList = index
        openCount -= 1
        return entry
    }

    /// Removes every sounding note, keys in ascending order (channel, then key) and each key's
    /// notes oldest first, so the order of the closes (and of their repairs) is deterministic.
    mutating func drain(_ body: (_ key: Int, _ entry: Entry) -> Void) {
        if openCount == 0 { return }
        for key in 0..<Self.keyCount where links[key] >= 0 {
            while let entry = pop(key: key) { body(key, entry) }
        }
    }
}
