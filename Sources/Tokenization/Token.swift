/// One token of Cadenza's REMI-style vocabulary. `Vocabulary` maps it to and from its integer id.
///
/// Payloads are either a natural value or a bin index into the `TokenizerConfig` tables:
/// - `genre(slot)`: genre slot, `0..<config.genreSlots`; slot `i` names `config.genres[i]` when
///   that exists (slot 0 is "unconditional" by default).
/// - `timeSignature(index)`: index into `config.timeSignatures`, 0-based.
/// - `tempo(bin)`: tempo bin, `0..<config.tempoBins` (see `TokenizerConfig.tempoQuartersPerMinute(bin:)`).
/// - `position(step)`: onset inside the bar in grid steps (`config.stepsPerQuarter` per quarter
///   note), `0..<config.positionCount`, and below the current bar's length.
/// - `program(number)`: General MIDI program 0...127 (0-based), or 128 (`Token.drumProgram`) for drums.
/// - `pitch(key)`: MIDI key 0...127 of a pitched note (60 = middle C).
/// - `drumPitch(key)`: GM percussion key in `config.drumKeys` (27...87 by default), natural value.
/// - `velocity(bin)`: velocity bin, `0..<config.velocityBins` (see `TokenizerConfig.velocity(bin:)`).
/// - `duration(bin)`: index into `config.durationSteps`, 0-based.
public enum Token: Hashable, Sendable, CustomStringConvertible {
    case pad, bos, eos, bar
    case genre(Int)
    case timeSignature(Int)
    case tempo(Int)
    case position(Int)
    case program(Int)
    case pitch(Int)
    case drumPitch(Int)
    case velocity(Int)
    case duration(Int)

    /// The `program` payload that stands for the drum kit (GM channel 10).
    public static let drumProgram = 128

    /// The kind of this token (its range in the vocabulary).
    public var kind: TokenKind {
        switch self {
        case .pad: .pad
        case .bos: .bos
        case .eos: .eos
        case .bar: .bar
        case .genre: .genre
        case .timeSignature: .timeSignature
        case .tempo: .tempo
        case .position: .position
        case .program: .program
        case .pitch: .pitch
        case .drumPitch: .drumPitch
        case .velocity: .velocity
        case .duration: .duration
        }
    }

    /// The payload (0 for the four structure tokens).
    public var value: Int {
        switch self {
        case .pad, .bos, .eos, .bar: 0
        case .genre(let v), .timeSignature(let v), .tempo(let v), .position(let v), .program(let v),
             .pitch(let v), .drumPitch(let v), .velocity(let v), .duration(let v): v
        }
    }

    /// "Bar", "Position(12)", "Pitch(60)", "Program(drums)". Bin payloads print as bin indices;
    /// `Tokenizer.describe(_:)` prints them with the config's units.
    public var description: String {
        switch self {
        case .pad: "PAD"
        case .bos: "BOS"
        case .eos: "EOS"
        case .bar: "Bar"
        case .program(Token.drumProgram): "Program(drums)"
        default: "\(kind)(\(value))"
        }
    }
}

/// The kinds of token, in vocabulary order: each kind owns one contiguous range of ids.
public enum TokenKind: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case pad, bos, eos, bar, genre, timeSignature, tempo, position, program, pitch, drumPitch, velocity, duration

    public var description: String {
        switch self {
        case .pad: "PAD"
        case .bos: "BOS"
        case .eos: "EOS"
        case .bar: "Bar"
        case .genre: "Genre"
        case .timeSignature: "TimeSignature"
        case .tempo: "Tempo"
        case .position: "Position"
        case .program: "Program"
        case .pitch: "Pitch"
        case .drumPitch: "DrumPitch"
        case .velocity: "Velocity"
        case .duration: "Duration"
        }
    }

    /// The token of this kind with payload `value` (the value is ignored for the structure kinds).
    public func token(_ value: Int) -> Token {
        switch self {
        case .pad: .pad
        case .bos: .bos
        case .eos: .eos
        case .bar: .bar
        case .genre: .genre(value)
        case .timeSignature: .timeSignature(value)
        case .tempo: .tempo(value)
        case .position: .position(value)
        case .program: .program(value)
        case .pitch: .pitch(value)
        case .drumPitch: .drumPitch(value)
        case .velocity: .velocity(value)
        case .duration: .duration(value)
        }
    }
}
