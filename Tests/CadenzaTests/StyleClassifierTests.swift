import Engine
import Foundation
import MusicScore
import Testing
import Tokenization
@testable import Cadenza

/// Tiny classifier runs on the fixture dataset (18 pieces, 6 genres), fast in debug builds.
enum ClassifierFixture {
    static func options(steps: Int) -> ClassifierTrainingOptions {
        var options = ClassifierTrainingOptions(data: TrainingFixture.dataset)
        options.steps = steps
        options.batchSize = 14
        options.windowTokens = 32
        options.layers = 1
        options.channels = 16
        options.heads = 2
        options.feedForwardChannels = 32
        options.learningRate = 3e-3
        options.threads = 1
        options.seed = 3
        options.evaluationWindows = 4
        return options
    }

    static let corpus: ClassifierCorpus = {
        let manifest = try! DatasetManifest.load(from: TrainingFixture.dataset)
        return try! ClassifierCorpus(dataset: TrainingFixture.dataset, manifest: manifest, split: "train")
    }()

    /// (onset, program, key) of every note; drums as program 128.
    static func notes(_ score: Score) -> [[Int]] {
        score.tracks.flatMap { track in
            track.notes.map { [$0.start, track.isDrum ? 128 : Int(track.program), Int($0.pitch)] }
        }
    }

    static func decode(_ ids: [Int]) throws -> Score {
        try corpus.tokenizer.decode(ids)
    }
}

@Suite struct StyleClassifierDataTests {
    let tokenizer = ClassifierFixture.corpus.tokenizer
    var vocabulary: Vocabulary { tokenizer.vocabulary }

    @Test func corpusLabelsEveryPieceWithATrainedGenre() {
        let corpus = ClassifierFixture.corpus
        #expect(corpus.classes.last == "corrupted" && !corpus.classes.contains("unconditional"))
        #expect(corpus.classes.count >= 3 && corpus.invalidPieces == 0 && !corpus.pieces.isEmpty)
        #expect(corpus.piecesPerClass.last == 0 && corpus.piecesPerClass.dropLast().allSatisfy { $0 > 0 })
    }

    /// Each corruption keeps the grammar and destroys what it says it destroys.
    @Test(arguments: MusicCorruption.allCases) func corruptionsKeepTheGrammarAndChangeTheMusic(kind: MusicCorruption) throws {
        var kept = 0, total = 0, changed = 0, keptPitchContent = 0
        for (index, piece) in ClassifierFixture.corpus.pieces.enumerated() {
            let ids = piece.tokens.map(Int.init)
            var generator = SeededGenerator(seed: UInt64(index))
            let corrupted = try #require(kind.apply(to: ids, tokenizer: tokenizer, meterIndex: nil, generator: &generator))
            #expect(tokenizer.check(corrupted).isEmpty, "\(kind) broke the grammar of piece \(index)")
            var again = SeededGenerator(seed: UInt64(index))
            #expect(kind.apply(to: ids, tokenizer: tokenizer, meterIndex: nil, generator: &again) == corrupted)
            #expect(Array(corrupted.prefix(2)) == Array(ids.prefix(2)) && corrupted.last == ids.last)  // BOS Genre … EOS stay

            let before = ClassifierFixture.notes(try ClassifierFixture.decode(ids))
            let after = ClassifierFixture.notes(try ClassifierFixture.decode(corrupted))
            kept += after.count
            total += before.count
            let original = Set(before)
            changed += after.filter { !original.contains($0) }.count
            // Pitch content, the multiset of (instrument, key) ignoring time: kept when every
            // note after is one of the notes before (merged collisions may remove some).
            var available: [[Int]: Int] = [:]
            for note in before { available[[note[1], note[2]], default: 0] += 1 }
            var inside = true
            for note in after {
                let key = [note[1], note[2]]
                if available[key, default: 0] == 0 { inside = false } else { available[key]! -= 1 }
            }
            if inside { keptPitchContent += 1 }
        }
        let pieces = ClassifierFixture.corpus.pieces.count
        // Notes that collide after the change are merged, but few.
        #expect(Double(kept) > 0.8 * Double(total), "\(kind): \(kept) of \(total) notes kept")
        // Many notes are no longer the (onset, instrument, key) they were. Shuffling keys within
        // a bar leaves a repeated key in place by chance, so it changes fewer (51% measured).
        let least = kind == .shuffledPitches ? 0.4 : 0.6
        #expect(Double(changed) > least * Double(kept), "\(kind): \(changed) of \(kept) notes changed")
        switch kind {
        case .randomPitches: #expect(keptPitchContent == 0)
        case .shuffledPitches, .scatteredOnsets: #expect(keptPitchContent == pieces, "pitch content kept in \(keptPitchContent) of \(pieces)")
        }
    }

