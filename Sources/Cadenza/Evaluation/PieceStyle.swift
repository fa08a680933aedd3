import MusicScore

/// Style measurements of one piece, the raw counts behind `StyleDescriptors`.
///
/// A beat is a quarter note (`ticksPerQuarter` ticks from tick 0), whatever the time signature:
/// swing and syncopation are judged against the quarter-note pulse, so a compound meter's
/// dotted-quarter beat is not recognized. Counts (not ratios) are kept so that a set of pieces
/// can pool them.
public struct PieceStyle: Hashable, Sendable, Codable {
    /// Sum of the swing ratios of every long–short beat (see `swingRatio`), found track by track
    /// (drum tracks included: a ride cymbal swings too).
    public var swingRatioSum: Double
    /// Beats that held a long–short pair of onsets, ≥ 0.
    public var swingPairCount: Int
    /// Beats with at least three pitch classes sounding just after the beat (1/8 beat in, so
    /// chords struck a little late still count), ≥ 0.
    public var chordalBeatCount: Int
    /// Chordal beats whose pitch classes form a 7th chord (`PitchClassTemplates.ChordKind.seventh`).
    public var seventhChordBeatCount: Int
    /// Chordal beats whose pitch classes are exactly a triad.
    public var triadBeatCount: Int
    /// Notes on pitched tracks, ≥ 0.
    public var pitchedNoteCount: Int
    /// Pitched notes that start off the beat and sound past the next beat (syncopations).
    public var syncopatedNoteCount: Int
    /// Mean pitched notes sounding at each onset (`PieceFeatures.polyphony`), nil without pitched notes.
    public var polyphony: Double?
    /// Highest minus lowest pitched note in semitones, nil without pitched notes.
    public var pitchRange: Int?
    /// Pitched notes per beat between the first onset and the last note end, nil when that span is empty.
    public var notesPerBeat: Double?
    /// True when a drum track has at least one note.
    public var hasDrums: Bool
    /// The time signature in force for the most ticks of the piece, such as "4/4" (4/4 when the
    /// score has none).
    public var timeSignature: String
    /// Krumhansl–Schmuckler key of the duration-weighted pitch classes: true for minor, false
    /// for major, nil when no key can be told (no pitched notes, or all pitch classes equal).
    public var isMinor: Bool?

    /// For syncopation, onsets within this many beats of a beat count as on the beat (1/12: a
    /// sixteenth-note triplet is off the beat, a performance a few milliseconds late is on it).
    public static let beatTolerance = 1.0 / 12
    /// How far (in beats) the onsets that frame a swing pair may lie from the beat: wide, because
    /// performed solos lay back behind the beat.
    public static let swingTolerance = 0.2
    /// A long–short pair counts when its middle onset lies at this fraction of the span between
    /// the two framing onsets: straight (0.5), swung (0.6–0.67) and dotted (0.75) eighths count,
    /// a short–long "snap" (0.25) does not.
    public static let swingSplitRange = 0.4...0.8

    /// Measures `score`. Any score works; an empty one gives zero counts and nil values.
    public init(score: Score) {
        let beat = max(1, score.ticksPerQuarter)
        let tolerance = Int(Double(beat) * PieceStyle.beatTolerance)
        let pitched = MusicFingerprints.pitchedNotes(score)
        swingRatioSum = 0
        swingPairCount = 0
        for track in score.tracks {
            let (sum, count) = PieceStyle.swingPairs(onsets: track.notes.map(\.start), beat: beat)
            swingRatioSum += sum
            swingPairCount += count
        }
        (chordalBeatCount, seventhChordBeatCount, triadBeatCount) = PieceStyle.chordBeats(pitched, beat: beat)
        pitchedNoteCount = pitched.count
        syncopatedNoteCount = pitched.filter { PieceStyle.isSyncopated($0, beat: beat, tolerance: tolerance) }.count
        hasDrums = score.tracks.contains { $0.isDrum && !$0.notes.isEmpty }
        timeSignature = PieceStyle.longestTimeSignature(score)
        if let first = pitched.first {
            var onsets: [Int] = []
            for note in pitched where onsets.last != note.start { onsets.append(note.start) }
            polyphony = PieceFeatures.meanSoundingNotes(pitched, at: onsets)
            let pitches = pitched.map { Int($0.pitch) }
            pitchRange = pitches.max()! - pitches.min()!
            let span = pitched.reduce(0) { max($0, $1.end) } - first.start
            notesPerBeat = span > 0 ? Double(pitched.count) / (Double(span) / Double(beat)) : nil
            var weights = [Double](repeating: 0, count: 12)
            for note in pitched { weights[Int(note.pitch) % 12] += Double(max(note.duration, 1)) }
            isMinor = PitchClassTemplates.key(ofPitchClassWeights: weights)?.isMinor
        } else {
            polyphony = nil
            pitchRange = nil
            notesPerBeat = nil
            isMinor = nil
        }
    }

    /// Mean ratio of the long–short beats, nil when there is none. 1.0 is straight, 2.0 is
    /// triplet swing (2:1), 3.0 a dotted eighth and a sixteenth.
    public var swingRatio: Double? { swingPairCount > 0 ? swingRatioSum / Double(swingPairCount) : nil }

