import Engine
import MIDIFormats
import MusicScore
import Tokenization

/// One generated piece and what it took.
public struct GeneratedPiece: Sendable {
    /// Every token id, from BOS to EOS (a prompt's bars included).
    public let tokens: [Int]
    /// The decoded piece with its provenance text event (and key signature when one was asked).
    public let score: Score
    /// Standard MIDI File bytes of `score`.
    public let midi: [UInt8]
    /// The generated notes, in the order they were produced (the prompt's are not repeated).
    public let notes: [NoteEvent]
    /// Bars in the piece (prompt bars included) and of them from the prompt.
    public let bars: Int
    public let promptBars: Int
    public let provenance: Provenance
    /// Tokens the model sampled (forced tokens, where the mask left one choice, excluded).
    public let sampledTokens: Int
    /// Decoder steps run (prompt, window slides and every generated token).
    public let decoderSteps: Int
    public let seconds: Double
}

/// Generates pieces from a model: constrained sampling over an incremental decoder, with a
/// bar-aligned sliding window for pieces longer than the context.
///
/// Holds decoders with their caches, so one `Generator` runs one generation at a time; make
/// one per concurrent generation (they share the model's weights).
public final class Generator {
    public let model: GenerationModel
    /// True when matrix products run in int8.
    public let int8: Bool
    private let conditional: any IncrementalDecoder
    private lazy var unconditional: any IncrementalDecoder = model.makeDecoder(int8: int8)
    private var sampler = Sampler()
    private var mask: [Bool]

    public init(model: GenerationModel, int8: Bool = false) {
        self.model = model
        self.int8 = int8 || model.storage == .int8
        conditional = model.makeDecoder(int8: int8)
        mask = [Bool](repeating: false, count: model.vocabularySize)
    }

    /// Generates one piece for `request`, continuing `prompt` when given (`promptHash` names
    /// its file in the provenance). `onNote` receives each note as it is produced and returns
    /// false to stop: generation then ends and returns nil.
    public func generate(
        _ request: GenerationRequest, prompt: Score? = nil, promptHash: String? = nil,
        onNote: ((NoteEvent) -> Bool)? = nil
    ) throws(CadenzaError) -> GeneratedPiece? {
        let started = ContinuousClock.now
        let tokenizer = model.tokenizer, vocabulary = tokenizer.vocabulary
        let resolved = try ResolvedRequest(request, tokenizer: tokenizer, genres: model.genres)
        var tokens: [Int] = []
        var promptBars = 0
        if let prompt {
            (tokens, promptBars) = try Self.promptTokens(prompt, tokenizer: tokenizer, genre: resolved.genreSlot, bars: request.promptBars)
            // New music starts on a new bar: the prompt's last bar is not added to.
            tokens.append(vocabulary.id(for: .bar))
        }
        let constraints = GenerationConstraints(vocabulary: vocabulary, request: resolved, maximumTokensPerBar: 600)
        // With a length in seconds, `bars` is the most it may take.
        let barLimit = promptBars + request.bars
        var grammar = GrammarState(vocabulary: vocabulary)
        var tracker = NoteTracker(config: tokenizer.config)
        var bars = 0, tokensInBar = 0
        var ensemble = Set<Int>()
        let programs = vocabulary.range(of: .program)
        for id in tokens {
            if programs.contains(id) { ensemble.insert(id - programs.lowerBound) }
            _ = tracker.accept(id, grammar: grammar)
            grammar.accept(id)
            if id == vocabulary.id(for: .bar) { bars += 1; tokensInBar = 0 } else { tokensInBar += 1 }
        }

        let promptEndSeconds = promptBars > 0 ? tracker.seconds(atStep: tracker.barStartStep + grammar.barLength) : 0
        var window = Window(decoders: request.sampling.usesGuidance ? [conditional, unconditional] : [conditional],
                            genres: [resolved.genreSlot, 0], barID: vocabulary.id(for: .bar))
        window.start(tokens)
        var generator = SeededGenerator(seed: request.seed)
        var notes: [NoteEvent] = []
        var sampled = 0
        while !grammar.isComplete {
            var target = barLimit
            if let seconds = request.seconds, bars > promptBars,
               tracker.seconds(atStep: tracker.barStartStep + grammar.barLength) - promptEndSeconds >= seconds {
                target = bars  // this bar reaches the requested time: it is the last
            }
            // Once the opening bars are over, the ensemble is closed (a prompt's counts too).
            let closed = request.ensembleBars.map { bars > promptBars + $0 } ?? false
            var allowed = constraints.fill(&mask, grammar: grammar, bars: bars, targetBars: target, tokensInBar: tokensInBar,
                                           ensemble: closed ? ensemble : nil)
            if allowed == 0 && closed {
                // A prompt's instruments outside --instruments can leave nothing: reopen.
                allowed = constraints.fill(&mask, grammar: grammar, bars: bars, targetBars: target, tokensInBar: tokensInBar)
            }
            let id: Int
            if allowed == 1 {
                id = mask.firstIndex(of: true)!
            } else {
                guard let logits = window.logits.first,
                      let choice = sampler.sample(logits: logits, unconditional: window.logits.count > 1 ? window.logits[1] : nil,
                                                  allowed: mask, settings: request.sampling, generator: &generator)
                else {
                    throw .invalidSetting(field: "instruments", problem: "the constraints leave no token to continue with",
                                          hint: "allow more instruments or drop --key")
                }
                id = choice
                sampled += 1
            }
            let note = tracker.accept(id, grammar: grammar)
            grammar.accept(id)
            tokens.append(id)
            if programs.contains(id) { ensemble.insert(id - programs.lowerBound) }
            if id == vocabulary.id(for: .bar) { bars += 1; tokensInBar = 0 } else { tokensInBar += 1 }
            if let note {
                notes.append(note)
                if let onNote, !onNote(note) { return nil }
            }
            if !grammar.isComplete { window.feed(id, all: tokens) }
        }

        let provenance = Provenance(model: model.identifier, modelDescription: model.description, request: request,
                                    promptBars: promptBars, promptHash: promptHash)
        var score: Score
        do {
            score = try tokenizer.decode(tokens)
        } catch {
            throw .badInput(file: "generated piece", location: nil, problem: "does not decode: \(error)", hint: "this is a bug in Cadenza; please report it with the seed")
        }
        // 480 ticks per quarter, as DAWs write: the tokenizer's 12-step grid maps exactly.
        score = score.resampled(ticksPerQuarter: 480)
        score.texts.insert(TextEvent(tick: 0, kind: .text, text: provenance.text), at: 0)
        if let key = resolved.key { score.keySignatures = [KeySignature(tick: 0, sharps: key.sharps, isMinor: key.isMinor)] }
        let midi = MIDIFile(score: score).bytes()
        let elapsed = ContinuousClock.now - started
        return GeneratedPiece(tokens: tokens, score: score, midi: midi, notes: notes, bars: bars, promptBars: promptBars, provenance: provenance,
                              sampledTokens: sampled, decoderSteps: window.steps,
                              seconds: elapsed.inSeconds)
    }

