import Engine
import Foundation
import MusicScore
import Tokenization

/// `cadenza evaluate`: a model against a dataset's held-out split, per genre — perplexity and
/// bits per note, style similarity by a judge, MGEval feature overlap, grammar errors without
/// the mask, and verbatim copies of the training data (the dataset's originality index).
public struct Evaluator {
    public struct Options: Sendable {
        /// Generated pieces per genre.
        public var samples = 30
        public var bars = 16
        public var seed: UInt64 = 0
        /// Held-out windows per genre for perplexity, and real pieces per genre for features.
        public var validationWindows = 64
        public var realPieces = 100
        /// Tokens sampled without the grammar mask per genre, for the error rate.
        public var unconstrainedTokens = 1024
        public var sampling = SamplingSettings(temperature: 1, topP: 0.95, guidance: 5)
        public var int8 = false
        public init() {}
    }

    public let model: GenerationModel
    public let dataset: String
    public let options: Options
    public let judge: (any GenreJudge)?

    public init(model: GenerationModel, dataset: String, options: Options = .init(), judge: (any GenreJudge)? = nil) {
        (self.model, self.dataset, self.options, self.judge) = (model, dataset, options, judge)
    }

    /// Evaluates every genre of the dataset's validation split that the model knows.
    /// `progress` receives a line per stage.
    public func run(progress: (String) -> Void = { _ in }) throws(CadenzaError) -> [GenreEvaluation] {
        let manifest = try DatasetManifest.load(from: dataset)
        guard manifest.tokenizerFingerprint == StableHasher.hex(model.tokenizer.config.fingerprint) else {
            throw .badInput(file: dataset + "/manifest.json", location: "tokenizer", problem: "the dataset was tokenized differently from the model",
                            hint: "rebuild the dataset with this Cadenza version")
        }
        let context = model.metadata.model.contextLength ?? 512
        let batcher = try TrainingBatcher(dataset: dataset, manifest: manifest, split: "validation", sequenceLength: context)
        let index = try OriginalityIndex(path: dataset + "/originality.idx")
        let slots = Set(batcher.documents.map(\.genre)).sorted().filter { $0 > 0 && $0 < model.genres.count }
        guard !slots.isEmpty else {
            throw .badInput(file: dataset, location: "validation split", problem: "has no genre-labelled pieces", hint: "evaluate on a dataset built from genre folders or a label CSV")
        }
        var results: [GenreEvaluation] = []
        var generatedByGenre: [String: [Score]] = [:], realByGenre: [String: [Score]] = [:]
        let generator = Generator(model: model, int8: options.int8)
        for slot in slots {
            let genre = model.genres[slot]
            progress("\(genre): perplexity on held-out windows")
            let (nll, tokens, notes) = negativeLogLikelihood(batcher: batcher, genre: slot)
            progress("\(genre): generating \(options.samples) pieces of \(options.bars) bars")
            var generated: [Score] = [], gridScores: [Score] = [], generatedNotes = 0
            for i in 0..<options.samples {
                let request = GenerationRequest(genre: genre, bars: options.bars, seed: options.seed &+ UInt64(i), sampling: options.sampling)
                guard let piece = try generator.generate(request) else { continue }
                generated.append(piece.score)
                generatedNotes += piece.notes.count
                if let grid = try? model.tokenizer.decode(piece.tokens) { gridScores.append(grid) }
            }
            let real = realPieces(batcher: batcher, genre: slot)
            progress("\(genre): features, originality, grammar")
            let features = FeatureComparison.report(real: real, generated: generated)
            let overlaps = features.rows.compactMap(\.overlapArea)
            let (copied, checked, longest) = originality(gridScores, index: index)
            let (errors, sampled) = unconstrainedGrammarErrors(genre: slot)
            var similarity: Double?, probability: Double?
            if let judge, judge.genres.contains(genre), !generated.isEmpty {
                similarity = Double(generated.filter { judge.inGenre($0, genre: genre) }.count) / Double(generated.count)
                probability = generated.map { judge.probabilities($0)[genre] ?? 0 }.reduce(0, +) / Double(generated.count)
            }
            generatedByGenre[genre] = generated
            realByGenre[genre] = real
            results.append(GenreEvaluation(
                genre: genre, perplexity: tokens > 0 ? exp(nll / Double(tokens)) : nil, bitsPerNote: notes > 0 ? nll / log(2) / Double(notes) : nil,
                validationTokens: tokens, validationNotes: notes, generatedPieces: generated.count, generatedNotes: generatedNotes,
                styleSimilarity: similarity, meanGenreProbability: probability, features: features,
                meanOverlapArea: overlaps.isEmpty ? nil : overlaps.reduce(0, +) / Double(overlaps.count),
                learned: [], learnedReal: [], grammarErrorRate: Double(errors) / Double(max(sampled, 1)), unconstrainedTokens: sampled,
                copiedWindows: copied, checkedWindows: checked, longestCopiedRun: longest))
        }
        // "Features learned": what sets each genre's generated music apart from the other
        // genres' generated music, with the same descriptor measured on the real pieces.
        let generatedStyles = generatedByGenre.mapValues { StyleDescriptors(scores: $0) }
        let realStyles = realByGenre.mapValues { StyleDescriptors(scores: $0) }
        for i in results.indices {
            let genre = results[i].genre
            let distinctive = StyleDescriptors.distinctive(of: genre, among: generatedStyles, count: 3)
            results[i].learned = distinctive.map(\.text)
            results[i].learnedReal = distinctive.map { d in realStyles[genre]?.value(of: d.descriptor).map { d.descriptor.text($0) } ?? "–" }
        }
        return results
    }

