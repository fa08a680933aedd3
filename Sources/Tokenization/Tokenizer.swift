import MusicScore

/// Turns scores into token ids and back (REMI-style, multi-track; grammar in `GrammarState`).
///
/// `encode` first puts the score in canonical form (`canonicalize`, which documents what
/// tokenization keeps and drops), so `decode(encode(s)) == canonicalize(s)` for every score, and
/// `encode(decode(ids)) == ids` for every valid sequence that does not end in empty bars.
///
/// A piece reads, for example (4/4, one piano chord and a kick drum on beat 1):
///
///     BOS Genre(2) Bar TimeSignature(2) Position(0) Tempo(19)
///         Program(0) Pitch(60) Velocity(9) Duration(11) Pitch(64) Velocity(9) Duration(11)
///         Program(drums) DrumPitch(36) Velocity(12) Duration(0) EOS
public struct Tokenizer: Sendable {
    public let config: TokenizerConfig
    public let vocabulary: Vocabulary
    let bins: BinTables

    /// A tokenizer for `config`, which must be valid (`config.validate()`); configs read from
    /// JSON are validated on decoding. Use `init(checking:)` for a config built from user input.
    public init(config: TokenizerConfig = .init()) {
        do {
            try config.validate()
        } catch {
            preconditionFailure("invalid tokenizer config: \(error)")
        }
        self.config = config
        self.vocabulary = Vocabulary(config: config)
        self.bins = BinTables(config: config)
    }

    /// A tokenizer for `config`, throwing when it is not valid.
    public init(checking config: TokenizerConfig) throws(TokenizerConfigError) {
        try config.validate()
        self.init(config: config)
    }

    /// The ids of `score`: `BOS Genre(genre) … EOS`.
    ///
    /// - Parameter genre: genre slot, `0..<config.genreSlots` (see `TokenizerConfig.genreSlot(named:)`).
    public func encode(_ score: Score, genre: Int) -> [Int] {
        precondition((0..<config.genreSlots).contains(genre), "genre slot \(genre) is outside 0..<\(config.genreSlots)")
        return encodeCanonical(canonicalize(score), genre: genre)
    }

    /// `encode` as tokens, for reading and tests.
    public func encodeTokens(_ score: Score, genre: Int) -> [Token] {
        encode(score, genre: genre).map { vocabulary.token(for: $0)! }
    }

    /// The tokens of a score that is already canonical (output of `canonicalize` or `decode`).
    func encodeCanonical(_ score: Score, genre: Int) -> [Int] {
        let v = vocabulary
        let barID = v.range(of: .bar).lowerBound
        let meterBase = v.range(of: .timeSignature).lowerBound
        let tempoBase = v.range(of: .tempo).lowerBound
        let positionBase = v.range(of: .position).lowerBound
        let programBase = v.range(of: .program).lowerBound
        let pitchBase = v.range(of: .pitch).lowerBound
        let drumBase = v.range(of: .drumPitch).lowerBound - config.drumKeys.lowerBound
        let velocityBase = v.range(of: .velocity).lowerBound
        let durationBase = v.range(of: .duration).lowerBound

        // All notes in one flat array, track after track (canonical tracks are ordered by
        // program, drums last), with a cursor per track: emitting a position is then a k-way
        // merge by onset that needs no sort and no allocation per token.
        var notes: [Note] = []
        notes.reserveCapacity(score.noteCount)
        var cursor: [Int] = []
        var trackEnd: [Int] = []
        var keyBase: [Int] = []
        var programID: [Int] = []
        for track in score.tracks {
            cursor.append(notes.count)
            notes.append(contentsOf: track.notes)
            trackEnd.append(notes.count)
            keyBase.append(track.isDrum ? drumBase : pitchBase)
            programID.append(programBase + (track.isDrum ? Token.drumProgram : Int(track.program)))
        }
        let tempos = score.tempos
        let meters = score.timeSignatures
        var lastTick = max(tempos.last?.tick ?? 0, meters.last?.tick ?? 0)
        for k in trackEnd.indices where cursor[k] < trackEnd[k] { lastTick = max(lastTick, notes[trackEnd[k] - 1].start) }

        var out: [Int] = [v.id(for: .bos), v.id(for: .genre(genre))]
        out.reserveCapacity(notes.count * 4 + 64)
        var tempoIndex = 0
        var meterIndex = 0
        var meter = bins.commonMeter
        var barStart = 0
        while barStart <= lastTick {
            out.append(barID)
            if meterIndex < meters.count, meters[meterIndex].tick == barStart {
                meter = bins.meterIndex(numerator: meters[meterIndex].numerator, denominator: meters[meterIndex].denominator)
                out.append(meterBase + meter)
                meterIndex += 1
            }
            let barEnd = barStart + v.barSteps[meter]
            while true {
                var tick = tempoIndex < tempos.count ? tempos[tempoIndex].tick : Int.max
                for k in cursor.indices where cursor[k] < trackEnd[k] { tick = min(tick, notes[cursor[k]].start) }
                if tick >= barEnd { break }
                out.append(positionBase + tick - barStart)
                if tempoIndex < tempos.count, tempos[tempoIndex].tick == tick {
                    out.append(tempoBase + bins.tempoBin(microsecondsPerQuarter: tempos[tempoIndex].microsecondsPerQuarter))
                    tempoIndex += 1
                }
                for k in cursor.indices where cursor[k] < trackEnd[k] && notes[cursor[k]].start == tick {
                    out.append(programID[k])
                    var n = cursor[k]
                    while n < trackEnd[k], notes[n].start == tick {
                        let note = notes[n]
                        out.append(keyBase[k] + Int(note.pitch))
                        out.append(velocityBase + bins.velocityBin(note.velocity))
                        out.append(durationBase + bins.durationBin(steps: note.duration))
                        n += 1
                    }
                    cursor[k] = n
                }
            }
            barStart = barEnd
        }
        out.append(v.id(for: .eos))
        return out
    }

    /// The tempo bin of a tempo in quarter notes per minute (nearest in log space, clamped).
    public func tempoBin(quartersPerMinute qpm: Double) -> Int { bins.tempoBin(quartersPerMinute: qpm) }

    /// The duration bin of a length in grid steps (nearest, ties to the shorter, clamped).
    public func durationBin(steps: Int) -> Int { bins.durationBin(steps: steps) }

    /// The index in `config.timeSignatures` that stands for n/d (itself, or the nearest by bar length).
    public func meterIndex(numerator: Int, denominator: Int) -> Int {
        bins.meterIndex(numerator: numerator, denominator: denominator)
    }

    /// A token with its payload in the config's units: "Genre(jazz)", "TimeSignature(3/4)",
    /// "Tempo(123 qpm)", "Velocity(68)", "Duration(12 steps)".
    public func describe(_ token: Token) -> String {
        switch token {
        case .genre(let slot) where slot < config.genres.count: "Genre(\(config.genres[slot]))"
        case .timeSignature(let i) where i >= 0 && i < config.timeSignatures.count: "TimeSignature(\(config.timeSignatures[i]))"
        case .tempo(let bin) where bin >= 0 && bin < config.tempoBins:
            "Tempo(\(Int(config.tempoQuartersPerMinute(bin: bin).rounded())) qpm)"
        case .velocity(let bin): "Velocity(\(config.velocity(bin: bin)))"
        case .duration(let bin) where bin >= 0 && bin < config.durationSteps.count: "Duration(\(config.durationSteps[bin]) steps)"
        default: token.description
        }
    }
}
