import Foundation
import MIDIFormats
import MusicScore
import Testing
@testable import Cadenza
import Engine
import Tokenization

/// Generation with a tiny model trained here on the fixtures (context 32, so every piece also
/// crosses the sliding window many times).
@Suite(.serialized) struct GenerationTests {
    static let model: GenerationModel = {
        let config = ModelConfiguration.transformer(TransformerConfiguration(
            vocabularySize: 512, genreCount: 16, contextLength: 32, layers: 1, channels: 16, heads: 2, feedForwardChannels: 32))
        var options = TrainingFixture.options(steps: 20, model: config)
        options.sequenceLength = 32
        let summary = try! Trainer(options: options).run()
        return try! GenerationModel.load(summary.lastCheckpoint!)
    }()

    static func generate(_ request: GenerationRequest, prompt: Score? = nil, int8: Bool = false) throws -> GeneratedPiece {
        try #require(try Generator(model: model, int8: int8).generate(request, prompt: prompt))
    }

    @Test func sameSeedSameBytesAndEveryPieceIsValid() throws {
        let request = GenerationRequest(genre: "jazz", bars: 4, seed: 3)
        let a = try Self.generate(request), b = try Self.generate(request)
        #expect(a.midi == b.midi)
        var other = request
        other.seed = 4
        #expect(try Self.generate(other).tokens != a.tokens)
        for piece in [a, try Self.generate(other)] {
            #expect(Self.model.tokenizer.check(piece.tokens).isEmpty)
            #expect(piece.tokens.filter { $0 == Self.model.tokenizer.vocabulary.id(for: .bar) }.count == 4 && piece.bars == 4)
            #expect(piece.tokens.last == Self.model.tokenizer.vocabulary.id(for: .eos))
            let parsed = try MIDIFile.readScore(bytes: piece.midi, mode: .strict).score
            #expect(parsed.noteCount == piece.score.noteCount)
            #expect(Provenance.read(from: parsed) == piece.provenance)
            #expect(piece.provenance.model == Self.model.identifier && piece.provenance.request == request || piece.provenance.request.seed == 4)
        }
    }

    /// `--count` and the server reuse one `Generator` for many pieces: each must come out as
    /// from a fresh one, whatever came before it (guided or not, with or without a prompt).
    @Test func aReusedGeneratorForgetsThePreviousPiece() throws {
        let generator = Generator(model: Self.model)
        let plain = GenerationRequest(genre: "pop", bars: 3, seed: 11, sampling: .init(temperature: 1, topP: 0.95, guidance: 1))
        let guided = GenerationRequest(genre: "jazz", bars: 5, seed: 2)
        let prompt = try Self.generate(GenerationRequest(genre: "folk", bars: 2, seed: 8)).score
        _ = try generator.generate(guided)
        #expect(try #require(try generator.generate(plain)).midi == (try Self.generate(plain)).midi)
        _ = try generator.generate(plain, prompt: prompt)
        #expect(try #require(try generator.generate(guided)).midi == (try Self.generate(guided)).midi)
    }