    /// Summed NLL (nats), counted tokens and predicted notes over up to `validationWindows`
    /// held-out windows of one genre, through the training forward pass in batches of 8.
    func negativeLogLikelihood(batcher: TrainingBatcher, genre: Int) -> (Double, Int, Int) {
        let windows = batcher.validationBatches(batchSize: 1, maximumWindows: Int.max).filter { $0.genres[0] == genre }
        let chosen = windows.count > options.validationWindows
            ? (0..<options.validationWindows).map { windows[$0 * windows.count / options.validationWindows] } : windows
        let durations = model.tokenizer.vocabulary.range(of: .duration)
        var total = 0.0, tokens = 0, notes = 0
        var start = 0
        while start < chosen.count {
            let group = Array(chosen[start..<min(start + 8, chosen.count)])
            start += group.count
            let T = batcher.sequenceLength
            let B = group.count
            let targets = group.flatMap(\.targets)
            let counted = targets.filter { $0 != TrainingBatch.ignoredTarget }.count
            guard counted > 0, let loss = model.model.forward(
                tokens: group.flatMap(\.tokens), genres: group.map { $0.genres[0] }, targets: targets,
                ignoredTarget: TrainingBatch.ignoredTarget, batchSize: B, sequenceLength: T) else { continue }
            total += Double(loss) * Double(counted)
            tokens += counted
            notes += targets.filter { durations.contains(Int($0)) }.count
        }
        return (total, tokens, notes)
    }

    /// Up to `realPieces` held-out pieces of one genre, decoded from the shards.
    func realPieces(batcher: TrainingBatcher, genre: Int) -> [Score] {
        let documents = batcher.documents.filter { $0.genre == genre }
        let chosen = documents.count > options.realPieces
            ? (0..<options.realPieces).map { documents[$0 * documents.count / options.realPieces] } : documents
        return chosen.compactMap { d in
            try? model.tokenizer.decode(batcher.tokens[d.offset..<(d.offset + d.length)].map(Int.init))
        }
    }

    /// Copied 4-bar windows, windows checked, and the longest copied run of notes.
    func originality(_ scores: [Score], index: OriginalityIndex) -> (Int, Int, Int) {
        var copied = 0, checked = 0, longest = 0
        for score in scores {
            let windows = MusicFingerprints.windowHashes(score)
            checked += windows.count
            copied += windows.filter(index.containsWindow).count
            var run = 0
            for gram in MusicFingerprints.noteGramHashes(score) {
                run = index.containsGram(gram) ? run + 1 : 0
                if run > 0 { longest = max(longest, run + MusicFingerprints.notesPerGram - 1) }
            }
        }
        return (copied, checked, longest)
    }

    /// Samples without the grammar mask (same sampler settings) and counts the tokens the
    /// grammar would reject. A rejected token is replaced by a sample under the mask, so the
    /// context stays valid and every error is counted against a valid prefix (one mistake does
    /// not cascade into all later tokens).
    func unconstrainedGrammarErrors(genre: Int) -> (Int, Int) {
        let decoder = model.makeDecoder(int8: options.int8)
        let vocabulary = model.tokenizer.vocabulary
        var sampler = Sampler(), generator = SeededGenerator(seed: options.seed &+ UInt64(genre) &* 7919)
        var all = [Bool](repeating: false, count: model.model.vocabularySize)
        for id in 0..<vocabulary.size { all[id] = true }
        var mask = all
        // The conditional model alone: guidance needs a second decoder and does not change
        // whether the model has learned the grammar.
        var settings = options.sampling
        settings.guidance = 1
        var errors = 0, sampled = 0
        var grammar = GrammarState(vocabulary: vocabulary)
        var logits = UnsafeBufferPointer<Float>(start: nil, count: 0)
        func restart() {
            decoder.reset()
            grammar = GrammarState(vocabulary: vocabulary)
            for id in [vocabulary.id(for: .bos), vocabulary.id(for: .genre(genre))] {
                grammar.accept(id)
                logits = decoder.step(token: id, genre: genre)
            }
        }
        restart()
        while sampled < options.unconstrainedTokens {
            guard var id = sampler.sample(logits: logits, allowed: all, settings: settings, generator: &generator) else { break }
            sampled += 1
            if !grammar.allows(id) {
                errors += 1
                grammar.allowedNext(into: &mask)
                guard let valid = sampler.sample(logits: logits, allowed: mask, settings: settings, generator: &generator) else { break }
                id = valid
            }
            grammar.accept(id)
            if grammar.isComplete || decoder.position >= decoder.contextLength {
                restart()
            } else {
                logits = decoder.step(token: id, genre: genre)
            }
        }
        return (errors, sampled)
    }
}
