import Engine
import Foundation
import Tokenization

/// What the trainer reports after every step, validation and save.
public struct TrainingProgress: Sendable {
    public enum Event: Sendable, Equatable {
        case step
        case validated
        /// A checkpoint was written into this folder.
        case saved(String)
    }

    public var event: Event
    /// Updates done so far (1-based after the first).
    public var step: Int
    public var totalSteps: Int
    /// The step this run started from (0, or the resumed checkpoint's).
    public var firstStep: Int
    /// The last step's mean cross-entropy, nats per token.
    public var trainLoss: Float?
    /// The latest validation loss.
    public var validationLoss: Float?
    public var learningRate: Float
    /// Window tokens (B · T per step) per second of training steps in this run.
    public var tokensPerSecond: Double
    /// Seconds spent in training steps in this run.
    public var trainingSeconds: Double
}

/// How a run ended.
public struct TrainingSummary: Sendable {
    public var firstStep: Int
    public var lastStep: Int
    /// Losses of steps firstStep + 1 … lastStep, in order.
    public var stepLosses: [Float]
    /// (step, loss) of every validation in this run.
    public var validationLosses: [(step: Int, loss: Float)]
    /// True when `shouldStop` ended the run early (Ctrl-C); a checkpoint was saved first.
    public var interrupted: Bool
    /// The folder of the last checkpoint written (nil when none was).
    public var lastCheckpoint: String?
    public var tokensPerSecond: Double
}

/// Trains a model on a built dataset: `cadenza train`.
///
/// One step is: draw batch (seed, step) → zero gradients → forward → backward (gradients in one
/// flat buffer) → `gradientReduction` (where an all-reduce across data-parallel processes would
/// average them; none in one process) → check for NaN/∞ → global-norm clip → AdamW with the
/// scheduled learning rate. Validation runs every `validateEvery` steps and at the end;
/// checkpoints every `saveEvery` steps, at the end, and when `shouldStop` says so.
///
/// A NaN or infinite loss or gradient stops the run with `CadenzaError.badInput` before the
/// update, naming the step; checkpoints already written stay untouched (and a model with
/// non-finite weights is never saved).
public final class Trainer {
    public let options: TrainingOptions
    public let manifest: DatasetManifest
    public let model: any LanguageModel
    public let optimizer: AdamW
    /// Updates done so far.
    public private(set) var step: Int
    /// The per-step record behind loss.csv and loss.svg.
    public private(set) var log: TrainingLog
    /// Called after backward with the flat gradients and the 0-based step: the place for an
    /// all-reduce (average over processes) in data-parallel training. Nil, a no-op, in one
    /// process; tests use it to inject faults.
    public var gradientReduction: ((_ gradients: UnsafeMutableBufferPointer<Float>, _ step: Int) -> Void)?

    let trainBatcher: TrainingBatcher
    let validationBatches: [TrainingBatch]
    let checkpoints: CheckpointFolder
    private var metrics = CheckpointMetadata.TrainingMetrics()
    private var lastCheckpoint: String?

