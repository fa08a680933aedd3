import MusicScore
import Testing
@testable import Tokenization

@Suite struct GrammarTests {
    let tokenizer = Tokenizer()

    func note(_ pitch: Int, _ velocity: Int = 8, _ duration: Int = 11) -> [Token] {
        [.pitch(pitch), .velocity(velocity), .duration(duration)]
    }

    func drum(_ key: Int, _ velocity: Int = 8, _ duration: Int = 0) -> [Token] {
        [.drumPitch(key), .velocity(velocity), .duration(duration)]
    }

    /// Checks that the checker, strict decoding and lenient decoding all put the first
    /// violation of `tokens` (plus raw `extraIDs`) at `index`.
    func expectFirstViolation(_ tokens: [Token], extraIDs: [Int] = [], at index: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let ids = tokenizer.ids(tokens) + extraIDs
        let violations = tokenizer.check(ids)
        #expect(violations.first?.index == index, "\(violations.first.map { "\($0)" } ?? "no violation")", sourceLocation: sourceLocation)
        #expect(tokenizer.decodeLenient(ids).violations == violations, sourceLocation: sourceLocation)
        do {
            _ = try tokenizer.decode(ids)
            Issue.record("decode accepted an invalid sequence", sourceLocation: sourceLocation)
        } catch {
            guard case .grammarViolation(let v) = error else { return }
            #expect(v.index == index, sourceLocation: sourceLocation)
            #expect(v == violations.first, sourceLocation: sourceLocation)
        }
    }

    @Test func validMinimalSequence() throws {
        let ids = tokenizer.ids(opening() + [.eos, .pad, .pad])
        #expect(tokenizer.check(ids).isEmpty)
        let score = try tokenizer.decode(ids)
        #expect(score.tracks.isEmpty)
        #expect(score.timeSignatures == [TimeSignature(tick: 0, numerator: 4, denominator: 4)])
        #expect(score.tempos.count == 1)
    }

    @Test func structureViolations() {
        expectFirstViolation([.genre(0), .bar], at: 0)  // missing BOS
        expectFirstViolation([.bos, .bar, .timeSignature(2), .position(0), .tempo(19), .eos], at: 1)  // missing Genre
        expectFirstViolation([.bos, .genre(0), .genre(1)], at: 2)
        expectFirstViolation([.bos, .genre(0), .eos], at: 2)  // a piece has at least one bar
        expectFirstViolation([.bos, .genre(0), .bar, .position(0)], at: 3)  // first bar states its meter
        expectFirstViolation([.bos, .genre(0), .bar, .timeSignature(2), .position(5)], at: 4)  // first event at 0
        expectFirstViolation([.bos, .genre(0), .bar, .timeSignature(2), .position(0), .program(0)], at: 5)  // initial tempo
        expectFirstViolation(opening(), at: 6)  // missing EOS
        expectFirstViolation(opening() + [.eos, .bar], at: 7)  // only PAD after EOS
        expectFirstViolation(opening() + [.eos, .pad, .bos], at: 8)
        expectFirstViolation(opening(), extraIDs: [600], at: 6)  // outside the vocabulary
        expectFirstViolation(opening(), extraIDs: [-1], at: 6)
    }

    @Test func timeViolations() {
        expectFirstViolation(opening() + [.position(10), .program(0)] + note(60) + [.position(5)], at: 11)  // backwards
        expectFirstViolation(opening() + [.position(0)], at: 6)  // position 0 was already used
        expectFirstViolation(opening(meter: 1) + [.position(36)], at: 6)  // 3/4 bar is 36 steps
        expectFirstViolation(opening() + [.position(3), .position(4)], at: 7)  // an empty position
        expectFirstViolation(opening() + [.position(3), .eos], at: 7)
        expectFirstViolation(opening() + [.bar, .timeSignature(7), .position(18)], at: 8)  // the new 3/8 bar is 18 steps
        expectFirstViolation(opening() + [.position(12), .tempo(19)], at: 7)  // tempo repeated
        expectFirstViolation(opening() + [.bar, .timeSignature(2)], at: 7)  // meter repeated
        expectFirstViolation(opening() + [.program(0)] + note(60) + [.tempo(3)], at: 10)  // tempo after notes
        expectFirstViolation(opening() + [.bar, .position(1), .timeSignature(1)], at: 8)  // meter after a position
    }

