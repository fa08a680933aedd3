import Tokenization

/// One note of a piece as generation produces it, timed for playback.
public struct NoteEvent: Sendable, Equatable, Codable {
    /// Bar, 0-based.
    public var bar: Int
    /// Onset in quarter notes from the start of the piece.
    public var startQuarters: Double
    public var durationQuarters: Double
    /// Onset and length in seconds under the piece's tempo changes so far.
    public var startSeconds: Double
    public var durationSeconds: Double
    /// General MIDI program 0...127, or 128 for the drum kit.
    public var program: Int
    /// MIDI key 0...127 (a GM percussion sound when program is 128).
    public var pitch: Int
    /// MIDI velocity 1...127.
    public var velocity: Int

    public var isDrum: Bool { program == Token.drumProgram }

    public init(bar: Int, startQuarters: Double, durationQuarters: Double, startSeconds: Double, durationSeconds: Double,
                program: Int, pitch: Int, velocity: Int) {
        (self.bar, self.startQuarters, self.durationQuarters) = (bar, startQuarters, durationQuarters)
        (self.startSeconds, self.durationSeconds) = (startSeconds, durationSeconds)
        (self.program, self.pitch, self.velocity) = (program, pitch, velocity)
    }
}

/// Turns a token stream into `NoteEvent`s as each note's last token arrives, keeping the
/// bar, position, instrument and tempo state the decoder keeps. Fed only grammatical tokens
/// (the generator's mask guarantees it), from BOS.
struct NoteTracker {
    let config: TokenizerConfig
    let vocabulary: Vocabulary
    private var bar = -1
    /// Grid step where the current bar starts.
    private(set) var barStartStep = 0
    private var onsetStep = 0
    private var program = 0
    private var key = 0
    private var velocity = 0
    /// Tempo changes so far as (step, seconds at that step, seconds per step).
    private var tempoSegments: [(step: Int, seconds: Double, secondsPerStep: Double)] = []

    init(config: TokenizerConfig) {
        self.config = config
        vocabulary = Vocabulary(config: config)
    }

    /// Feeds one token that `grammar` (the state before it) accepted; returns the note it
    /// completes, if any.
    mutating func accept(_ id: Int, grammar: GrammarState) -> NoteEvent? {
        guard let token = vocabulary.token(for: id) else { return nil }
        switch token {
        case .bar:
            if bar >= 0 { barStartStep += grammar.barLength }
            bar += 1
        case .position(let step):
            onsetStep = barStartStep + step
        case .tempo(let bin):
            let qpm = config.tempoQuartersPerMinute(bin: bin)
            let secondsPerStep = 60 / qpm / Double(config.stepsPerQuarter)
            tempoSegments.append((onsetStep, seconds(atStep: onsetStep), secondsPerStep))
        case .program(let p): program = p
        case .pitch(let k), .drumPitch(let k): key = k
        case .velocity(let bin): velocity = config.velocity(bin: bin)
        case .duration(let bin):
            let steps = config.durationSteps[bin]
            let perQuarter = Double(config.stepsPerQuarter)
            let start = seconds(atStep: onsetStep)
            return NoteEvent(bar: bar, startQuarters: Double(onsetStep) / perQuarter, durationQuarters: Double(steps) / perQuarter,
                             startSeconds: start, durationSeconds: seconds(atStep: onsetStep + steps) - start,
                             program: program, pitch: key, velocity: velocity)
        default: break
        }
        return nil
    }

    /// Seconds at `step` under the tempo changes so far (120 qpm before the first).
    func seconds(atStep step: Int) -> Double {
        guard let last = tempoSegments.last(where: { $0.step <= step }) ?? tempoSegments.first else {
            return Double(step) * 0.5 / Double(config.stepsPerQuarter)
        }
        return last.seconds + Double(step - last.step) * last.secondsPerStep
    }
}