    /// Prepares a run: loads the dataset, and builds the model fresh (from `options.seed`),
    /// from `options.initFrom` (weights only; the architecture must match `options.model`), or,
    /// with `resume`, from the latest checkpoint in `options.output` (weights, optimizer, step,
    /// log), whose run-shaping options must equal `options` (see `resumeConflicts`).
    public init(options: TrainingOptions, resume: Bool = false) throws(CadenzaError) {
        // Built in locals first: a class may not read its own properties before all are set.
        try options.validate()
        let manifest = try DatasetManifest.load(from: options.data)
        let manifestPath = options.data + "/manifest.json"
        let vocabulary = Vocabulary.size(of: manifest.tokenizer)
        guard options.model.vocabularySize >= vocabulary else {
            throw .badInput(file: manifestPath, location: "field tokenizer", problem: "the tokenizer has \(vocabulary) ids, more than the model's vocabulary of \(options.model.vocabularySize)", hint: "build the dataset with the default tokenizer or enlarge the model")
        }
        let train = try TrainingBatcher(dataset: options.data, manifest: manifest, split: "train", sequenceLength: options.sequenceLength)
        guard train.documentCount > 0 else {
            throw .badInput(file: manifestPath, location: "field splits.train", problem: "the training split holds no documents", hint: "build the dataset from more MIDI files")
        }
        let validation = manifest.splits["validation"] == nil ? nil
            : try TrainingBatcher(dataset: options.data, manifest: manifest, split: "validation", sequenceLength: options.sequenceLength)
        let largestGenre = max(train.largestGenre, validation?.largestGenre ?? -1)
        guard largestGenre < options.model.genreCount else {
            throw .badInput(file: manifestPath, location: "field tokenizer.genres", problem: "genre slot \(largestGenre) does not fit the model's \(options.model.genreCount) genre slots", hint: "use fewer genres")
        }
        let checkpoints = CheckpointFolder(options.output)
        let existing = try checkpoints.latest()

        let model: any LanguageModel
        let optimizer: AdamW
        if resume {
            guard let existing else {
                throw .badInput(file: options.output, location: nil, problem: "holds no checkpoint to resume (no `latest` pointer)", hint: "start without --resume, or name the folder of an earlier run with -o")
            }
            let loaded = try Checkpoint.readModel(existing + "/" + Checkpoint.modelFile)
            let stored = loaded.metadata.training
            let conflicts = options.resumeConflicts(with: stored.options)
            guard conflicts.isEmpty else {
                throw .badInput(file: loaded.path, location: "__metadata__.training", problem: "the checkpoint was trained with other \(conflicts.joined(separator: ", "))", hint: "leave those options out, or give the values the checkpoint holds, to resume")
            }
            try Self.checkTokenizer(loaded.metadata.tokenizer, against: manifest.tokenizer, file: loaded.path, exact: true)
            model = loaded.model
            optimizer = AdamW(parameterTable: model.parameterTable, settings: options.adamW)
            try Checkpoint.readOptimizer(existing + "/" + Checkpoint.optimizerFile, into: optimizer, trainingStep: stored.step)
            step = stored.step
            metrics = loaded.metadata.metrics
            log = try TrainingLog.load(options.output + "/loss.csv", throughStep: stored.step)
            lastCheckpoint = existing
        } else {
            if let existing {
                throw .badInput(file: options.output, location: nil, problem: "already holds a training run (\(existing.split(separator: "/").last ?? ""))", hint: "add --resume to continue it, or choose another -o folder")
            }
            if let initFrom = options.initFrom {
                let loaded = try Checkpoint.readModel(initFrom)
                guard loaded.metadata.model == options.model else {
                    throw .badInput(file: loaded.path, location: "__metadata__.model", problem: "is \(loaded.metadata.model.summary), but this run trains \(options.model.summary)", hint: "leave out --arch/--preset/sizes to fine-tune the checkpoint's own architecture")
                }
                try Self.checkTokenizer(loaded.metadata.tokenizer, against: manifest.tokenizer, file: loaded.path, exact: false)
                model = loaded.model
            } else {
                model = options.model.makeModel(seed: options.seed)
            }
            optimizer = AdamW(parameterTable: model.parameterTable, settings: options.adamW)
            step = 0
            log = TrainingLog()
        }
        self.options = options
        self.manifest = manifest
        self.model = model
        self.optimizer = optimizer
        self.trainBatcher = train
        self.validationBatches = validation.map { $0.documentCount == 0 ? [] : $0.validationBatches(batchSize: options.batchSize, maximumWindows: options.validationWindows) } ?? []
        self.checkpoints = checkpoints
    }

    /// Token ids must mean the same: an equal tokenizer config, except that for fine-tuning
    /// (`exact` false) the dataset may add genres after the checkpoint's (same slots, same order).
    static func checkTokenizer(_ checkpoint: TokenizerConfig, against dataset: TokenizerConfig, file: String, exact: Bool) throws(CadenzaError) {
        var a = checkpoint, b = dataset
        let genresFit = exact ? a.genres == b.genres : b.genres.starts(with: a.genres)
        a.genres = []
        b.genres = []
        guard a == b, genresFit else {
            throw .badInput(file: file, location: "__metadata__.tokenizer", problem: "the checkpoint's tokenizer config differs from the dataset's", hint: "build the dataset with the tokenizer the checkpoint was trained with")
        }
    }