    @Test func corruptionRefusesTokensOutOfGrammar() {
        var generator = SeededGenerator(seed: 1)
        let v = vocabulary
        let broken = [v.id(for: .bar), v.id(for: .position(0)), v.id(for: .pitch(60))]  // no Program before the key
        #expect(MusicCorruption.randomPitches.apply(to: broken, tokenizer: tokenizer, meterIndex: nil, generator: &generator) == nil)
    }

    /// Two instruments and drums at one position become one ascending list of keys, no
    /// instruments; the shared key is kept once.
    @Test func instrumentBlindMergesEveryNoteOntoOneTrack() {
        let v = vocabulary
        let tokens: [Token] = [.bos, .genre(2), .bar, .timeSignature(2), .position(0), .tempo(19),
                               .program(0), .pitch(60), .velocity(9), .duration(11), .pitch(67), .velocity(9), .duration(11),
                               .program(33), .pitch(40), .velocity(5), .duration(3), .pitch(60), .velocity(5), .duration(3),
                               .program(Token.drumProgram), .drumPitch(36), .velocity(12), .duration(0),
                               .position(12), .program(Token.drumProgram), .drumPitch(38), .velocity(12), .duration(0), .eos]
        let ids = tokens.map { v.id(for: $0) }
        let expected: [Token] = [.bar, .timeSignature(2), .position(0), .tempo(19),
                                 .pitch(40), .velocity(5), .duration(3), .pitch(60), .velocity(9), .duration(11),
                                 .pitch(67), .velocity(9), .duration(11), .eos]
        #expect(ClassifierView.instrumentBlind.apply(ids, vocabulary: v) == expected.map { v.id(for: $0) })
        #expect(ClassifierView.allTokens.apply(ids, vocabulary: v) == Array(ids.dropFirst(2)))
    }

    /// On real pieces: no instrument tokens, and one Pitch per distinct (onset, key) of the
    /// pitched notes of all instruments.
    @Test func instrumentBlindViewOfRealPieces() throws {
        let v = vocabulary
        let absent: Set<TokenKind> = [.program, .drumPitch, .bos, .genre, .pad]
        for piece in ClassifierFixture.corpus.pieces {
            let ids = piece.tokens.map(Int.init)
            let blind = ClassifierView.instrumentBlind.apply(ids, vocabulary: v)
            #expect(blind.allSatisfy { !absent.contains(v.kind(of: $0)!) })
            let pitched = ClassifierFixture.notes(try ClassifierFixture.decode(ids)).filter { $0[1] != 128 }
            #expect(blind.filter { v.kind(of: $0) == .pitch }.count == Set(pitched.map { [$0[0], $0[2]] }).count)
            #expect(blind.filter { v.kind(of: $0) == .bar }.count == ids.filter { v.kind(of: $0) == .bar }.count)
        }
    }

    @Test(arguments: ClassifierView.allCases) func batchesAreBalancedAndDeterministic(view: ClassifierView) {
        let sampler = ClassifierSampler(corpus: ClassifierFixture.corpus, view: view, windowTokens: 32)
        let K = ClassifierFixture.corpus.classes.count
        var counts = [Int](repeating: 0, count: K)
        for step in 0..<4 {
            let batch = sampler.batch(step: step, seed: 9, batchSize: K * 2)
            #expect(batch.tokens.count == K * 2 * 32 && batch == sampler.batch(step: step, seed: 9, batchSize: K * 2))
            for label in batch.labels { counts[Int(label)] += 1 }
            let kinds = Set(batch.tokens.map { tokenizer.vocabulary.kind(of: Int($0))! })
            #expect(kinds.isDisjoint(with: [.bos, .genre]))
            if view == .instrumentBlind { #expect(kinds.isDisjoint(with: [.program, .drumPitch])) }
        }
        #expect(counts.allSatisfy { $0 == 8 })
        #expect(sampler.batch(step: 0, seed: 9, batchSize: K) != sampler.batch(step: 0, seed: 10, batchSize: K))
    }

    @Test func windowsCoverAPieceAndAreThinnedEvenly() {
        let ids = (1...10).map(Int32.init)
        #expect(ClassifierSampler.windows(of: ids, windowTokens: 4, maximumWindows: 9).map(Array.init) == [[1, 2, 3, 4], [5, 6, 7, 8], [7, 8, 9, 10]])
        #expect(ClassifierSampler.windows(of: ids, windowTokens: 4, maximumWindows: 2).map { $0.first! } == [1, 5])
        #expect(ClassifierSampler.windows(of: Array(ids.prefix(3)), windowTokens: 4, maximumWindows: 9).map(Array.init) == [[1, 2, 3]])
        #expect(ClassifierSampler.windows(of: [], windowTokens: 4, maximumWindows: 9).isEmpty)
    }
}

@Suite struct StyleClassifierTrainingTests {
    @Test(arguments: ClassifierView.allCases) func lossFalls(view: ClassifierView) throws {
        let trainer = try StyleClassifierTrainer(options: ClassifierFixture.options(steps: 40))
        let (classifier, losses) = try trainer.train(view: view)
        let first = losses.prefix(8).reduce(0, +) / 8, last = losses.suffix(8).reduce(0, +) / 8
        #expect(losses.count == 40 && first > 1.5, "ln \(trainer.train.classes.count) is the loss of a uniform guess: \(first)")
        #expect(last < first - 0.3, "\(view): loss \(first) → \(last)")
        #expect(classifier.metadata.training.finalLoss != nil && classifier.view == view)
    }

