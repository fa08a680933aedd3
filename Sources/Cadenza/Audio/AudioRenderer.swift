import MusicScore

/// Renders a `Score` to 16-bit PCM WAV with a small built-in synthesizer: every General MIDI
/// family gets an approximate voice (additive and wavetable tones, FM mallets and bells,
/// Karplus–Strong strings) and the GM percussion map is synthesized drum-machine style.
///
/// Seconds come from the score's tempo map. The sustain pedal (CC64) holds notes; CC7 volume,
/// CC11 expression and CC10 pan (stereo) are read at each note's start; pitch bends move a
/// track ±2 semitones (at a 128-frame control rate). Output is deterministic: the same score and settings give byte-identical WAV.
/// A peak limiter at -1 dBFS keeps every sample within ±29,163 (no clipping, no wrap-around).
///
/// ```swift
/// let wav = try AudioRenderer().wavBytes(for: score)          // [UInt8], a whole .wav file
/// try AudioRenderer(sampleRate: 48_000).writeWAV(for: score, to: "out.wav")
/// ```
public struct AudioRenderer: Sendable {
    /// Sample rates accepted, Hz.
    public static let supportedSampleRates = 8_000...192_000
    /// The longest release tail, seconds.
    public static let longestTail = 2.0

    /// Frames per second, within `supportedSampleRates`.
    public let sampleRate: Int
    /// 1 (mono) or 2 (stereo, panned by CC10).
    public let channelCount: Int
    /// The longest audio, in seconds, that a score may render to (tail included); longer
    /// scores are refused before any work is done.
    public let maximumSeconds: Double
    /// Audio kept after the last note ends so releases and cymbals ring out, seconds, 0...2;
    /// anything still sounding is faded out over the last 50 ms.
    public let tailSeconds: Double

    /// - Precondition: `sampleRate` in `supportedSampleRates`, `channelCount` 1 or 2,
    ///   `maximumSeconds` > 0 and `tailSeconds` in 0...2. Front ends check user input first.
    public init(sampleRate: Int = 44_100, channelCount: Int = 2, maximumSeconds: Double = 1_800, tailSeconds: Double = 1.5) {
        precondition(Self.supportedSampleRates.contains(sampleRate), "sample rate outside \(Self.supportedSampleRates)")
        precondition(channelCount == 1 || channelCount == 2, "channelCount must be 1 or 2")
        precondition(maximumSeconds > 0, "maximumSeconds must be positive")
        precondition((0...Self.longestTail).contains(tailSeconds), "tailSeconds must be within 0...\(Self.longestTail)")
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.maximumSeconds = maximumSeconds
        self.tailSeconds = tailSeconds
    }

    /// What a render produced.
    public struct Summary: Sendable, Equatable {
        /// Notes that sounded (notes with velocity 0 or above the Nyquist frequency are skipped).
        public var notes: Int
        /// Sample frames (one sample per channel each).
        public var frames: Int
        public var sampleRate: Int
        public var channelCount: Int
        /// Size of the WAV file, header included, bytes.
        public var byteCount: Int

        /// Length of the audio, seconds.
        public var seconds: Double { Double(frames) / Double(sampleRate) }
    }

    /// Frames the score renders to: its length through the tempo map, plus the tail.
    public func frameCount(for score: Score) -> Int {
        // Clamped so an absurd tempo map cannot overflow; such scores fail the length check anyway.
        let length = score.durationSeconds
        let music = length.isFinite ? min(max(length, 0), 1e9) : 0
        return Int((music * Double(sampleRate)).rounded()) + Int((tailSeconds * Double(sampleRate)).rounded())
    }

