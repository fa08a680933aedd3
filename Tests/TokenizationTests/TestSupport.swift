import MusicScore
import Testing
@testable import Tokenization

/// SplitMix64: a tiny seeded generator, so every random test is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Tokenizer {
    /// Ids of tokens, for hand-made sequences.
    func ids(_ tokens: [Token]) -> [Int] { tokens.map { vocabulary.id(for: $0) } }
    /// Tokens of ids (all must be in the vocabulary).
    func tokens(_ ids: [Int]) -> [Token] { ids.map { vocabulary.token(for: $0)! } }
    /// Index of a meter in the default config.
    func meter(_ n: Int, _ d: Int) -> Int { config.timeSignatures.firstIndex(of: Meter(n, d))! }
}

/// The start every piece shares: BOS, Genre, first Bar, its meter, and the initial tempo.
func opening(meter: Int = 2, tempo: Int = 19, genre: Int = 0) -> [Token] {
    [.bos, .genre(genre), .bar, .timeSignature(meter), .position(0), .tempo(tempo)]
}

/// A random score exercising what canonicalization must handle: several tracks sharing a
/// program, drums (some keys outside the drum range), zero-length and duplicate notes, tempo
/// and meter changes (unsupported meters, mid-bar changes, events at one tick), sustain pedal,
/// and events tokenization drops (keys, texts, bends, other controllers).
func randomScore(_ rng: inout SplitMix64, ticksPerQuarter tpq: Int) -> Score {
    let programs: [UInt8] = [0, 0, 24, 33, 40, 73, 127]
    var tracks: [Track] = []
    let span = tpq * 4 * Int.random(in: 1...10, using: &rng)
    for _ in 0..<Int.random(in: 0...5, using: &rng) {
        let isDrum = Int.random(in: 0..<5, using: &rng) == 0
        var track = Track(
            name: "part", program: programs.randomElement(using: &rng)!,
            channel: isDrum ? 9 : UInt8.random(in: 0...15, using: &rng), isDrum: isDrum)
        for _ in 0..<Int.random(in: 0...50, using: &rng) {
            let start = Int.random(in: 0..<span, using: &rng)
            let duration = Int.random(in: 0..<10, using: &rng) == 0 ? 0 : Int.random(in: 1...(tpq * 6), using: &rng)
            let pitch = isDrum ? UInt8.random(in: 20...95, using: &rng) : UInt8.random(in: 0...127, using: &rng)
            track.notes.append(Note(start: start, duration: duration, pitch: pitch, velocity: UInt8.random(in: 0...127, using: &rng)))
            if Int.random(in: 0..<8, using: &rng) == 0 {  // a duplicate onset and key
                track.notes.append(Note(start: start, duration: duration / 2, pitch: pitch, velocity: 100))
            }
        }
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
            let down = Int.random(in: 0..<span, using: &rng)
            track.controls.append(ControlChange(tick: down, controller: 64, value: 127))
            if Bool.random(using: &rng) {
                track.controls.append(ControlChange(tick: down + Int.random(in: 1...(tpq * 4), using: &rng), controller: 64, value: 0))
            }
        }
        track.controls.append(ControlChange(tick: Int.random(in: 0..<span, using: &rng), controller: 7, value: 90))
        track.pitchBends.append(PitchBend(tick: Int.random(in: 0..<span, using: &rng), value: 300))
        tracks.append(track)
    }
    var tempos: [TempoChange] = []
    for _ in 0..<Int.random(in: 0...4, using: &rng) {
        let tick = Bool.random(using: &rng) ? 0 : Int.random(in: 0..<span, using: &rng)
        let us = [1, 16_777_215, 500_000, 480_000].randomElement(using: &rng)!
        tempos.append(TempoChange(tick: tick, microsecondsPerQuarter: Bool.random(using: &rng) ? us : Int.random(in: 150_000...1_600_000, using: &rng)))
    }
    let meters = [(4, 4), (3, 4), (7, 4), (5, 16), (1, 4), (4, 8), (6, 8), (2, 2), (15, 8), (12, 8), (0, 4), (3, 8)]
    var signatures: [TimeSignature] = []
    for _ in 0..<Int.random(in: 0...3, using: &rng) {
        let (n, d) = meters.randomElement(using: &rng)!
        let tick = Bool.random(using: &rng) ? 0 : Int.random(in: 0..<span, using: &rng)
        signatures.append(TimeSignature(tick: tick, numerator: n, denominator: d))
    }
    var score = Score(
        ticksPerQuarter: tpq, tracks: tracks, tempos: tempos, timeSignatures: signatures,
        keySignatures: [KeySignature(tick: 0, sharps: 2, isMinor: false)],
        texts: [TextEvent(tick: 0, kind: .marker, text: "A")])
    score.normalizeOrder()
    return score
}

/// A random valid sequence, built by walking the grammar's own mask: each step picks a kind
/// among the allowed ones, then an allowed id of that kind. EOS is rare until `length` tokens.
func randomValidSequence(_ tokenizer: Tokenizer, _ rng: inout SplitMix64, length: Int, midStream: Bool = false) -> [Int] {
    var state = GrammarState(vocabulary: tokenizer.vocabulary, startingMidStream: midStream)
    var ids: [Int] = []
    let eos = tokenizer.vocabulary.id(for: .eos)
    while !state.isComplete {
        var byKind: [TokenKind: [Int]] = [:]
        state.forEachAllowedRange { range in
            for id in range { byKind[tokenizer.vocabulary.kind(of: id)!, default: []].append(id) }
        }
        var kinds = byKind.keys.sorted { $0.rawValue < $1.rawValue }
        if kinds.contains(.eos), ids.count >= length || Int.random(in: 0..<40, using: &rng) == 0 {
            kinds = [.eos]
        } else if kinds.count > 1 {
            kinds.removeAll { $0 == .eos }
        }
        if midStream, ids.count >= length { break }
        let kind = kinds.randomElement(using: &rng)!
        let id = byKind[kind]!.randomElement(using: &rng)!
        let accepted = state.accept(id)
        #expect(accepted)
        ids.append(id)
        if id == eos { break }
    }
    return ids
}

/// `ids` without bare `Bar`s just before EOS: the only part of a valid sequence that decoding
/// cannot keep (bars only place events in time).
func droppingTrailingEmptyBars(_ ids: [Int], _ tokenizer: Tokenizer) -> [Int] {
    var out = ids
    let bar = tokenizer.vocabulary.id(for: .bar)
    while out.count >= 2, out[out.count - 2] == bar { out.remove(at: out.count - 2) }
    return out
}