    /// Pitch embeddings start with pitch-class structure: an octave apart is alike, a semitone not.
    @Test func pitchEmbeddingsStartWithPitchClasses() {
        let vocabulary = ClassifierFixture.corpus.tokenizer.vocabulary
        let model = StyleClassifierModel(configuration: StyleClassifierConfiguration(classCount: 3, channels: 64, heads: 2), seed: 1)
        StyleClassifierTrainer.givePitchesStructure(model, vocabulary: vocabulary, seed: 1)
        let entry = model.parameterTable.entry(named: "tok.weight")!, C = entry.shape[1]
        func row(_ token: Token) -> [Float] {
            let start = entry.offset + vocabulary.id(for: token) * C
            return Array(model.parameters.array[start..<(start + C)])
        }
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            let dot = zip(a, b).map(*).reduce(0, +)
            return dot / (a.map { $0 * $0 }.reduce(0, +).squareRoot() * b.map { $0 * $0 }.reduce(0, +).squareRoot())
        }
        #expect(cosine(row(.pitch(60)), row(.pitch(72))) > 0.5)
        #expect(abs(cosine(row(.pitch(60)), row(.pitch(61)))) < 0.5)
        #expect(row(.pitch(60)) != row(.pitch(72)))
        let scale = row(.pitch(64)).map { $0 * $0 }.reduce(0, +) / Float(C)
        #expect(scale > 0.5 && scale < 1.6)
    }

    /// The whole command: files, report, and a folder that loads back into the same judge.
    @Test func runWritesFilesThatLoadBack() throws {
        let options = ClassifierFixture.options(steps: 3)
        let output = TestSupport.scratch("classifier") + "/out"
        let trainer = try StyleClassifierTrainer(options: options)
        var events = 0
        let summary = try trainer.run(output: output, command: "cadenza train-classifier --steps 3") { _ in events += 1 }
        #expect(events > 6)
        let a = summary.allTokens.evaluation
        #expect(a.pieceCount == trainer.validation.pieces.count && a.confusion.flatMap { $0 }.reduce(0, +) == a.pieceCount)
        #expect(a.corrupted.values.reduce(0) { $0 + $1.pieces } == a.pieceCount)
        let report = try String(contentsOfFile: summary.reportPath, encoding: .utf8)
        for text in ["# Style classifier", "cadenza train-classifier --steps 3", "### all-tokens", "### instrument-blind", "| true \\ predicted |", "random pitches"] {
            #expect(report.contains(text), "report lacks \(text)")
        }

        let judge = try StyleClassifier(folder: output)
        #expect(judge.classes == trainer.train.classes && judge.genres.count == judge.classes.count - 1)
        #expect(judge.allTokens.metadata == summary.allTokens.classifier.metadata)
        #expect(judge.allTokens.metadata.metrics.accuracy == a.accuracy && a.accuracy != nil)
        #expect(judge.instrumentBlind.model.parameters.array == summary.instrumentBlind.classifier.model.parameters.array)

        let piece = ClassifierFixture.corpus.pieces[0].tokens.map(Int.init)
        let loaded = try judge.judge(tokens: piece)
        let trained = try summary.allTokens.classifier.probabilities(tokens: piece)
        #expect(loaded.allTokens == trained && abs(loaded.instrumentBlind.reduce(0, +) - 1) < 1e-5)

        let path = TestSupport.fixtures + "/" + (try FileManager.default.contentsOfDirectory(atPath: TestSupport.fixtures + "/jazz").sorted().map { "jazz/" + $0 }.first!)
        let score = try ScoreLoader.load(path: path).score
        let judgement = try judge.judge(score)
        #expect(judgement.allTokens.count == judge.classes.count)
        #expect(try judge.inGenre(score, genre: "JAZZ") == judgement.isInGenre("jazz"))
        #expect(throws: CadenzaError.self) { try judge.inGenre(score, genre: "polka") }
        #expect(throws: CadenzaError.self) { try judge.judge(tokens: [9999]) }
    }
}

