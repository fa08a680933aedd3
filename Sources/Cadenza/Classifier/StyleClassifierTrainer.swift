import Engine
import Foundation
import Tokenization

/// What the classifier trainer reports after every step.
public struct ClassifierTrainingProgress: Sendable {
    public var view: ClassifierView
    /// Updates done (1-based after the first).
    public var step: Int
    public var totalSteps: Int
    /// Mean cross-entropy of the last (up to) 50 steps, nats per window.
    public var loss: Float
    /// Share of the last (up to) 50 steps' training windows whose most probable class was right.
    public var accuracy: Double
    public var learningRate: Float
    /// Window tokens (B · W per step) per second of training.
    public var tokensPerSecond: Double
    public var seconds: Double
}

/// Trains and evaluates the two style classifiers: `cadenza train-classifier`.
///
/// One step: draw batch (seed, step) from `ClassifierSampler` → zero gradients → forward
/// → backward → stop on a non-finite loss or gradient → global-norm clip → AdamW with the
/// scheduled learning rate. No checkpoints along the way: a run takes minutes.
public final class StyleClassifierTrainer {
    public let options: ClassifierTrainingOptions
    public let manifest: DatasetManifest
    public let train: ClassifierCorpus
    /// The held-out real pieces, with the training classes.
    public let validation: ClassifierCorpus

    /// Loads the dataset's train and validation splits.
    public init(options: ClassifierTrainingOptions) throws(CadenzaError) {
        try options.validate()
        let manifest = try DatasetManifest.load(from: options.data)
        let train = try ClassifierCorpus(dataset: options.data, manifest: manifest, split: "train")
        guard train.piecesPerClass.filter({ $0 > 0 }).count >= 2 else {
            throw .badInput(file: options.data + "/manifest.json", location: "field splits.train", problem: "the training split holds pieces of fewer than two genres", hint: "a style classifier needs at least two genre folders")
        }
        let validation = try ClassifierCorpus(dataset: options.data, manifest: manifest, split: "validation", classes: train.classes)
        guard !validation.pieces.isEmpty else {
            throw .badInput(file: options.data + "/manifest.json", location: "field splits.validation", problem: "the validation split holds no piece of a trained genre", hint: "rebuild the dataset with a larger --val-fraction")
        }
        self.options = options
        self.manifest = manifest
        self.train = train
        self.validation = validation
    }

    /// The model every view trains.
    public var modelConfiguration: StyleClassifierConfiguration {
        options.model(classCount: train.classes.count, vocabularySize: train.tokenizer.vocabulary.size)
    }