    /// Renders `score` to a complete WAV file in memory (4 bytes per stereo frame: about
    /// 10 MB per minute at 44.1 kHz).
    /// - Parameter name: how errors name the score (its file path, or "score").
    /// - Throws: `CadenzaError.badInput` when the audio would be longer than `maximumSeconds`.
    public func wavBytes(for score: Score, name: String = "score") throws(CadenzaError) -> [UInt8] {
        let frames = try checkedFrameCount(for: score, name: name)
        var bytes = WAVWriter.header(frames: frames, channelCount: channelCount, sampleRate: sampleRate)
        bytes.reserveCapacity(WAVWriter.headerSize + frames * channelCount * 2)
        try render(score, name: name) { (block: UnsafeBufferPointer<Int16>) throws(CadenzaError) in
            WAVWriter.append(block, to: &bytes)
        }
        return bytes
    }

    /// Renders `score` straight to a WAV file at `path`, atomically (readers see the old file
    /// or the whole new one) and in bounded memory.
    /// - Throws: `CadenzaError.badInput` for a too-long score, `.writeFailed` when the file
    ///   cannot be written (nothing is left behind).
    @discardableResult
    public func writeWAV(for score: Score, to path: String, name: String = "score") throws(CadenzaError) -> Summary {
        let frames = try checkedFrameCount(for: score, name: name)
        let file = try AtomicFileWriter(path: path)
        try file.write(WAVWriter.header(frames: frames, channelCount: channelCount, sampleRate: sampleRate))
        var scratch: [UInt8] = []
        let summary = try render(score, name: name) { (block: UnsafeBufferPointer<Int16>) throws(CadenzaError) in
            scratch.removeAll(keepingCapacity: true)
            WAVWriter.append(block, to: &scratch)
            try file.write(scratch)
        }
        try file.commit()
        return summary
    }

    /// Renders `score` and hands the audio to `consume` in blocks of interleaved 16-bit samples
    /// (at most 128 frames each), in order; the caller writes the WAV header (for streaming).
    /// - Throws: `CadenzaError.badInput` for a too-long score, or what `consume` throws.
    @discardableResult
    public func render(_ score: Score, name: String = "score",
                       consume: (UnsafeBufferPointer<Int16>) throws(CadenzaError) -> Void) throws(CadenzaError) -> Summary {
        let frames = try checkedFrameCount(for: score, name: name)
        let schedule = NoteSchedule(score: score, sampleRate: sampleRate, channelCount: channelCount)
        let synthesizer = Synthesizer(schedule: schedule, sampleRate: sampleRate, channelCount: channelCount, totalFrames: frames)
        let block = UnsafeMutablePointer<Int16>.allocate(capacity: Synthesizer.blockSize * channelCount)
        defer { block.deallocate() }
        while true {
            let n = synthesizer.renderBlock(into: block)
            if n == 0 { break }
            try consume(UnsafeBufferPointer(start: block, count: n * channelCount))
        }
        return Summary(notes: synthesizer.notesPlayed, frames: frames, sampleRate: sampleRate, channelCount: channelCount,
                       byteCount: WAVWriter.headerSize + frames * channelCount * 2)
    }

    /// The frame count, after refusing scores whose audio would exceed `maximumSeconds` or a
    /// WAV file's 4 GB.
    private func checkedFrameCount(for score: Score, name: String) throws(CadenzaError) -> Int {
        let seconds = score.durationSeconds + tailSeconds
        let limitBytes = Double(WAVWriter.maximumDataBytes) / Double(channelCount * 2 * sampleRate)
        let limit = min(maximumSeconds, limitBytes)
        guard seconds.isFinite, seconds <= limit else {
            throw .badInput(
                file: name, location: nil,
                problem: "the piece would render to \(Self.clock(seconds)) of audio; the limit is \(Self.clock(limit))",
                hint: "render a shorter piece or split it (its last note ends at \(Self.clock(score.durationSeconds)))")
        }
        return frameCount(for: score)
    }

    /// `m:ss` (or `h:mm:ss`) for messages.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "an unbounded length" }
        let s = Int(min(seconds, 1e12).rounded())
        func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
        return s < 3600 ? "\(s / 60):\(two(s % 60))" : "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))"
    }
}
