#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The training data's verbatim-copy fingerprints (see `MusicFingerprints`), as two sorted sets
/// of hashes that `evaluate` searches to report copied windows and the longest copied run.
///
/// ```
/// offset size field (little-endian)
///      0    8 magic "CDZORIG1"
///      8    4 version (1)
///     12    4 bars per window
///     16    4 notes per gram
///     20    4 minimum notes per window
///     24    8 window hash count W
///     32    8 gram hash count G
///     40  8·W window hashes, ascending, unique
///  40+8W  8·G gram hashes, ascending, unique
/// ```
public struct OriginalityIndex: Sendable {
    public static let magic: [UInt8] = Array("CDZORIG1".utf8)
    public static let headerSize = 40
    public let windowHashes: [UInt64]
    public let gramHashes: [UInt64]

    public init(windowHashes: [UInt64], gramHashes: [UInt64]) {
        self.windowHashes = windowHashes
        self.gramHashes = gramHashes
    }

    public func containsWindow(_ hash: UInt64) -> Bool { OriginalityIndex.search(windowHashes, hash) }
    public func containsGram(_ hash: UInt64) -> Bool { OriginalityIndex.search(gramHashes, hash) }

    static func search(_ sorted: [UInt64], _ value: UInt64) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == value
    }

    /// Loads an index, checking its header against the file size.
    public init(path: String) throws(CadenzaError) {
        let bytes = try InputFile.read(path, maximumBytes: Int.max)
        func bad(_ offset: Int, _ problem: String) -> CadenzaError {
            .badInput(file: path, location: "byte \(offset)", problem: problem, hint: "rebuild it with `cadenza dataset build`")
        }
        let (windows, grams) = try bytes.withUnsafeBytes { raw in Result { () throws(CadenzaError) -> ([UInt64], [UInt64]) in
            guard raw.count >= OriginalityIndex.headerSize, Array(raw[0..<8]) == OriginalityIndex.magic else {
                throw bad(0, "not a Cadenza originality index")
            }
            guard LittleEndian.read(UInt32.self, raw, at: 8) == 1 else { throw bad(8, "unknown index version") }
            guard Int(LittleEndian.read(UInt32.self, raw, at: 12)) == MusicFingerprints.barsPerWindow,
                  Int(LittleEndian.read(UInt32.self, raw, at: 16)) == MusicFingerprints.notesPerGram,
                  Int(LittleEndian.read(UInt32.self, raw, at: 20)) == MusicFingerprints.minimumNotesPerWindow
            else { throw bad(12, "the index was built with other window settings") }
            let w = LittleEndian.read(UInt64.self, raw, at: 24)
            let g = LittleEndian.read(UInt64.self, raw, at: 32)
            let available = UInt64(raw.count - OriginalityIndex.headerSize) / 8
            guard w <= available, g <= available - w, (w + g) * 8 + 40 == UInt64(raw.count) else {
                throw bad(24, "hash counts \(w) + \(g) do not match the file size \(raw.count)")
            }
            let read = { (start: Int, count: Int) in
                (0..<count).map { LittleEndian.read(UInt64.self, raw, at: start + 8 * $0) }
            }
            return (read(40, Int(w)), read(40 + 8 * Int(w), Int(g)))
        } }.get()
        self.init(windowHashes: windows, gramHashes: grams)
    }
}

/// Collects fingerprints with bounded memory: when the buffers pass `runLimit` hashes they are
/// sorted, de-duplicated and spilled to a run file; `finish` merges the runs into the index.
/// 178k Lakh files give hundreds of millions of note grams; only `runLimit` of them are in
/// memory at once.
public final class OriginalityIndexBuilder {
    private let scratchDirectory: String
    private let runLimit: Int
    private var windows: [UInt64] = []
    private var grams: [UInt64] = []
    private var windowRuns: [String] = []
    private var gramRuns: [String] = []

    public init(scratchDirectory: String, runLimit: Int = 4 << 20) {
        self.scratchDirectory = scratchDirectory
        self.runLimit = runLimit
    }

    public func add(windows newWindows: [UInt64], grams newGrams: [UInt64]) throws(CadenzaError) {
        windows += newWindows
        grams += newGrams
        if windows.count >= runLimit { try spill(&windows, into: &windowRuns, name: "windows") }
        if grams.count >= runLimit { try spill(&grams, into: &gramRuns, name: "grams") }
    }