    @Test func noteViolations() {
        expectFirstViolation(opening() + [.pitch(60)], at: 6)  // Pitch before Program
        expectFirstViolation(opening() + [.program(0), .drumPitch(36)], at: 7)  // DrumPitch under a pitched program
        expectFirstViolation(opening() + [.program(128), .pitch(36)], at: 7)  // Pitch under drums
        expectFirstViolation(opening() + [.program(0), .velocity(3)], at: 7)  // Velocity without Pitch
        expectFirstViolation(opening() + [.program(0), .pitch(60), .duration(3)], at: 8)  // Duration without Velocity
        expectFirstViolation(opening() + [.program(0), .pitch(60), .velocity(3), .pitch(62)], at: 9)  // unfinished note
        expectFirstViolation(opening() + [.program(5)] + note(60) + [.program(3)], at: 10)  // programs decrease
        expectFirstViolation(opening() + [.program(5)] + note(60) + [.program(5)], at: 10)  // program repeated
        expectFirstViolation(opening() + [.program(128)] + drum(36) + [.program(0)], at: 10)  // drums come last
        expectFirstViolation(opening() + [.program(0)] + note(60) + [.pitch(60)], at: 10)  // keys must increase
        expectFirstViolation(opening() + [.program(0)] + note(60) + [.pitch(59)], at: 10)
        expectFirstViolation(opening() + [.program(0)] + note(60) + [.position(1), .pitch(62)], at: 11)  // Program re-stated
        expectFirstViolation(opening() + [.program(0), .eos], at: 7)  // a program needs a note
    }

    @Test func violationMessagesSayWhatWasExpected() {
        let ids = tokenizer.ids(opening() + [.pitch(60)])
        let violation = tokenizer.check(ids)[0]
        #expect(violation.token == .pitch(60))
        #expect(violation.id == ids[6])
        #expect(violation.expected == "one of EOS, Bar, Position(1...47), Program")
        #expect("\(violation)" == "token 6: found Pitch(60), expected one of EOS, Bar, Position(1...47), Program")
        let end = tokenizer.check(tokenizer.ids(opening() + [.program(0), .pitch(60)]))[0]
        #expect("\(end)" == "token 8: found the end of the sequence, expected Velocity")
        let outside = tokenizer.check(tokenizer.ids([.bos]) + [9999])[0]
        #expect("\(outside)".contains("id 9999 (outside the vocabulary)"))
        #expect("\(TokenizationError.grammarViolation(violation))".contains("decodeLenient"))
    }

    @Test func lenientDecodingSkipsBadTokens() {
        let good = opening() + [.program(0)] + note(60) + [.position(12), .program(128)] + drum(36) + [.eos]
        var ids = tokenizer.ids(good)
        ids.insert(tokenizer.vocabulary.id(for: .pitch(10)), at: 6)  // Pitch before Program
        ids.insert(tokenizer.vocabulary.id(for: .velocity(1)), at: 13)  // Velocity right after Program(drums)
        ids.insert(7777, at: 3)
        let (score, violations) = tokenizer.decodeLenient(ids)
        #expect(violations.map(\.index) == [3, 7, 14])
        #expect(score == (try? tokenizer.decode(tokenizer.ids(good))))
        #expect(score.noteCount == 2)
    }

