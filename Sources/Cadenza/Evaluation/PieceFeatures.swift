import MusicScore

/// The musical features of one piece that MGEval compares between real and generated sets
/// (Yang & Lerch, "On the evaluation of generative models in music", Neural Computing and
/// Applications, 2018; reference code github.com/RichardYang40148/mgeval).
///
/// Every feature is computed from the pitched notes of all tracks together (drum tracks are left
/// out: their keys name instruments, and their durations mean nothing). Time is in beats
/// (quarter notes, `ticks / ticksPerQuarter`), so tempo changes and the clock resolution do not
/// change any value. Notes are taken in the order tracks keep them: onset, then pitch.
public struct PieceFeatures: Hashable, Sendable, Codable {
    /// Pitched notes, ≥ 1.
    public var noteCount: Int
    /// Share of notes per pitch class, 12 entries (index 0 = C), each 0...1, summing to 1.
    public var pitchClassHistogram: [Double]
    /// Pitch-class transitions between consecutive notes, 12×12 row-major (`from * 12 + to`),
    /// normalized to sum 1 (MGEval's `pitch_class_transition_matrix`, normalized over all
    /// entries); all zeros for a one-note piece.
    public var pitchClassTransitions: [Double]
    /// Distinct MIDI pitches used, 1...128 (MGEval's `total_used_pitch` counts pitches).
    public var pitchCount: Int
    /// Highest minus lowest pitch, in semitones, 0...127.
    public var pitchRange: Int
    /// Mean absolute interval between consecutive notes, in semitones, ≥ 0 (MGEval's
    /// `avg_pitch_shift`); 0 for a one-note piece.
    public var averagePitchInterval: Double
    /// Notes per bar, > 0: `noteCount` over the bars (from the score's time signatures) up to the
    /// bar holding the last tick any pitched note sounds.
    public var notesPerBar: Double
    /// Gaps between consecutive distinct onset times, in beats, each > 0; `noteCount`-independent
    /// (a chord is one onset). Empty when every note starts together.
    public var interOnsetIntervals: [Double]
    /// Mean of `interOnsetIntervals`, in beats (MGEval's `avg_IOI`); 0 when there is none.
    public var averageInterOnsetInterval: Double
    /// Note lengths in beats, each ≥ 0, one per note.
    public var durations: [Double]
    /// MIDI 1.0 velocities, 0...127, one per note.
    public var velocities: [Double]
    /// Mean number of pitched notes sounding at each distinct onset time (the notes starting
    /// there included), ≥ 1: 1 for a monophonic line, about 4 for four-part chorales.
    public var polyphony: Double

    /// Features of `score`'s pitched notes, or nil when it has none (an empty score, or drums
    /// only): the pitch features of such a piece do not exist, and MGEval has no rule for them.
    public init?(score: Score) {
        let notes = MusicFingerprints.pitchedNotes(score)
        guard let first = notes.first else { return nil }
        let beat = Double(max(1, score.ticksPerQuarter))
        noteCount = notes.count

        var histogram = [Double](repeating: 0, count: 12)
        var transitions = [Double](repeating: 0, count: 144)
        var used = [Bool](repeating: false, count: 128)
        var lowest = Int(first.pitch), highest = Int(first.pitch)
        var intervalSum = 0
        for (i, note) in notes.enumerated() {
            let pitch = Int(note.pitch)
            histogram[pitch % 12] += 1
            used[pitch & 0x7F] = true
            lowest = min(lowest, pitch)
            highest = max(highest, pitch)
            if i > 0 {
                let previous = Int(notes[i - 1].pitch)
                transitions[(previous % 12) * 12 + pitch % 12] += 1
                intervalSum += abs(pitch - previous)
            }
        }
        pitchClassHistogram = histogram.map { $0 / Double(notes.count) }
        pitchClassTransitions = notes.count > 1 ? transitions.map { $0 / Double(notes.count - 1) } : transitions
        pitchCount = used.filter { $0 }.count
        pitchRange = highest - lowest
        averagePitchInterval = notes.count > 1 ? Double(intervalSum) / Double(notes.count - 1) : 0

        var onsets: [Int] = []
        for note in notes where onsets.last != note.start { onsets.append(note.start) }
        interOnsetIntervals = zip(onsets.dropFirst(), onsets).map { Double($0 - $1) / beat }
        averageInterOnsetInterval = PieceFeatures.mean(interOnsetIntervals)
        durations = notes.map { Double($0.duration) / beat }
        velocities = notes.map { Double($0.velocity) }
        polyphony = PieceFeatures.meanSoundingNotes(notes, at: onsets)

        let lastTick = notes.reduce(0) { max($0, $1.end) } - 1
        notesPerBar = Double(notes.count) / Double(PieceFeatures.barCount(score, through: lastTick))
    }

    /// Mean over `onsets` of the notes with `start ≤ t < end`; a zero-length note counts at its
    /// own onset (as one tick long), so the value is ≥ 1. `notes` sorted by onset, `onsets` ascending.
    static func meanSoundingNotes(_ notes: [Note], at onsets: [Int]) -> Double {
        guard !onsets.isEmpty else { return 0 }
        let ends = notes.map { max($0.end, $0.start + 1) }.sorted()
        var started = 0, ended = 0, total = 0
        for t in onsets {
            while started < notes.count && notes[started].start <= t { started += 1 }
            while ended < ends.count && ends[ended] <= t { ended += 1 }
            total += started - ended
        }
        return Double(total) / Double(onsets.count)
    }

    /// Bars from tick 0 through the bar containing `lastTick` (≥ 1), following the time
    /// signatures exactly as `Score.barStarts(through:)` does, but counted per signature segment
    /// so a far-away last tick costs nothing.
    static func barCount(_ score: Score, through lastTick: Int) -> Int {
        let limit = max(lastTick, 0)
        let signatures = effectiveTimeSignatures(score)
        var count = 0
        for (i, signature) in signatures.enumerated() where signature.tick <= limit {
            let end = min(i + 1 < signatures.count ? signatures[i + 1].tick : Int.max, limit + 1)
            let length = max(1, signature.ticksPerBar(ticksPerQuarter: score.ticksPerQuarter))
            count += (end - signature.tick + length - 1) / length
        }
        return max(1, count)
    }

    /// The score's time signatures as they take effect: sorted by tick (stably), the last one at
    /// a tick winning, 4/4 from tick 0 until the first, as `Score.barStarts(through:)` reads them.
    static func effectiveTimeSignatures(_ score: Score) -> [TimeSignature] {
        var signatures: [TimeSignature] = []
        for signature in score.timeSignatures.enumerated().filter({ $0.element.tick >= 0 })
            .sorted(by: { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }).map(\.element) {
            if signatures.last?.tick == signature.tick { signatures.removeLast() }
            signatures.append(signature)
        }
        if signatures.first?.tick != 0 { signatures.insert(.common, at: 0) }
        return signatures
    }

    /// Arithmetic mean, 0 for no values.
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