    /// Trains until `options.steps`, or until `shouldStop` (checked after every step) returns
    /// true, in which case a checkpoint is saved and the summary says `interrupted`.
    public func run(progress: (TrainingProgress) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws(CadenzaError) -> TrainingSummary {
        MatrixMultiply.threads = Int32(options.threads)
        do {
            try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: options.output, problem: "cannot create the output folder: \(error.localizedDescription)", hint: "check that -o names a writable place")
        }
        let (B, T) = (options.batchSize, options.sequenceLength)
        let schedule = options.schedule
        let firstStep = step
        let clock = ContinuousClock()
        var seconds = 0.0
        var summary = TrainingSummary(firstStep: firstStep, lastStep: step, stepLosses: [], validationLosses: [], interrupted: false, lastCheckpoint: lastCheckpoint, tokensPerSecond: 0)
        var report = TrainingProgress(event: .step, step: step, totalSteps: options.steps, firstStep: firstStep,
                                      trainLoss: metrics.trainLoss.map(Float.init), validationLoss: metrics.validationLoss.map(Float.init),
                                      learningRate: 0, tokensPerSecond: 0, trainingSeconds: 0)
        let gradients = model.gradients
        while step < options.steps {
            let started = clock.now
            let batch = trainBatcher.batch(step: step, seed: options.seed, batchSize: B, genreDropout: options.genreDropout)
            model.zeroGradients()
            let loss = model.forward(tokens: batch.tokens, genres: batch.genres, targets: batch.targets,
                                     ignoredTarget: TrainingBatch.ignoredTarget, batchSize: B, sequenceLength: T) ?? .nan
            guard loss.isFinite else { throw diverged("the loss is \(loss)") }
            model.backward()
            gradientReduction?(gradients.buffer, step)
            let norm = GradientClipping.clip(gradients.pointer, count: gradients.count, maximumNorm: options.gradientClip)
            guard norm.isFinite else { throw diverged("the gradient norm is \(norm)") }
            let learningRate = schedule.learningRate(atStep: step)
            optimizer.update(parameters: model.parameters.pointer, gradients: gradients.pointer, learningRate: learningRate)
            step += 1
            seconds += Self.seconds(clock.now - started)

            let rate = Double((step - firstStep) * B * T) / max(seconds, 1e-9)
            summary.stepLosses.append(loss)
            metrics.trainLoss = Double(loss)
            log.append(.init(step: step, trainLoss: loss, validationLoss: nil, learningRate: learningRate, tokensPerSecond: rate))
            (report.step, report.trainLoss, report.learningRate, report.tokensPerSecond, report.trainingSeconds) = (step, loss, learningRate, rate, seconds)
            report.event = .step
            progress(report)

            if step % options.validateEvery == 0 || step == options.steps, let validationLoss = validate() {
                metrics.validationLoss = Double(validationLoss)
                metrics.validationStep = step
                log.setValidationLoss(validationLoss, step: step)
                summary.validationLosses.append((step, validationLoss))
                report.validationLoss = validationLoss
                report.event = .validated
                progress(report)
                try log.write(into: options.output)
            }
            let stop = step < options.steps && shouldStop()
            if step % options.saveEvery == 0 || step == options.steps || stop {
                let folder = try save()
                summary.lastCheckpoint = folder
                report.event = .saved(folder)
                progress(report)
            }
            if stop {
                summary.interrupted = true
                break
            }
        }
        summary.lastStep = step
        summary.tokensPerSecond = report.tokensPerSecond
        try log.write(into: options.output)
        return summary
    }

    /// Mean validation cross-entropy over the fixed windows, weighted by counted targets; nil
    /// when the dataset has no validation split.
    public func validate() -> Float? {
        var total = 0.0, counted = 0
        for batch in validationBatches where batch.countedTargets > 0 {
            let loss = model.forward(tokens: batch.tokens, genres: batch.genres, targets: batch.targets,
                                     ignoredTarget: TrainingBatch.ignoredTarget, batchSize: batch.batchSize, sequenceLength: batch.sequenceLength) ?? .nan
            total += Double(loss) * Double(batch.countedTargets)
            counted += batch.countedTargets
        }
        return counted == 0 ? nil : Float(total / Double(counted))
    }

    /// Writes the checkpoint of the current step and points `latest` at it.
    @discardableResult
    public func save() throws(CadenzaError) -> String {
        let folder = try checkpoints.prepare(step: step)
        let metadata = CheckpointMetadata(model: options.model, tokenizer: manifest.tokenizer,
                                          training: .init(options: options, step: step),
                                          data: .init(manifest: manifest), metrics: metrics)
        guard Checkpoint.allFinite(model.parameters) else { throw diverged("the weights hold NaN or infinity") }
        try Checkpoint.writeModel(model, metadata: metadata, to: folder + "/" + Checkpoint.modelFile)
        try Checkpoint.writeOptimizer(optimizer, trainingStep: step, to: folder + "/" + Checkpoint.optimizerFile)
        try checkpoints.markLatest(step: step)
        try log.write(into: options.output)
        lastCheckpoint = folder
        return folder
    }

    /// The error that stops a diverged run, after saving the log so far.
    private func diverged(_ what: String) -> CadenzaError {
        try? log.write(into: options.output)
        let kept = lastCheckpoint.map { "the last good checkpoint \($0) is kept" } ?? "no checkpoint had been written yet"
        return .badInput(file: options.output, location: "step \(step + 1)", problem: "training diverged: \(what)",
                         hint: "\(kept); lower --lr (now \(options.learningRate)) or lengthen --warmup and train again, or --init-from that checkpoint")
    }

    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }
}
