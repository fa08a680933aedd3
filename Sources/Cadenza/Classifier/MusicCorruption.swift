import Engine
import Tokenization

/// Ways of breaking real music, for the style classifier's "corrupted" class (CONVENTIONS.md:
/// without it a classifier calls random notes in a piano texture "classical", and as a reward
/// signal it would teach noise). Each keeps the instruments, the tempo, the meter, the
/// velocities, the durations and the token grammar, and destroys one musical dimension:
///
/// - `randomPitches`: every pitched note gets a key drawn uniformly from the region's pitch range
///   (at least an octave wide), every drum note a drum key drawn from those the region uses:
///   register and texture stay, harmony and melody go.
/// - `shuffledPitches`: within each bar and instrument, the keys are permuted among the notes
///   (the note order shuffled, the rhythm kept): the pitch content stays, the line goes.
/// - `scatteredOnsets`: every note moves to a position drawn uniformly from its bar: the pitch
///   content and order of bars stay, rhythm and voice-leading go.
///
/// They work on token ids: a region is parsed bar by bar into events (tempos and notes at
/// positions), changed, and written back in canonical order (positions ascending, programs
/// ascending, keys ascending, one note per position, program and key), so a corrupted region
/// is as grammar-valid as the region it came from and looks like tokenizer output.
public enum MusicCorruption: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case randomPitches = "random pitches"
    case shuffledPitches = "pitches shuffled within bars"
    case scatteredOnsets = "onsets scattered within bars"

    public var description: String { rawValue }

    /// The corrupted `region`, or nil when it does not follow the token grammar.
    ///
    /// - Parameters:
    ///   - region: ids of whole bars: anything before its first `Bar` (`BOS Genre`, or the tail
    ///     of a previous bar) is kept as is, and so is everything from `EOS` on.
    ///   - meterIndex: the meter (index into `config.timeSignatures`) in force where the region
    ///     starts, when the region's first bar does not state one; nil means 4/4.
    ///   - generator: the randomness; one seed, one result.
    public func apply(to region: [Int], tokenizer: Tokenizer, meterIndex: Int?, generator: inout SeededGenerator) -> [Int]? {
        guard var parsed = ParsedRegion(region, tokenizer: tokenizer, meterIndex: meterIndex) else { return nil }
        switch self {
        case .randomPitches: parsed.randomizePitches(&generator)
        case .shuffledPitches: parsed.shufflePitches(&generator)
        case .scatteredOnsets: parsed.scatterOnsets(&generator)
        }
        return parsed.ids()
    }
}

/// A region of whole bars as events, and back.
struct ParsedRegion {
    struct NoteEvent {
        /// Grid steps from the bar start.
        var position: Int
        /// GM program 0...127, or 128 for drums.
        var program: Int
        /// Offset of the key in the Pitch range (the MIDI key) or in the DrumPitch range.
        var key: Int
        var velocityID: Int
        var durationID: Int
    }

    struct Bar {
        /// `Bar` and, when stated, `TimeSignature`.
        var header: [Int]
        /// Length in grid steps.
        var length: Int
        var tempos: [(position: Int, id: Int)] = []
        var notes: [NoteEvent] = []
    }

    let vocabulary: Vocabulary
    var prefix: [Int] = []
    var bars: [Bar] = []
    var suffix: [Int] = []

    /// Parses `ids`; nil at the first token the grammar does not allow.
    init?(_ ids: [Int], tokenizer: Tokenizer, meterIndex: Int?) {
        let v = tokenizer.vocabulary, config = tokenizer.config
        vocabulary = v
        let common = tokenizer.meterIndex(numerator: 4, denominator: 4)
        var meterLength = config.barSteps(meterIndex: meterIndex.map { min(max(0, $0), config.timeSignatures.count - 1) } ?? common)
        var position: Int?, program: Int?, key: Int?, velocity: Int?
        var index = 0
        while index < ids.count, v.kind(of: ids[index]) != .bar {
            prefix.append(ids[index])
            index += 1
        }
        while index < ids.count {
            let id = ids[index]
            guard let kind = v.kind(of: id) else { return nil }
            let offset = id - v.range(of: kind).lowerBound
            // A note's three tokens come together.
            if key != nil, kind != (velocity == nil ? .velocity : .duration) { return nil }
            switch kind {
            case .bar:
                bars.append(Bar(header: [id], length: meterLength))
                (position, program) = (nil, nil)
            case .timeSignature:
                guard bars[bars.count - 1].header.count == 1, position == nil else { return nil }
                meterLength = config.barSteps(meterIndex: offset)
                bars[bars.count - 1].header.append(id)
                bars[bars.count - 1].length = meterLength
            case .position:
                guard offset < bars[bars.count - 1].length, offset > (position ?? -1) else { return nil }
                (position, program) = (offset, nil)
            case .tempo:
                guard let position, program == nil else { return nil }
                bars[bars.count - 1].tempos.append((position, id))
            case .program:
                guard position != nil, offset > (program ?? -1) else { return nil }
                program = offset
            case .pitch, .drumPitch:
                guard let program, (kind == .drumPitch) == (program == Token.drumProgram) else { return nil }
                key = offset
            case .velocity:
                velocity = id
            case .duration:
                guard let position, let program, let k = key, let heldVelocity = velocity else { return nil }
                bars[bars.count - 1].notes.append(NoteEvent(position: position, program: program, key: k, velocityID: heldVelocity, durationID: id))
                (key, velocity) = (nil, nil)
            case .eos:
                suffix = Array(ids[index...])
                index = ids.count
                continue
            case .pad, .bos, .genre:
                return nil
            }
            index += 1
        }
        guard key == nil else { return nil }
    }

