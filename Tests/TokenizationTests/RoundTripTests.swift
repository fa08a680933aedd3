import MusicScore
import Testing
@testable import Tokenization

@Suite struct RoundTripTests {
    let tokenizer = Tokenizer()

    @Test func exampleEncoding() throws {
        let piano = Track(name: "Piano", program: 0, channel: 3, notes: [
            Note(start: 0, duration: 480, pitch: 60, velocity: 72),
            Note(start: 0, duration: 480, pitch: 64, velocity: 72),
            Note(start: 2640, duration: 240, pitch: 67, velocity: 40),  // bar 2, beat 2.5
        ])
        let drums = Track(name: "Kit", program: 5, channel: 9, isDrum: true, notes: [
            Note(start: 0, duration: 10, pitch: 36, velocity: 100),
        ])
        let score = Score(ticksPerQuarter: 480, tracks: [drums, piano])
        let tokens = tokenizer.encodeTokens(score, genre: 2)
        let expected: [Token] = [
            .bos, .genre(2), .bar, .timeSignature(2), .position(0), .tempo(19),
            .program(0), .pitch(60), .velocity(9), .duration(11), .pitch(64), .velocity(9), .duration(11),
            .program(128), .drumPitch(36), .velocity(12), .duration(0),
            .bar, .position(18), .program(0), .pitch(67), .velocity(5), .duration(5), .eos,
        ]
        #expect(tokens == expected)
        let decoded = try tokenizer.decode(tokenizer.ids(tokens))
        #expect(decoded.ticksPerQuarter == 12)
        #expect(decoded.tracks.map(\.channel) == [0, 9])
        #expect(decoded.tracks[0].notes == [
            Note(start: 0, duration: 12, pitch: 60, velocity: 76),
            Note(start: 0, duration: 12, pitch: 64, velocity: 76),
            Note(start: 66, duration: 6, pitch: 67, velocity: 44),
        ])
        #expect(decoded.tracks[1].notes == [Note(start: 0, duration: 1, pitch: 36, velocity: 100)])
    }

    @Test(arguments: [480, 384, 96, 1000, 12, 7, 1])
    func randomScoresRoundTrip(ticksPerQuarter: Int) throws {
        var rng = SplitMix64(seed: UInt64(ticksPerQuarter))
        for round in 0..<12 {
            let score = randomScore(&rng, ticksPerQuarter: ticksPerQuarter)
            let genre = round % tokenizer.config.genreSlots
            let canonical = tokenizer.canonicalize(score)
            let ids = tokenizer.encode(score, genre: genre)
            #expect(tokenizer.check(ids).isEmpty)
            #expect(ids.allSatisfy { (0..<tokenizer.vocabulary.size).contains($0) })
            let decoded = try tokenizer.decode(ids)
            #expect(decoded == canonical)
            #expect(tokenizer.canonicalize(canonical) == canonical)
            #expect(tokenizer.encode(decoded, genre: genre) == ids)
            #expect(tokenizer.encode(canonical, genre: genre) == ids)
        }
    }

    /// Nothing in the code assumes the default grid, bins or meters.
    @Test func customConfigRoundTrips() throws {
        var config = TokenizerConfig()
        config.stepsPerQuarter = 4
        config.maxBarQuarters = 4
        config.durationSteps = [1, 2, 3, 4, 6, 8, 12, 16]
        config.velocityBins = 8
        config.tempoBins = 8
        config.tempoRange = 60...180
        config.timeSignatures = [Meter(4, 4), Meter(3, 4), Meter(6, 8)]
        config.drumKeys = 35...81
        config.genreSlots = 4
        config.genres = ["unconditional", "mine"]
        config.applySustain = false
        let custom = try Tokenizer(checking: config)
        #expect(custom.vocabulary.size == 4 + 4 + 3 + 8 + 16 + 129 + 128 + 47 + 8 + 8)
        var rng = SplitMix64(seed: 5)
        for round in 0..<20 {
            let score = randomScore(&rng, ticksPerQuarter: [480, 96, 7][round % 3])
            let ids = custom.encode(score, genre: round % 4)
            #expect(custom.check(ids).isEmpty)
            let decoded = try custom.decode(ids)
            #expect(decoded == custom.canonicalize(score))
            #expect(custom.encode(decoded, genre: round % 4) == ids)
            let walk = randomValidSequence(custom, &rng, length: 120)
            #expect(custom.encode(try custom.decode(walk), genre: custom.vocabulary.token(for: walk[1])!.value)
                == droppingTrailingEmptyBars(walk, custom))
        }
    }

    @Test func randomValidSequencesRoundTrip() throws {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<60 {
            let ids = randomValidSequence(tokenizer, &rng, length: Int.random(in: 6...300, using: &rng))
            let genre = tokenizer.vocabulary.token(for: ids[1])!.value
            let decoded = try tokenizer.decode(ids)
            #expect(tokenizer.canonicalize(decoded) == decoded)
            #expect(tokenizer.encode(decoded, genre: genre) == droppingTrailingEmptyBars(ids, tokenizer))
        }
    }

    /// For each id, a minimal valid sequence that contains it, decodes, and re-encodes to itself.
    @Test func everyTokenIdRoundTrips() throws {
        let v = tokenizer.vocabulary
        let longMeter = tokenizer.meter(6, 4)
        let quiet: [Token] = [.velocity(0), .duration(0)]
        var failures: [String] = []
        for id in 0..<v.size {
            let token = v.token(for: id)!
            var genre = 0
            var sequence: [Token]
            switch token {
            case .pad, .bos, .eos, .bar: sequence = opening() + [.eos]
            case .genre(let g): genre = g; sequence = opening(genre: g) + [.eos]
            case .timeSignature(let m): sequence = opening(meter: m) + [.eos]
            case .tempo(let t): sequence = opening(tempo: t) + [.eos]
            case .position(let p):
                sequence = opening(meter: longMeter) + (p == 0 ? [] : [.position(p)]) + [.program(0), .pitch(60)] + quiet + [.eos]
            case .program(let k):
                sequence = opening() + [.program(k), k == Token.drumProgram ? .drumPitch(36) : .pitch(60)] + quiet + [.eos]
            case .pitch(let key): sequence = opening() + [.program(0), .pitch(key)] + quiet + [.eos]
            case .drumPitch(let key): sequence = opening() + [.program(128), .drumPitch(key)] + quiet + [.eos]
            case .velocity(let b): sequence = opening() + [.program(0), .pitch(60), .velocity(b), .duration(0), .eos]
            case .duration(let b): sequence = opening() + [.program(0), .pitch(60), .velocity(0), .duration(b), .eos]
            }
            let canonicalIDs = tokenizer.ids(sequence)
            let ids = token == .pad ? canonicalIDs + [id] : canonicalIDs
            guard ids.contains(id), tokenizer.check(ids).isEmpty else {
                failures.append("\(token): \(tokenizer.check(ids))")
                continue
            }
            let decoded = try tokenizer.decode(ids)
            if tokenizer.encode(decoded, genre: genre) != canonicalIDs { failures.append("\(token) does not round trip") }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func emptyScore() throws {
        let ids = tokenizer.encode(Score(ticksPerQuarter: 96), genre: 0)
        #expect(tokenizer.tokens(ids) == opening() + [.eos])
        let decoded = try tokenizer.decode(ids)
        #expect(decoded == tokenizer.canonicalize(Score(ticksPerQuarter: 96)))
        #expect(decoded.noteCount == 0)
    }

    @Test func statistics() {
        // Two bars of 4/4 quarter notes on one piano: 8 notes, 2 bars.
        let notes = (0..<8).map { Note(start: $0 * 96, duration: 96, pitch: 60, velocity: 80) }
        let score = Score(ticksPerQuarter: 96, tracks: [Track(program: 0, notes: notes)])
        let stats = tokenizer.statistics(of: score)
        // BOS Genre, Bar TS Pos Tempo, 8 × (Pos Program Pitch Vel Dur) minus the first Pos, Bar, EOS.
        #expect(stats.tokens == 2 + 4 + 8 * 5 - 1 + 1 + 1)
        #expect(stats.tokens == tokenizer.encode(score, genre: 0).count)
        #expect(stats.notes == 8)
        #expect(stats.bars == 2)
        #expect(stats.quarterNotes == 8)
        #expect(stats.tokensPerBeat == Double(stats.tokens) / 8)
        let both = stats + stats
        #expect(both.pieces == 2 && both.tokensPerBeat == stats.tokensPerBeat)
        #expect(TokenStatistics().tokensPerBeat == 0)
    }
}