    /// Swing pairs in one track's onsets (ticks, any order). Onsets are grouped by beat window
    /// [b − t, b + beat − t) with t = `swingTolerance` beats. A window with exactly two distinct
    /// onsets t₁ < t₂, where t₁ is within t of the beat b and the next onset t₃ is within t of
    /// the next beat, is a pair when t₂ splits [t₁, t₃) at a `swingSplitRange` fraction; its ratio
    /// is (t₂ − t₁) / (t₃ − t₂). Measuring between played onsets rather than grid lines makes a
    /// soloist who lays back behind the beat (as the performed jazz solos do, by up to about a
    /// sixth of a beat) read the same as one on it. Onsets are grouped, not beats walked, so the
    /// cost is linear in notes however long the silences.
    static func swingPairs(onsets: [Int], beat: Int) -> (sum: Double, count: Int) {
        let tolerance = Int(Double(beat) * swingTolerance)
        var distinct = onsets.filter { $0 >= 0 }.sorted()
        distinct = distinct.enumerated().filter { $0.offset == 0 || distinct[$0.offset - 1] != $0.element }.map(\.element)
        var sum = 0.0, count = 0
        var i = 0
        while i < distinct.count {
            let window = (distinct[i] + tolerance) / beat
            var j = i + 1
            while j < distinct.count && (distinct[j] + tolerance) / beat == window { j += 1 }
            if j - i == 2 && j < distinct.count {
                let beatStart = window * beat
                let first = distinct[i], second = distinct[i + 1], next = distinct[j]
                let long = Double(second - first), short = Double(next - second)
                if abs(first - beatStart) <= tolerance, abs(next - beatStart - beat) <= tolerance,
                   swingSplitRange.contains(long / (long + short)) {
                    sum += long / short
                    count += 1
                }
            }
            i = j
        }
        return (sum, count)
    }

    /// Counts of beats with ≥ 3 sounding pitch classes, of those forming a 7th chord, and of
    /// those forming a triad. The sample point of beat k is `k·beat + beat/8`. The pitch-class
    /// set only changes at note starts and ends, so the notes are swept once and every stretch
    /// between two changes adds all the sample points it contains.
    static func chordBeats(_ notes: [Note], beat: Int) -> (chordal: Int, seventh: Int, triad: Int) {
        var events: [(tick: Int, pitchClass: Int, change: Int)] = []
        for note in notes where note.duration > 0 {
            events.append((note.start, Int(note.pitch) % 12, 1))
            events.append((note.end, Int(note.pitch) % 12, -1))
        }
        events.sort { $0.tick < $1.tick }
        let offset = beat / 8
        // Sample points at or after `tick`: the first k with k·beat + offset ≥ tick.
        func firstSample(atOrAfter tick: Int) -> Int {
            let a = tick - offset
            return a > 0 ? (a + beat - 1) / beat : -((-a) / beat)
        }
        var sounding = [Int](repeating: 0, count: 12)
        var chordal = 0, seventh = 0, triad = 0
        var e = 0
        while e < events.count {
            let tick = events[e].tick
            while e < events.count && events[e].tick == tick {
                sounding[events[e].pitchClass] += events[e].change
                e += 1
            }
            guard e < events.count else { break }
            let samples = firstSample(atOrAfter: events[e].tick) - firstSample(atOrAfter: tick)
            guard samples > 0 else { continue }
            var mask = 0
            for pc in 0..<12 where sounding[pc] > 0 { mask |= 1 << pc }
            switch PitchClassTemplates.chordKind(mask) {
            case .tooFew: continue
            case .seventh: seventh += samples
            case .triad: triad += samples
            case .other: break
            }
            chordal += samples
        }
        return (chordal, seventh, triad)
    }

    /// Off the beat (more than `tolerance` from a beat) and still sounding more than
    /// `tolerance` after the next beat.
    static func isSyncopated(_ note: Note, beat: Int, tolerance: Int) -> Bool {
        guard note.start >= 0 else { return false }
        let position = note.start % beat
        guard position > tolerance && position < beat - tolerance else { return false }
        let nextBeat = (note.start / beat + 1) * beat
        return note.end > nextBeat + tolerance
    }

    /// The signature covering the most ticks of [0, endTick) (the first on a tie); the one at
    /// tick 0 for an empty score.
    static func longestTimeSignature(_ score: Score) -> String {
        let signatures = PieceFeatures.effectiveTimeSignatures(score)
        let end = max(score.endTick, 1)
        var ticks: [String: Int] = [:]
        var order: [String] = []
        for (i, signature) in signatures.enumerated() where signature.tick < end {
            let stop = min(i + 1 < signatures.count ? signatures[i + 1].tick : end, end)
            if ticks[signature.description] == nil { order.append(signature.description) }
            ticks[signature.description, default: 0] += stop - signature.tick
        }
        var best = order.first ?? TimeSignature.common.description
        for name in order where ticks[name]! > ticks[best]! { best = name }
        return best
    }
}
