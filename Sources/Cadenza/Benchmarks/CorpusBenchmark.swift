import Foundation
import MIDIFormats
import MusicScore
import Tokenization

/// Times Cadenza's MIDI parsing and tokenization over a corpus held in memory, one core, the way
/// `Scripts/bench_reference.py` times symusic and MidiTok, so `cadenza bench` can print ratios.
public enum CorpusBenchmark {
    public struct Timing: Sendable, Codable {
        public var library: String
        public var files: Int
        /// Files the reader rejected even in lenient mode.
        public var failed: Int
        public var bytes: Int
        public var notes: Int
        public var tokens: Int
        /// Length of the parsed pieces in quarter notes, for tokens per beat.
        public var beats: Double
        /// Median over `repeats`.
        public var seconds: Double
        public var repeats: [Double]

        public var filesPerSecond: Double { Double(files) / seconds }
        public var notesPerSecond: Double { Double(notes) / seconds }
        public var tokensPerSecond: Double { Double(tokens) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
    }

    /// Every .mid/.midi file under `folder`, read into memory, sorted by path.
    public static func loadCorpus(_ folder: String) throws(CadenzaError) -> [[UInt8]] {
        let entries = try CorpusListing.list(input: folder, labelsCSV: nil, manifestCSV: nil, unlabelled: true)
        var blobs: [[UInt8]] = []
        for entry in entries { blobs.append(try InputFile.read(entry.absolutePath)) }
        return blobs
    }

    /// Bytes → Score (lenient), as `dataset build` reads.
    public static func parse(_ blobs: [[UInt8]], repeats: Int) -> Timing {
        var notes = 0
        var failed = 0
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            notes = 0
            failed = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for bytes in blobs {
                if let reading = try? MIDIFile.readScore(bytes: bytes, mode: .lenient) {
                    notes += reading.score.noteCount
                } else {
                    failed += 1
                }
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Timing(
            library: "Cadenza \(CadenzaVersion.string)", files: blobs.count, failed: failed,
            bytes: blobs.reduce(0) { $0 + $1.count }, notes: notes, tokens: 0, beats: 0,
            seconds: median(times), repeats: times)
    }

    /// Score → token ids (quantization included), from scores parsed beforehand, as MidiTok is timed.
    public static func tokenize(_ blobs: [[UInt8]], repeats: Int) -> Timing {
        let scores = blobs.compactMap { try? MIDIFile.readScore(bytes: $0, mode: .lenient).score }
        let tokenizer = Tokenizer()
        var tokens = 0
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            tokens = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for score in scores { tokens += tokenizer.encode(score, genre: 0).count }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return Timing(
            library: "Cadenza \(CadenzaVersion.string)", files: scores.count, failed: blobs.count - scores.count,
            bytes: blobs.reduce(0) { $0 + $1.count }, notes: scores.reduce(0) { $0 + $1.noteCount },
            tokens: tokens, beats: scores.reduce(0) { $0 + $1.durationQuarters }, seconds: median(times), repeats: times)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
