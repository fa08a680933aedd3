import MusicScore

/// Verbatim-copy fingerprints of a piece, shared by the dataset builder (which indexes the
/// training data) and the evaluator (which looks generated pieces up), so both hash the same way.
///
/// Both work on a score already on the tokenizer's grid (`Tokenizer.canonicalize`), ignore drums,
/// programs, velocities and durations, and are not transposition-invariant: they find music that
/// was copied note for note, which is what matters for copyright.
public enum MusicFingerprints {
    /// Bars per window for the "copied 4-bar window" measure.
    public static let barsPerWindow = 4
    /// Windows with fewer notes are not fingerprinted: a bar of silence or one held chord is
    /// not a copy of anything.
    public static let minimumNotesPerWindow = 8
    /// Notes per n-gram for the "longest copied run" measure.
    public static let notesPerGram = 8

    /// One hash per window of `barsPerWindow` bars starting at each bar line: the sorted
    /// (onset relative to the window, pitch) pairs of its pitched notes.
    public static func windowHashes(_ score: Score) -> [UInt64] {
        let notes = pitchedNotes(score)
        guard !notes.isEmpty else { return [] }
        let bars = score.barStarts(through: notes.last!.start)
        var hashes: [UInt64] = []
        var first = 0
        for (b, barStart) in bars.enumerated() {
            let endBar = b + barsPerWindow
            let windowEnd = endBar < bars.count ? bars[endBar] : Int.max
            if endBar > bars.count { break }  // only whole windows
            while first < notes.count && notes[first].start < barStart { first += 1 }
            var hasher = StableHasher()
            var count = 0
            var i = first
            while i < notes.count && notes[i].start < windowEnd {
                hasher.combine(notes[i].start - barStart)
                hasher.combine(byte: notes[i].pitch)
                count += 1
                i += 1
            }
            if count >= minimumNotesPerWindow { hashes.append(hasher.value) }
        }
        return hashes
    }

    /// One hash per run of `notesPerGram` consecutive pitched notes (ordered by onset, then
    /// pitch): the first pitch, then each note's pitch and onset gap to the previous note.
    /// A generated piece whose grams i, i+1, …, i+k are all found copies at least k + n notes.
    public static func noteGramHashes(_ score: Score) -> [UInt64] {
        let notes = pitchedNotes(score)
        guard notes.count >= notesPerGram else { return [] }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(notes.count - notesPerGram + 1)
        for start in 0...(notes.count - notesPerGram) {
            var hasher = StableHasher()
            hasher.combine(byte: notes[start].pitch)
            for i in (start + 1)..<(start + notesPerGram) {
                hasher.combine(byte: notes[i].pitch)
                hasher.combine(notes[i].start - notes[i - 1].start)
            }
            hashes.append(hasher.value)
        }
        return hashes
    }

    /// Pitched notes of all tracks, ordered by onset then pitch.
    static func pitchedNotes(_ score: Score) -> [Note] {
        var notes: [Note] = []
        for track in score.tracks where !track.isDrum { notes += track.notes }
        notes.sort { ($0.start, $0.pitch) < ($1.start, $1.pitch) }
        return notes
    }
}