    /// The prompt's tokens up to the end of its first `bars` bars (all when nil), without
    /// EOS, and how many bars they hold.
    static func promptTokens(_ prompt: Score, tokenizer: Tokenizer, genre: Int, bars: Int?) throws(CadenzaError) -> ([Int], Int) {
        let all = tokenizer.encode(prompt, genre: genre)
        let barID = tokenizer.vocabulary.id(for: .bar), eos = tokenizer.vocabulary.id(for: .eos)
        var kept: [Int] = [], count = 0
        for id in all {
            if id == eos { break }
            if id == barID {
                if let bars, count == bars { break }
                count += 1
            }
            kept.append(id)
        }
        guard count > 0, prompt.noteCount > 0 else {
            throw .invalidSetting(field: "prompt", problem: "has no notes to continue", hint: "give a MIDI file with at least one note")
        }
        return (kept, count)
    }
}

/// The decoders' view of the token sequence: a suffix of it that fits the context, starting
/// at a Bar when possible. When a decoder fills up, the window restarts on the last bars that
/// fit in half the context and is fed again (one prefill per half context of new tokens).
struct Window {
    let decoders: [any IncrementalDecoder]
    let genres: [Int]
    let barID: Int
    /// Each decoder's logits after the last fed token (empty before the first).
    private(set) var logits: [UnsafeBufferPointer<Float>] = []
    private(set) var steps = 0

    init(decoders: [any IncrementalDecoder], genres: [Int], barID: Int) {
        (self.decoders, self.genres, self.barID) = (decoders, genres, barID)
    }

    /// Starts a piece: forgets whatever the decoders held (a `Generator` is reused across
    /// pieces, by `--count` and by the server's pool) and feeds a prefix (a prompt), keeping only
    /// the part that fits.
    mutating func start(_ tokens: [Int]) {
        for d in decoders { d.reset() }
        guard !tokens.isEmpty else { return }
        refill(tokens)
    }

    /// Feeds the newest token (`all.last == id`).
    mutating func feed(_ id: Int, all: [Int]) {
        if decoders[0].position >= decoders[0].contextLength { return refill(all) }
        logits = decoders.indices.map { decoders[$0].step(token: id, genre: genres[$0]) }
        steps += 1
    }

    private mutating func refill(_ tokens: [Int]) {
        let context = decoders[0].contextLength
        let keep = tokens.count <= context ? tokens.count : context / 2
        var start = tokens.count - keep
        // Prefer a window that starts at a bar line, as the piece's own start does.
        if start > 0, let bar = tokens[start...].firstIndex(of: barID), tokens.count - bar >= keep / 4 { start = bar }
        for d in decoders { d.reset() }
        for id in tokens[start...] {
            logits = decoders.indices.map { decoders[$0].step(token: id, genre: genres[$0]) }
            steps += 1
        }
    }
}
