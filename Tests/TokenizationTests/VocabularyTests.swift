import Testing
@testable import Tokenization

@Suite struct VocabularyTests {
    let tokenizer = Tokenizer()

    @Test func defaultSizeAndRanges() {
        let v = tokenizer.vocabulary
        #expect(v.size == 503)
        #expect(v.size <= 512)
        let expected: [(TokenKind, Range<Int>)] = [
            (.pad, 0..<1), (.bos, 1..<2), (.eos, 2..<3), (.bar, 3..<4), (.genre, 4..<20),
            (.timeSignature, 20..<33), (.tempo, 33..<65), (.position, 65..<137), (.program, 137..<266),
            (.pitch, 266..<394), (.drumPitch, 394..<455), (.velocity, 455..<471), (.duration, 471..<503),
        ]
        for (kind, range) in expected { #expect(v.range(of: kind) == range, "\(kind)") }
        #expect(Vocabulary.size(of: tokenizer.config) == v.size)
    }

    @Test func everyIdRoundTrips() {
        let v = tokenizer.vocabulary
        for id in 0..<v.size {
            let token = v.token(for: id)
            #expect(token != nil)
            guard let token else { continue }
            #expect(v.id(for: token) == id, "\(token)")
            #expect(v.kind(of: id) == token.kind)
            #expect(v.range(of: token.kind).contains(id))
        }
        for id in [-1, -1000, v.size, v.size + 1, 1 << 40] {
            #expect(v.token(for: id) == nil)
            #expect(v.kind(of: id) == nil)
        }
    }

    @Test func payloadsAreNaturalValues() {
        let v = tokenizer.vocabulary
        #expect(v.token(for: v.range(of: .drumPitch).lowerBound) == .drumPitch(27))
        #expect(v.token(for: v.range(of: .drumPitch).upperBound - 1) == .drumPitch(87))
        #expect(v.token(for: v.range(of: .pitch).lowerBound + 60) == .pitch(60))
        #expect(v.token(for: v.range(of: .program).upperBound - 1) == .program(Token.drumProgram))
        #expect(v.token(for: v.range(of: .position).upperBound - 1) == .position(71))
    }

    @Test func descriptions() {
        #expect(Token.bar.description == "Bar")
        #expect(Token.position(12).description == "Position(12)")
        #expect(Token.pitch(60).description == "Pitch(60)")
        #expect(Token.program(128).description == "Program(drums)")
        #expect(Token.program(0).description == "Program(0)")
        #expect(Token.drumPitch(36).description == "DrumPitch(36)")
        #expect(tokenizer.describe(.genre(3)) == "Genre(jazz)")
        #expect(tokenizer.describe(.genre(12)) == "Genre(12)")
        #expect(tokenizer.describe(.timeSignature(1)) == "TimeSignature(3/4)")
        #expect(tokenizer.describe(.tempo(0)) == "Tempo(40 qpm)")
        #expect(tokenizer.describe(.tempo(31)) == "Tempo(240 qpm)")
        #expect(tokenizer.describe(.velocity(7)) == "Velocity(60)")
        #expect(tokenizer.describe(.duration(11)) == "Duration(12 steps)")
    }

    @Test func sizeFollowsTheConfig() {
        var config = TokenizerConfig()
        config.stepsPerQuarter = 8
        config.timeSignatures = [Meter(4, 4), Meter(3, 4)]
        let v = Vocabulary(config: config)
        #expect(v.range(of: .position).count == 48)
        #expect(v.range(of: .timeSignature).count == 2)
        #expect(v.size == 503 - 72 + 48 - 13 + 2)
    }
}