    @Test func maskEqualsAccept() {
        var rng = SplitMix64(seed: 7)
        let v = tokenizer.vocabulary
        var mismatches = 0
        var unchangedFailures = 0
        var probed = 0
        for round in 0..<24 {
            let midStream = round % 3 == 2
            let ids = randomValidSequence(tokenizer, &rng, length: 150, midStream: midStream)
            var state = GrammarState(vocabulary: v, startingMidStream: midStream)
            var mask = [Bool](repeating: false, count: v.size + 3)
            for (i, id) in ids.enumerated() {
                state.allowedNext(into: &mask)
                if !mask[id] { mismatches += 1 }
                if i % 5 == 0 {
                    probed += 1
                    for probe in -2..<(v.size + 2) {
                        var copy = state
                        let accepted = copy.accept(probe)
                        let masked = probe >= 0 && probe < v.size && mask[probe]
                        if accepted != masked || accepted != state.allows(probe) { mismatches += 1 }
                        if !accepted, copy != state { unchangedFailures += 1 }
                    }
                    // The ranges are increasing, non-empty and agree with the mask.
                    let ranges = state.allowedRanges()
                    let fromRanges = Set(ranges.flatMap { Array($0) })
                    if fromRanges != Set((0..<v.size).filter { mask[$0] }) { mismatches += 1 }
                    if zip(ranges, ranges.dropFirst()).contains(where: { $0.upperBound > $1.lowerBound }) { mismatches += 1 }
                }
                if !state.accept(id) { mismatches += 1 }
            }
            if !midStream { #expect(state.isComplete) }
        }
        #expect(probed > 100)
        #expect(mismatches == 0)
        #expect(unchangedFailures == 0)
    }

    @Test func midStreamWindowsAreValid() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<8 {
            let ids = tokenizer.encode(randomScore(&rng, ticksPerQuarter: 480), genre: 2)
            let full = try tokenizer.decode(ids)
            // A window from the start is the piece itself.
            #expect(try tokenizer.decode(ids, startingMidStream: true) == full)
            for start in stride(from: 0, to: ids.count, by: 3) {
                for length in [1, 17, 64, ids.count] {
                    let window = Array(ids[start..<min(ids.count, start + length)])
                    #expect(tokenizer.check(window, startingMidStream: true).isEmpty)
                    #expect(throws: Never.self) { try tokenizer.decode(window, startingMidStream: true) }
                }
            }
        }
    }

    @Test func midStreamDecodingPlacesBarsFromTheFirstBar() throws {
        // Leading tokens of an unfinished note are skipped; the meter is unknown, so bars are
        // taken as 4/4 (48 steps) and any position of the vocabulary is allowed.
        let window = tokenizer.ids(
            [.velocity(3), .duration(2), .position(5), .bar, .position(60), .program(1)] + note(60)
                + [.bar, .timeSignature(1), .position(2), .tempo(4), .program(128)] + drum(40)
                + [.bar, .position(0), .program(0)] + note(61) + [.eos, .bos, .genre(1)])
        #expect(tokenizer.check(window, startingMidStream: true).isEmpty)
        #expect(!tokenizer.check(window).isEmpty)
        let score = try tokenizer.decode(window, startingMidStream: true)
        #expect(score.tracks.map(\.program) == [0, 1, 0])
        #expect(score.tracks.map(\.isDrum) == [false, false, true])
        #expect(score.tracks[1].notes.map(\.start) == [60])
        #expect(score.tracks[2].notes.map(\.start) == [50])
        #expect(score.tracks[0].notes.map(\.start) == [48 + 36])  // the second bar is 3/4
        #expect(score.timeSignatures == [TimeSignature(tick: 48, numerator: 3, denominator: 4)])
        #expect(score.tempos.map(\.tick) == [50])
        // Without its opening a window may also start at a BOS.
        let piece = tokenizer.ids(opening() + [.eos])
        #expect(tokenizer.check(tokenizer.ids([.pitch(3), .program(4)]) + piece, startingMidStream: true).isEmpty)
    }
}