    // MARK: The corruptions

    mutating func randomizePitches(_ generator: inout SeededGenerator) {
        let pitched = bars.flatMap(\.notes).filter { $0.program != Token.drumProgram }.map(\.key)
        let drums = Array(Set(bars.flatMap(\.notes).filter { $0.program == Token.drumProgram }.map(\.key))).sorted()
        var low = pitched.min() ?? 60, high = pitched.max() ?? 60
        // At least an octave, so that a narrow line is not left almost as it was.
        if high - low < 12 {
            let middle = (low + high) / 2
            low = max(0, min(middle - 6, 115))
            high = low + 12
        }
        for b in bars.indices {
            for n in bars[b].notes.indices {
                if bars[b].notes[n].program == Token.drumProgram {
                    bars[b].notes[n].key = drums[generator.index(below: drums.count)]
                } else {
                    bars[b].notes[n].key = low + generator.index(below: high - low + 1)
                }
            }
        }
    }

    mutating func shufflePitches(_ generator: inout SeededGenerator) {
        for b in bars.indices {
            for program in Set(bars[b].notes.map(\.program)) {
                let slots = bars[b].notes.indices.filter { bars[b].notes[$0].program == program }
                var keys = slots.map { bars[b].notes[$0].key }
                // Fisher–Yates with the engine's generator, so one seed gives one result.
                for i in stride(from: keys.count - 1, to: 0, by: -1) { keys.swapAt(i, generator.index(below: i + 1)) }
                for (slot, key) in zip(slots, keys) { bars[b].notes[slot].key = key }
            }
        }
    }

    mutating func scatterOnsets(_ generator: inout SeededGenerator) {
        for b in bars.indices {
            for n in bars[b].notes.indices { bars[b].notes[n].position = generator.index(below: bars[b].length) }
        }
    }

    // MARK: Writing back

    /// The region's ids in canonical order: per bar its header, then each position that has a
    /// tempo or notes, ascending: Position, Tempo, then per program ascending the Program and its
    /// notes by ascending key. Notes that now share position, program and key keep the first.
    func ids() -> [Int] {
        let v = vocabulary
        let positionBase = v.range(of: .position).lowerBound, programBase = v.range(of: .program).lowerBound
        let pitchBase = v.range(of: .pitch).lowerBound, drumBase = v.range(of: .drumPitch).lowerBound
        var out = prefix
        for bar in bars {
            out += bar.header
            let notes = bar.notes.enumerated().sorted {
                ($0.element.position, $0.element.program, $0.element.key, $0.offset) < ($1.element.position, $1.element.program, $1.element.key, $1.offset)
            }.map(\.element)
            let tempoAt = Dictionary(bar.tempos.map { ($0.position, $0.id) }, uniquingKeysWith: { first, _ in first })
            let positions = Set(notes.map(\.position)).union(tempoAt.keys).sorted()
            var n = 0
            for position in positions {
                out.append(positionBase + position)
                if let tempo = tempoAt[position] { out.append(tempo) }
                var program = -1, key = -1
                while n < notes.count, notes[n].position == position {
                    let note = notes[n]
                    n += 1
                    if note.program != program {
                        (program, key) = (note.program, -1)
                        out.append(programBase + program)
                    }
                    guard note.key != key else { continue }
                    key = note.key
                    out += [(program == Token.drumProgram ? drumBase : pitchBase) + key, note.velocityID, note.durationID]
                }
            }
        }
        return out + suffix
    }
}

extension SeededGenerator {
    /// Uniform in 0..<n (n ≥ 1). The modulo bias is below n · 2⁻⁶⁴: immaterial for the counts
    /// of tokens and pieces drawn here.
    mutating func index(below n: Int) -> Int {
        precondition(n >= 1, "nothing to draw from")
        return Int(next() % UInt64(n))
    }
}