    /// Trains the classifier of `view` from scratch and returns it with each step's loss.
    public func train(view: ClassifierView, progress: (ClassifierTrainingProgress) -> Void = { _ in }) throws(CadenzaError) -> (classifier: ViewClassifier, losses: [Float]) {
        MatrixMultiply.threads = Int32(options.threads)
        let (B, W, K) = (options.batchSize, options.windowTokens, train.classes.count)
        let sampler = ClassifierSampler(corpus: train, view: view, windowTokens: W)
        let model = StyleClassifierModel(configuration: modelConfiguration, seed: options.seed)
        Self.givePitchesStructure(model, vocabulary: train.tokenizer.vocabulary, seed: options.seed)
        let optimizer = AdamW(parameterTable: model.parameterTable, settings: options.adamW)
        let schedule = options.schedule
        let clock = ContinuousClock()
        var seconds = 0.0, losses: [Float] = [], hits: [Double] = []
        for step in 0..<options.steps {
            let started = clock.now
            let batch = sampler.batch(step: step, seed: options.seed, batchSize: B)
            model.zeroGradients()
            let loss = model.forward(tokens: batch.tokens, labels: batch.labels, batchSize: B, sequenceLength: W) ?? .nan
            guard loss.isFinite else { throw diverged(view, step, "the loss is \(loss)") }
            let logits = model.logits
            let correct = (0..<B).filter { b in
                let row = logits[(b * K)..<((b + 1) * K)]
                return row.indices.max { row[$0] < row[$1] }! - b * K == Int(batch.labels[b])
            }.count
            model.backward()
            let norm = GradientClipping.clip(model.gradients.pointer, count: model.gradients.count, maximumNorm: options.gradientClip)
            guard norm.isFinite else { throw diverged(view, step, "the gradient norm is \(norm)") }
            let learningRate = schedule.learningRate(atStep: step)
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer, learningRate: learningRate)
            seconds += Trainer.seconds(clock.now - started)
            losses.append(loss)
            hits.append(Double(correct) / Double(B))
            let recent = losses.suffix(50), recentHits = hits.suffix(50)
            progress(ClassifierTrainingProgress(
                view: view, step: step + 1, totalSteps: options.steps, loss: recent.reduce(0, +) / Float(recent.count),
                accuracy: recentHits.reduce(0, +) / Double(recentHits.count), learningRate: learningRate,
                tokensPerSecond: Double((step + 1) * B * W) / max(seconds, 1e-9), seconds: seconds))
        }
        let tail = losses.suffix(50)
        let record = StyleClassifierMetadata.TrainingRecord(
            steps: options.steps, batchSize: B, learningRate: options.learningRate, warmupSteps: options.effectiveWarmupSteps,
            seed: options.seed, finalLoss: tail.isEmpty ? nil : Double(tail.reduce(0, +)) / Double(tail.count), seconds: seconds)
        let metadata = StyleClassifierMetadata(view: view, model: model.configuration, classes: train.classes, tokenizer: manifest.tokenizer,
                                               training: record, data: .init(manifest: manifest))
        return (ViewClassifier(model: model, metadata: metadata, source: "\(view) classifier"), losses)
    }

    /// Whole-piece predictions of `classifier` on the validation split: every real piece (by
    /// window averaging), and every piece once more corrupted (by `MusicCorruption` i mod 3 for
    /// piece i, seeded by `options.seed`). Stores the metrics in the classifier's metadata.
    /// `progress` gets (pieces done, pieces in all), corrupted copies counted as pieces.
    public func evaluate(_ classifier: ViewClassifier, progress: (Int, Int) -> Void = { _, _ in }) -> ClassifierEvaluation {
        let sampler = ClassifierSampler(corpus: validation, view: classifier.view, windowTokens: classifier.windowTokens)
        let pieces = validation.pieces.indices.filter { !validation.pieces[$0].augmented }
        let kinds = pieces.indices.map { MusicCorruption.allCases[$0 % MusicCorruption.allCases.count] }
        let corrupted = zip(pieces, kinds).map { index, kind in
            var generator = SeededGenerator(seed: options.seed &+ 0xBAD_5EED &+ UInt64(index))
            return sampler.corruptedView(piece: index, kind: kind, &generator)
        }
        let probabilities = classifier.probabilities(viewedPieces: pieces.map { sampler.viewed[$0] } + corrupted,
                                                     maximumWindows: options.evaluationWindows) { progress($0, 2 * pieces.count) }
        var evaluation = ClassifierEvaluation(view: classifier.view, classes: classifier.classes)
        for (i, index) in pieces.enumerated() {
            evaluation.addPiece(label: validation.pieces[index].label, probabilities: probabilities[i])
            evaluation.addCorrupted(kind: kinds[i], probabilities: probabilities[pieces.count + i])
        }
        classifier.metadata.metrics = evaluation.metrics
        return evaluation
    }

    /// Starts each `Pitch` token's embedding as the sum of a pitch-class vector and an octave
    /// vector (√¾ · pc[key mod 12] + √¼ · octave[key / 12], each N(0, 1), so the rows keep the
    /// N(0, 1) scale of `nn.Embedding`), instead of 128 unrelated vectors. Keys an octave apart
    /// then start alike, so intervals and keys (what random or shuffled pitches break) need
    /// not first be discovered from scratch in a short run.
    static func givePitchesStructure(_ model: StyleClassifierModel, vocabulary: Vocabulary, seed: UInt64) {
        guard let table = model.parameterTable.entry(named: "tok.weight") else { return }
        let C = table.shape[1], pitches = vocabulary.range(of: .pitch)
        guard pitches.upperBound <= table.shape[0] else { return }
        var generator = SeededGenerator(seed: seed &+ 0x917C_4E55)
        let classes = (0..<12).map { _ in (0..<C).map { _ in generator.nextNormal() } }
        let octaves = (0..<((pitches.count + 11) / 12)).map { _ in (0..<C).map { _ in generator.nextNormal() } }
        let weight = model.parameters.pointer + table.offset
        for key in 0..<pitches.count {
            let row = weight + (pitches.lowerBound + key) * C
            for c in 0..<C { row[c] = 0.866_025_4 * classes[key % 12][c] + 0.5 * octaves[key / 12][c] }
        }
    }

    private func diverged(_ view: ClassifierView, _ step: Int, _ what: String) -> CadenzaError {
        .badInput(file: options.data, location: "\(view) classifier, step \(step + 1)", problem: "training diverged: \(what)",
                  hint: "lower --lr (now \(options.learningRate)) and train again")
    }
}