    @Test func constraintsAreHonoured() throws {
        let tokenizer = Self.model.tokenizer
        for seed: UInt64 in 0..<3 {
            let request = GenerationRequest(genre: "pop", bars: 6, seed: seed, instruments: [0, 128], tempo: 90, timeSignature: "3/4", key: "D")
            let piece = try Self.generate(request)
            let score = piece.score
            for track in score.tracks { #expect(track.isDrum || track.program == 0, "program \(track.program)") }
            let expectedTempo = tokenizer.config.tempoQuartersPerMinute(bin: tokenizer.tempoBin(quartersPerMinute: 90))
            #expect(!score.tempos.isEmpty && score.tempos.allSatisfy { abs($0.quartersPerMinute - expectedTempo) < 0.5 })
            #expect(!score.timeSignatures.isEmpty && score.timeSignatures.allSatisfy { $0.numerator == 3 && $0.denominator == 4 })
            let scale = try #require(KeySignature(name: "D")).scalePitchClasses
            for track in score.tracks where !track.isDrum {
                for note in track.notes { #expect(scale.contains(Int(note.pitch) % 12), "pitch \(note.pitch) outside D major") }
            }
            #expect(score.keySignatures.first?.description == "D")
        }
    }

    @Test func promptBarsComeBackUnchanged() throws {
        let path = TestSupport.fixtures + "/folk/" + (try FileManager.default.contentsOfDirectory(atPath: TestSupport.fixtures + "/folk").sorted().first { $0.hasSuffix(".mid") }!)
        let prompt = try ScoreLoader.load(path: path).score
        let request = GenerationRequest(genre: "folk", bars: 3, seed: 1, promptBars: 2)
        let piece = try Self.generate(request, prompt: prompt)
        let tokenizer = Self.model.tokenizer
        let (expected, bars) = try Generator.promptTokens(prompt, tokenizer: tokenizer, genre: 4, bars: 2)
        #expect(bars == 2 && piece.promptBars == 2 && piece.bars == 5)
        #expect(Array(piece.tokens.prefix(expected.count)) == expected)
        // The decoded notes of the first two bars are the canonical prompt's, note for note.
        let canonical = tokenizer.canonicalize(prompt).resampled(ticksPerQuarter: 480)
        let end = canonical.barStarts()[2]
        func notes(_ s: Score) -> [String] {
            s.tracks.flatMap { t in t.notes.filter { $0.start < end }.map { "\(t.program) \(t.isDrum) \($0.pitch) \($0.start) \($0.duration) \($0.velocity)" } }.sorted()
        }
        #expect(!notes(canonical).isEmpty && notes(piece.score) == notes(canonical),
                "\(Set(notes(piece.score)).symmetricDifference(notes(canonical)).sorted().prefix(6))")
        #expect(piece.provenance.promptBars == 2)
    }

    @Test func streamedNotesAreTheDecodedNotes() async throws {
        let request = GenerationRequest(genre: "classical", bars: 4, seed: 9)
        var streamed: [NoteEvent] = [], finished: GeneratedPiece?
        for try await event in Generator(model: Self.model).events(request) {
            switch event {
            case .note(let note): streamed.append(note)
            case .finished(let piece): finished = piece
            }
        }
        let piece = try #require(finished)
        #expect(streamed == piece.notes)
        let direct = try Self.generate(request)
        #expect(piece.midi == direct.midi)
        let decoded = piece.score.tracks.flatMap { t in t.notes.map { "\(t.isDrum ? 128 : Int(t.program)) \($0.pitch) \($0.start)" } }.sorted()
        let fromStream = streamed.map { "\($0.program) \($0.pitch) \(Int(($0.startQuarters * 480).rounded()))" }.sorted()
        #expect(decoded == fromStream)
        // Seconds follow the tempo: a note's start in seconds is its quarters at the piece's tempo.
        if let note = streamed.last, let tempo = piece.score.tempos.last, piece.score.tempos.count == 1 {
            #expect(abs(note.startSeconds - note.startQuarters * 60 / tempo.quartersPerMinute) < 1e-6)
        }
    }

    @Test func lengthInSeconds() throws {
        let piece = try Self.generate(GenerationRequest(genre: "game", seconds: 12, seed: 2, tempo: 120, timeSignature: "4/4"))
        // 4/4 at 120 BPM: 2 s per bar, so the piece stops at the bar line at 12 s: 6 bars.
        #expect(piece.bars == 6)
        // `bars` still bounds a length in seconds (the server's bar limit rests on it).
        let capped = try Self.generate(GenerationRequest(genre: "game", bars: 3, seconds: 12, seed: 2, tempo: 120, timeSignature: "4/4"))
        #expect(capped.bars == 3)
    }

    @Test func int8AndGuidanceRun() throws {
        var request = GenerationRequest(genre: "electronic", bars: 3, seed: 5)
        request.sampling.guidance = 1
        let int8 = try Self.generate(request, int8: true)
        let again = try Self.generate(request, int8: true)
        #expect(Self.model.tokenizer.check(int8.tokens).isEmpty && int8.midi == again.midi)
        var guided = request
        guided.sampling.guidance = 3
        let piece = try Self.generate(guided)
        #expect(Self.model.tokenizer.check(piece.tokens).isEmpty)
        let plain = try Self.generate(request)
        #expect(piece.tokens != plain.tokens)
    }

    @Test func badSettingsNameTheirField() throws {
        func field(_ request: GenerationRequest, prompt: Score? = nil) -> String? {
            do {
                _ = try Generator(model: Self.model).generate(request, prompt: prompt)
                return nil
            } catch {
                if case .invalidSetting(let field, _, _) = error { return field }
                return "other"
            }
        }
        #expect(field(GenerationRequest(genre: "polka")) == "genre")
        #expect(field(GenerationRequest(genre: "jazz", bars: 0)) == "bars")
        #expect(field(GenerationRequest(genre: "jazz", key: "H#")) == "key")
        #expect(field(GenerationRequest(genre: "jazz", timeSignature: "7/3")) == "time-signature")
        #expect(field(GenerationRequest(genre: "jazz", tempo: 1000)) == "tempo")
        #expect(field(GenerationRequest(genre: "jazz", instruments: [200])) == "instruments")
        #expect(field(GenerationRequest(genre: "jazz", sampling: SamplingSettings(temperature: -1))) == "temperature")
        #expect(field(GenerationRequest(genre: "jazz", sampling: SamplingSettings(topP: 0))) == "top-p")
        #expect(field(GenerationRequest(genre: "jazz"), prompt: Score(ticksPerQuarter: 480, tracks: [])) == "prompt")
    }

    @Test func quantizedCheckpointLoadsAndStaysClose() throws {
        let folder = TestSupport.scratch()
        let loaded = Checkpoint.Loaded(metadata: Self.model.metadata, model: Self.model.model, storage: .fp32, path: "memory")
        try Checkpoint.writeModel(loaded.model, metadata: loaded.metadata, to: folder + "/int8.safetensors", storage: .int8)
        try Checkpoint.writeModel(loaded.model, metadata: loaded.metadata, to: folder + "/fp16.safetensors", storage: .fp16)
        let int8 = try GenerationModel.load(folder + "/int8.safetensors"), fp16 = try GenerationModel.load(folder + "/fp16.safetensors")
        #expect(int8.storage == .int8 && fp16.storage == .fp16)
        #expect(int8.identifier != Self.model.identifier)
        let file = try SafeTensorsFile(bytes: TestSupport.bytes(folder + "/int8.safetensors"))
        #expect(file.info("tok.weight")?.dtype == .i8 && file.info("tok.weight.scale")?.dtype == .f32 && file.info("head.bias")?.dtype == .f32)
        let a = Self.model.model.parameters.array, b = int8.model.parameters.array, c = fp16.model.parameters.array
        let largest = a.map(abs).max()!
        #expect(zip(a, b).map { abs($0 - $1) }.max()! <= largest / 127)
        #expect(zip(a, c).map { abs($0 - $1) }.max()! <= largest / 1000)
        let piece = try #require(try Generator(model: int8).generate(GenerationRequest(genre: "pop", bars: 2, seed: 1)))
        #expect(int8.tokenizer.check(piece.tokens).isEmpty)
        // The stored int8 matrices serve the decoders directly; quantizing the dequantized
        // weights again must give the very same music.
        var reloaded = try Checkpoint.readModel(folder + "/int8.safetensors")
        #expect(!reloaded.quantized.isEmpty)
        reloaded.quantized = [:]
        let requantized = try GenerationModel(reloaded, source: "requantized")
        let again = try #require(try Generator(model: requantized).generate(GenerationRequest(genre: "pop", bars: 2, seed: 1)))
        #expect(again.midi == piece.midi)
        // `load` defers expanding the decoders' int8 matrices to fp32: the same id before the
        // expansion, the same music without it, and the same fp32 weights once asked for.
        let eager = try GenerationModel(Checkpoint.readModel(folder + "/int8.safetensors"), source: "eager")
        let deferred = try GenerationModel.load(folder + "/int8.safetensors")
        #expect(deferred.identifier == eager.identifier && eager.identifier == int8.identifier)
        let lazy = try #require(try Generator(model: deferred).generate(GenerationRequest(genre: "pop", bars: 2, seed: 1)))
        #expect(lazy.midi == piece.midi)
        #expect(deferred.model.parameters.array == eager.model.parameters.array)
        // A deferred load never multiplies out the matrices, so a scale that would make
        // scale · q infinite is refused when read, as the eager load's finiteness check would.
        var bytes = TestSupport.bytes(folder + "/int8.safetensors")
        let scaleRange = try #require(file.info("head.weight.scale")).byteRange
        withUnsafeBytes(of: Float(1e37).bitPattern.littleEndian) { bytes.replaceSubrange(scaleRange.lowerBound..<scaleRange.lowerBound + 4, with: $0) }
        TestSupport.write(bytes, to: folder + "/huge-scale.safetensors")
        let error = try #require(throws: CadenzaError.self) { try GenerationModel.load(folder + "/huge-scale.safetensors") }
        #expect("\(error)".contains("row scales \"head.weight.scale\""), "\(error)")
    }
}

@Suite(.serialized) struct EvaluatorTests {
    @Test func evaluatesEveryGenreOfTheHeldOutSplit() throws {
        var options = Evaluator.Options()
        (options.samples, options.bars, options.validationWindows, options.unconstrainedTokens) = (2, 2, 4, 200)
        let evaluator = Evaluator(model: GenerationTests.model, dataset: TrainingFixture.dataset, options: options)
        let results = try evaluator.run()
        #expect(!results.isEmpty)
        for g in results {
            if let perplexity = g.perplexity { #expect(perplexity > 1 && perplexity.isFinite && (g.bitsPerNote ?? 0) > 0, "\(g.genre)") }
            #expect(g.generatedPieces == 2 && g.unconstrainedTokens == 200)
            #expect(g.grammarErrorRate >= 0 && g.grammarErrorRate < 0.9, "\(g.genre) grammar errors \(g.grammarErrorRate)")
            #expect(g.checkedWindows >= 0 && g.copiedWindows <= g.checkedWindows)
            #expect(!g.features.rows.isEmpty)
        }
        let report = EvaluationReport(model: GenerationTests.model, dataset: "fixtures", options: options, judge: nil, genres: results)
        #expect(report.markdown.contains("| Genre |") && report.overlapChart.hasPrefix("<svg") && report.perplexityChart.hasSuffix("</svg>\n"))
    }

    /// A piece copied from the training data is found: its 4-bar windows and a long run.
    @Test func copiesOfTheTrainingDataAreFound() throws {
        let evaluator = Evaluator(model: GenerationTests.model, dataset: TrainingFixture.dataset)
        let index = try OriginalityIndex(path: TrainingFixture.dataset + "/originality.idx")
        let manifest = try DatasetManifest.load(from: TrainingFixture.dataset)
        let batcher = try TrainingBatcher(dataset: TrainingFixture.dataset, manifest: manifest, split: "train", sequenceLength: 32)
        let document = try #require(batcher.documents.max { $0.length < $1.length })
        let score = try GenerationTests.model.tokenizer.decode(batcher.tokens[document.offset..<(document.offset + document.length)].map(Int.init))
        let (copied, checked, longest) = evaluator.originality([score], index: index)
        #expect(checked > 0 && copied == checked)
        #expect(longest >= MusicFingerprints.notesPerGram)
    }
}

extension GenerationTests {
    /// After the opening bars no new instrument enters; with the lock off, the tiny model's
    /// instrument choices are free.
    @Test func ensembleIsFixedAfterTheOpeningBars() throws {
        let tokenizer = Self.model.tokenizer
        let programs = tokenizer.vocabulary.range(of: .program), bar = tokenizer.vocabulary.id(for: .bar)
        for seed: UInt64 in 0..<4 {
            let piece = try Self.generate(GenerationRequest(genre: "electronic", bars: 8, seed: seed, ensembleBars: 2))
            var bars = 0, opening = Set<Int>(), later = Set<Int>()
            for id in piece.tokens {
                if id == bar { bars += 1 }
                if programs.contains(id) { if bars <= 2 { opening.insert(id) } else { later.insert(id) } }
            }
            #expect(later.isSubset(of: opening), "seed \(seed): \(later.subtracting(opening)) entered after bar 2")
        }
        #expect(throws: CadenzaError.self) { try Self.generate(GenerationRequest(genre: "pop", ensembleBars: 0)) }
    }
}