    /// Writes the index atomically and removes the run files. Returns (windows, grams) counts.
    @discardableResult
    public func finish(to path: String) throws(CadenzaError) -> (windows: Int, grams: Int) {
        let writer = try AtomicFileWriter(path: path)
        var header = OriginalityIndex.magic
        LittleEndian.append(UInt32(1), to: &header)
        LittleEndian.append(UInt32(MusicFingerprints.barsPerWindow), to: &header)
        LittleEndian.append(UInt32(MusicFingerprints.notesPerGram), to: &header)
        LittleEndian.append(UInt32(MusicFingerprints.minimumNotesPerWindow), to: &header)
        header += [UInt8](repeating: 0, count: 16)  // counts, patched below
        try writer.write(header)
        defer { for run in windowRuns + gramRuns { unlink(run) } }
        let w = try merge(runs: windowRuns, memory: &windows, into: writer)
        let g = try merge(runs: gramRuns, memory: &grams, into: writer)
        var counts: [UInt8] = []
        LittleEndian.append(UInt64(w), to: &counts)
        LittleEndian.append(UInt64(g), to: &counts)
        try writer.patch(at: 24, counts)
        try writer.commit()
        return (w, g)
    }

    private func spill(_ buffer: inout [UInt64], into runs: inout [String], name: String) throws(CadenzaError) {
        buffer.sort()
        let unique = Self.uniqued(buffer)
        let path = "\(scratchDirectory)/\(name)-run\(runs.count).tmp"
        var bytes: [UInt8] = []
        bytes.reserveCapacity(unique.count * 8)
        for h in unique { LittleEndian.append(h, to: &bytes) }
        try AtomicFileWriter.write(bytes, to: path)
        runs.append(path)
        buffer.removeAll(keepingCapacity: true)
    }

    /// K-way merge of the sorted runs and the in-memory rest, writing each distinct hash once.
    private func merge(runs: [String], memory: inout [UInt64], into writer: AtomicFileWriter) throws(CadenzaError) -> Int {
        memory.sort()
        var sources: [HashRunReader] = []
        for run in runs { sources.append(try HashRunReader(path: run)) }
        sources.append(HashRunReader(values: Self.uniqued(memory)))
        memory = []
        var heads: [UInt64?] = []
        for i in sources.indices { heads.append(try sources[i].next()) }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        var last: UInt64? = nil
        var count = 0
        while true {
            var best = -1
            for i in heads.indices { if let h = heads[i], best < 0 || h < heads[best]! { best = i } }
            if best < 0 { break }
            let value = heads[best]!
            heads[best] = try sources[best].next()
            if value == last { continue }
            last = value
            LittleEndian.append(value, to: &out)
            count += 1
            if out.count >= 1 << 16 { try writer.write(out); out.removeAll(keepingCapacity: true) }
        }
        try writer.write(out)
        return count
    }

    static func uniqued(_ sorted: [UInt64]) -> [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(sorted.count)
        for h in sorted where result.last != h { result.append(h) }
        return result
    }
}

/// Streams the UInt64 values of a run file (or an array) in order.
struct HashRunReader {
    private var fd: Int32 = -1
    private var buffer: [UInt64] = []
    private var position = 0
    private let path: String

    init(path: String) throws(CadenzaError) {
        self.path = path
        fd = open(path, O_RDONLY)
        if fd < 0 { throw .writeFailed(file: path, problem: "cannot reopen a temporary run file", hint: "check free space") }
    }

    init(values: [UInt64]) {
        path = ""
        buffer = values
    }

    mutating func next() throws(CadenzaError) -> UInt64? {
        if position == buffer.count {
            guard fd >= 0 else { return nil }
            var chunk = [UInt64](repeating: 0, count: 8192)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw .writeFailed(file: path, problem: "cannot read a temporary run file", hint: "check the disk") }
            if n == 0 { close(fd); fd = -1; return nil }
            chunk.removeSubrange((n / 8)...)
            buffer = chunk.map { UInt64(littleEndian: $0) }
            position = 0
        }
        position += 1
        return buffer[position - 1]
    }
}
