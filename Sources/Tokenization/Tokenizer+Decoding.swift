import MusicScore

extension Tokenizer {
    /// The score of a valid sequence; throws at the first grammar violation.
    ///
    /// The result is canonical (`canonicalize` of it changes nothing). Bars only place events
    /// in time, so bars after the last event (a sequence ending in bare `Bar`s) leave no trace.
    ///
    /// - Parameter startingMidStream: read a window cut from a longer sequence (a training
    ///   window, a stream): tokens before its first `Bar` are skipped, that Bar starts at tick 0,
    ///   the meter counts as 4/4 and the tempo as 120 qpm until the window states them (no
    ///   event is added for these assumptions), decoding stops at `EOS` (the window may run into
    ///   the next piece), and a window may end anywhere (an unfinished note is dropped).
    ///   Without it the sequence must start with `BOS` and end with `EOS` (then `PAD`s).
    public func decode(_ ids: [Int], startingMidStream: Bool = false) throws(TokenizationError) -> Score {
        var reader = ScoreReader(tokenizer: self, startingMidStream: startingMidStream)
        for (index, id) in ids.enumerated() {
            if startingMidStream, reader.state.isComplete { break }
            guard reader.read(id) else { throw .grammarViolation(violation(at: index, id: id, state: reader.state)) }
        }
        if !startingMidStream, !reader.state.isComplete {
            throw .grammarViolation(violation(at: ids.count, id: nil, state: reader.state))
        }
        return reader.score()
    }

    /// Decodes what can be decoded: each id the grammar does not allow at its point is skipped
    /// and reported, and decoding goes on with the next id. A missing `EOS` is reported at
    /// index `ids.count` (not in `startingMidStream` mode, see `decode`).
    public func decodeLenient(_ ids: [Int], startingMidStream: Bool = false) -> (score: Score, violations: [GrammarViolation]) {
        var reader = ScoreReader(tokenizer: self, startingMidStream: startingMidStream)
        var violations: [GrammarViolation] = []
        for (index, id) in ids.enumerated() {
            if startingMidStream, reader.state.isComplete { break }
            if !reader.read(id) { violations.append(violation(at: index, id: id, state: reader.state)) }
        }
        if !startingMidStream, !reader.state.isComplete {
            violations.append(violation(at: ids.count, id: nil, state: reader.state))
        }
        return (reader.score(), violations)
    }

    /// Every grammar violation in `ids`, as `decodeLenient` reports them; empty for a valid sequence.
    public func check(_ ids: [Int], startingMidStream: Bool = false) -> [GrammarViolation] {
        var state = GrammarState(vocabulary: vocabulary, startingMidStream: startingMidStream)
        var violations: [GrammarViolation] = []
        for (index, id) in ids.enumerated() {
            if startingMidStream, state.isComplete { break }
            if !state.accept(id) { violations.append(violation(at: index, id: id, state: state)) }
        }
        if !startingMidStream, !state.isComplete {
            violations.append(violation(at: ids.count, id: nil, state: state))
        }
        return violations
    }

    func violation(at index: Int, id: Int?, state: GrammarState) -> GrammarViolation {
        GrammarViolation(index: index, id: id, token: id.flatMap { vocabulary.token(for: $0) }, expected: state.expectation)
    }
}

/// Builds a score from the tokens a `GrammarState` accepts.
struct ScoreReader {
    private(set) var state: GrammarState
    private let tokenizer: Tokenizer
    private var notes = [[Note]](repeating: [], count: Token.drumProgram + 1)
    private var tempos: [TempoChange] = []
    private var meters: [TimeSignature] = []
    private var barStart = 0
    private var barLength: Int
    private var sawBar = false
    private var tick = 0
    private var program = 0
    private var pitch: UInt8 = 0
    private var velocity16: UInt16 = 0

    init(tokenizer: Tokenizer, startingMidStream: Bool) {
        self.tokenizer = tokenizer
        self.state = GrammarState(vocabulary: tokenizer.vocabulary, startingMidStream: startingMidStream)
        self.barLength = tokenizer.vocabulary.barSteps[tokenizer.vocabulary.commonMeter]
    }

    /// Applies `id`; false (and nothing changes) when the grammar does not allow it here.
    mutating func read(_ id: Int) -> Bool {
        let wasSyncing = state.phase == .syncing
        guard state.accept(id), let token = tokenizer.vocabulary.token(for: id) else { return false }
        if wasSyncing, token != .bar { return true }  // skipped: not yet placed in time
        let config = tokenizer.config
        switch token {
        case .bar:
            if sawBar { barStart += barLength }
            sawBar = true
        case .timeSignature(let index):
            let meter = config.timeSignatures[index]
            barLength = config.barSteps(meterIndex: index)
            meters.append(TimeSignature(tick: barStart, numerator: meter.numerator, denominator: meter.denominator))
        case .position(let step):
            tick = barStart + step
        case .tempo(let bin):
            tempos.append(TempoChange(tick: tick, microsecondsPerQuarter: tokenizer.bins.tempoMicroseconds[bin]))
        case .program(let number):
            program = number
        case .pitch(let key), .drumPitch(let key):
            pitch = UInt8(key)
        case .velocity(let bin):
            velocity16 = Note.scaleUp(UInt8(config.velocity(bin: bin)))
        case .duration(let bin):
            // The grammar orders positions, programs and keys, so each bucket stays sorted and unique.
            notes[program].append(Note(start: tick, duration: config.durationSteps[bin], pitch: pitch, velocity16: velocity16))
        case .pad, .bos, .eos, .genre:
            break
        }
        return true
    }

    func score() -> Score {
        Score(
            ticksPerQuarter: tokenizer.config.stepsPerQuarter, tracks: Tokenizer.makeTracks(notes),
            tempos: tempos, timeSignatures: meters)
    }
}
