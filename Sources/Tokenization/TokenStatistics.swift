import MusicScore

/// Token counts of one piece or, summed with `+`, of a collection: the README's
/// "tokens per beat" figure and the sequence-length budget of a model come from here.
public struct TokenStatistics: Hashable, Sendable {
    /// Pieces counted.
    public var pieces: Int
    /// Tokens, BOS and EOS included.
    public var tokens: Int
    /// Notes kept by tokenization.
    public var notes: Int
    /// `Bar` tokens.
    public var bars: Int
    /// Length in quarter notes of the canonical scores (up to the end of the last note).
    public var quarterNotes: Double

    public init(pieces: Int = 0, tokens: Int = 0, notes: Int = 0, bars: Int = 0, quarterNotes: Double = 0) {
        self.pieces = pieces
        self.tokens = tokens
        self.notes = notes
        self.bars = bars
        self.quarterNotes = quarterNotes
    }

    /// Tokens per quarter note (the beat of x/4 meters); 0 when nothing was counted.
    public var tokensPerBeat: Double { quarterNotes > 0 ? Double(tokens) / quarterNotes : 0 }

    /// Tokens per note; 0 when there are no notes.
    public var tokensPerNote: Double { notes > 0 ? Double(tokens) / Double(notes) : 0 }

    public static func + (a: TokenStatistics, b: TokenStatistics) -> TokenStatistics {
        TokenStatistics(
            pieces: a.pieces + b.pieces, tokens: a.tokens + b.tokens, notes: a.notes + b.notes,
            bars: a.bars + b.bars, quarterNotes: a.quarterNotes + b.quarterNotes)
    }

    public static func += (a: inout TokenStatistics, b: TokenStatistics) { a = a + b }
}

extension Tokenizer {
    /// Counts the tokens `encode(score, genre:)` produces against the piece's length.
    public func statistics(of score: Score, genre: Int = 0) -> TokenStatistics {
        let canonical = canonicalize(score)
        let ids = encodeCanonical(canonical, genre: genre)
        let barID = vocabulary.id(for: .bar)
        return TokenStatistics(
            pieces: 1, tokens: ids.count, notes: canonical.noteCount, bars: ids.count { $0 == barID },
            quarterNotes: canonical.durationQuarters)
    }
}