@Suite struct StyleClassifierFileTests {
    /// A classifier file written by a 1-step run.
    static let folder: String = {
        let output = TestSupport.scratch("classifier-files") + "/out"
        _ = try! StyleClassifierTrainer(options: ClassifierFixture.options(steps: 1)).run(output: output, command: "test")
        return output
    }()

    func expectError(_ bytes: [UInt8], mentioning words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let path = TestSupport.scratch("damaged") + "/all-tokens.safetensors"
        TestSupport.write(bytes, to: path)
        #expect(sourceLocation: sourceLocation) { try ViewClassifier.load(path) } throws: { error in
            guard let error = error as? CadenzaError, case .badInput(let file, _, _, _) = error else { return false }
            return file == path && words.allSatisfy { "\(error)".contains($0) }
        }
    }

    var bytes: [UInt8] { TestSupport.bytes(Self.folder + "/" + StyleClassifier.allTokensFile) }

    @Test func truncatedFileIsRefusedByName() {
        expectError(Array(bytes.prefix(bytes.count - 10)), mentioning: ["byte"])
        expectError([1, 2, 3], mentioning: ["shorter than"])
    }

    @Test func tamperedMetadataIsRefusedByField() throws {
        let file = try SafeTensorsFile(bytes: bytes)
        func rewritten(_ change: (inout [String: String]) -> Void) -> [UInt8] {
            var writer = SafeTensorsWriter()
            var metadata = file.metadata
            change(&metadata)
            writer.metadata = metadata
            for tensor in file.tensors { writer.add(tensor.name, shape: tensor.shape, floats: try! file.floats(tensor.name)) }
            return writer.bytes()
        }
        expectError(rewritten { $0["format"] = "cadenza-checkpoint/1" }, mentioning: ["__metadata__.format"])
        expectError(rewritten { $0["classes"] = "[\"classical\",\"corrupted\"]" }, mentioning: ["__metadata__.classes"])
        expectError(rewritten { $0["model"] = $0["model"]!.replacingOccurrences(of: "\"layers\":1", with: "\"layers\":1000000") }, mentioning: ["__metadata__.model", "layers"])
        expectError(rewritten { $0["tokenizer_fingerprint"] = "0000000000000000" }, mentioning: ["tokenizer_fingerprint"])
        expectError(rewritten { $0["view"] = "texture" }, mentioning: ["__metadata__.view"])
        expectError(rewritten { $0.removeValue(forKey: "training") }, mentioning: ["__metadata__.training", "missing"])
    }

    @Test func wrongTensorsAreRefused() throws {
        let file = try SafeTensorsFile(bytes: bytes)
        var writer = SafeTensorsWriter()
        writer.metadata = file.metadata
        for tensor in file.tensors where tensor.name != "head.bias" { writer.add(tensor.name, shape: tensor.shape, floats: try file.floats(tensor.name)) }
        expectError(writer.bytes(), mentioning: ["head.bias", "missing"])

        var nan = SafeTensorsWriter()
        nan.metadata = file.metadata
        for tensor in file.tensors {
            var values = try file.floats(tensor.name)
            if tensor.name == "lnf.weight" { values[0] = .nan }
            nan.add(tensor.name, shape: tensor.shape, floats: values)
        }
        expectError(nan.bytes(), mentioning: ["NaN"])
    }

    @Test func swappedFilesAreRefused() throws {
        let a = try ViewClassifier.load(Self.folder + "/" + StyleClassifier.allTokensFile)
        let b = try ViewClassifier.load(Self.folder + "/" + StyleClassifier.instrumentBlindFile)
        #expect(throws: CadenzaError.self) { try StyleClassifier(allTokens: b, instrumentBlind: a) }
        #expect(throws: CadenzaError.self) { try StyleClassifier(folder: Self.folder + "/missing") }
        #expect(try StyleClassifier(allTokens: a, instrumentBlind: b).classes == a.classes)
    }
}