/// What `StyleClassifierTrainer.run` reports as it goes.
public enum ClassifierRunEvent: Sendable {
    case training(ClassifierTrainingProgress)
    /// Validation pieces scored so far (real and corrupted copy) of all.
    case evaluating(ClassifierView, done: Int, total: Int)
    /// A classifier file was written.
    case saved(ClassifierView, path: String)
}

/// What `StyleClassifierTrainer.run` produced.
public struct ClassifierRunSummary {
    public var allTokens: (classifier: ViewClassifier, evaluation: ClassifierEvaluation)
    public var instrumentBlind: (classifier: ViewClassifier, evaluation: ClassifierEvaluation)
    /// Share of held-out real pieces whose genre both views predict.
    public var agreement: Double?
    public var reportPath: String
}

extension StyleClassifierTrainer {
    /// The whole of `cadenza train-classifier`: trains both views, evaluates each on the
    /// validation split, and writes `output/all-tokens.safetensors`,
    /// `output/instrument-blind.safetensors` (with the measured metrics in their metadata) and
    /// `output/report.md`. `command` is quoted in the report.
    public func run(output: String, command: String, progress: (ClassifierRunEvent) -> Void = { _ in }) throws(CadenzaError) -> ClassifierRunSummary {
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: output, problem: "cannot create the output folder: \(error.localizedDescription)", hint: "check that -o names a writable place")
        }
        var results: [(classifier: ViewClassifier, evaluation: ClassifierEvaluation)] = []
        for view in [ClassifierView.allTokens, .instrumentBlind] {
            let (classifier, _) = try train(view: view) { progress(.training($0)) }
            let evaluation = evaluate(classifier) { progress(.evaluating(view, done: $0, total: $1)) }
            let path = output + "/" + (view == .allTokens ? StyleClassifier.allTokensFile : StyleClassifier.instrumentBlindFile)
            try classifier.write(to: path)
            progress(.saved(view, path: path))
            results.append((classifier, evaluation))
        }
        let report = ClassifierReport.markdown(allTokens: results[0], instrumentBlind: results[1], dataset: options.data,
                                               command: command, evaluationWindows: options.evaluationWindows)
        let reportPath = output + "/" + StyleClassifier.reportFile
        try AtomicFileWriter.write(Array(report.utf8), to: reportPath)
        return ClassifierRunSummary(allTokens: results[0], instrumentBlind: results[1],
                                    agreement: ClassifierEvaluation.agreement(results[0].evaluation, results[1].evaluation), reportPath: reportPath)
    }
}
