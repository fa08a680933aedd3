import Tokenization

/// What a style classifier reads of a token sequence (CONVENTIONS.md, "Style similarity that
/// texture cannot buy": the classifier is trained and reported twice).
///
/// Both views drop `BOS`, `Genre` and `PAD`: the genre token would hand the classifier its
/// answer, and padding is added by windowing, not read from the data.
///
/// - `allTokens`: everything else, as the tokenizer wrote it.
/// - `instrumentBlind`: the music without its instruments, "every note on one track": within
///   each `Position`, the pitched notes of all programs merged into one list in ascending key
///   order (one note per key: the first, i.e. the lowest program's), with no `Program` token;
///   drum notes (`DrumPitch Velocity Duration`) removed, and a `Position` left with neither
///   notes nor a `Tempo` removed with them. `Bar`, `TimeSignature`, `Tempo`, `Position`,
///   `Pitch`, `Velocity`, `Duration` and `EOS` remain. Decided at the token level (not by
///   re-encoding a merged score) so that it applies to any id sequence, whole pieces and cut
///   windows alike, and costs one pass. The result uses the tokenizer's ids but is not a
///   grammar-valid piece: the grammar wants a `Program` after every `Position`.
public enum ClassifierView: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case allTokens = "all-tokens"
    case instrumentBlind = "instrument-blind"

    public var description: String { rawValue }

    /// The view of `ids` (any ids of `vocabulary`; ids outside it are dropped). Windows are cut
    /// from the view, not before it, so a window is always W tokens of what the model reads.
    public func apply(_ ids: some Sequence<Int>, vocabulary: Vocabulary) -> [Int] {
        let dropped: Set<TokenKind> = [.bos, .genre, .pad]
        switch self {
        case .allTokens:
            return ids.filter { vocabulary.kind(of: $0).map { !dropped.contains($0) } ?? false }
        case .instrumentBlind:
            var merger = InstrumentBlindMerger(vocabulary: vocabulary)
            for id in ids {
                guard let kind = vocabulary.kind(of: id), !dropped.contains(kind) else { continue }
                merger.read(id, kind: kind)
            }
            merger.flush()
            return merger.output
        }
    }
}

/// The instrument-blind merge as a one-pass state machine over a token stream.
struct InstrumentBlindMerger {
    let vocabulary: Vocabulary
    private(set) var output: [Int] = []
    /// The open `Position` group: its Position id, its Tempo id, its pitched notes as
    /// (Pitch, Velocity, Duration) ids. Nil before the first Position of a bar.
    private var position: Int?
    private var tempo: Int?
    private var notes: [[Int]] = []
    /// The note being read (its ids so far) and whether it is a drum note (to be dropped).
    private var note: [Int] = []
    private var noteIsDrum = false

    init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    mutating func read(_ id: Int, kind: TokenKind) {
        switch kind {
        case .program:
            break
        case .position:
            flush()
            position = id
        case .tempo where position != nil && notes.isEmpty && note.isEmpty:
            tempo = id
        case .pitch, .drumPitch:
            finishNote()
            note = [id]
            noteIsDrum = kind == .drumPitch
        case .velocity, .duration:
            guard !note.isEmpty else {
                // A window cut inside a note: its tail is kept when the note's kind is unknown.
                emitLoose(id)
                return
            }
            note.append(id)
            if kind == .duration { finishNote() }
        default:
            // Bar, TimeSignature, EOS, and a Tempo outside a group's header: structure, in order.
            flush()
            emitLoose(id)
        }
    }

    /// Closes the open group: Position, Tempo, then its notes by ascending key, one per key.
    mutating func flush() {
        finishNote()
        defer { (position, tempo, notes) = (nil, nil, []) }
        guard let position else { return }
        guard tempo != nil || !notes.isEmpty else { return }
        output.append(position)
        if let tempo { output.append(tempo) }
        // Stable sort by key, so the first (lowest-program) note of a repeated key is the one kept.
        let sorted = notes.enumerated().sorted { ($0.element[0], $0.offset) < ($1.element[0], $1.offset) }.map(\.element)
        var lastKey = -1
        for note in sorted where note[0] != lastKey {
            output += note
            lastKey = note[0]
        }
    }

    private mutating func finishNote() {
        defer { (note, noteIsDrum) = ([], false) }
        guard !note.isEmpty, !noteIsDrum else { return }
        if position != nil {
            notes.append(note)
        } else {
            output += note  // before the window's first Position: nothing to merge with
        }
    }

    private mutating func emitLoose(_ id: Int) {
        if position == nil { output.append(id) }
    }
}
