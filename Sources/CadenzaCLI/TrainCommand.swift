import ArgumentParser
import Cadenza
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the SIGINT handler, read by the training loop after each step. A signal handler may
/// only touch a plain global like this one (no locks, no allocation).
nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a genre-conditioned model on a built dataset.",
        discussion: """
            Fresh run:    cadenza train --data data/ --arch transformer --preset small -o runs/a --steps 20000
            Continue it:  cadenza train -o runs/a --resume            (exactly the losses of an uninterrupted run)
            Fine-tune:    cadenza train --data genre-data/ --init-from runs/pretrain -o runs/ft --steps 2000

            Each step trains on --batch-size windows of --seq-len tokens drawn from the training
            split (a function of --seed and the step), with AdamW (β 0.9/0.999, weight decay 0.01
            on matrices and embeddings), linear warm-up then cosine decay to 10% of --lr, and
            gradients clipped to norm 1. With probability --genre-dropout a window trains as
            'unconditional', for classifier-free guidance at generation time.

            Output folder: step-NNNNNN/model.safetensors (weights + metadata, readable by Python's
            safetensors), step-NNNNNN/optimizer.safetensors, `latest` (the newest complete
            checkpoint), loss.csv and loss.svg. Ctrl-C saves a checkpoint and exits; a second
            Ctrl-C quits at once. A NaN or infinite loss stops the run and keeps the last good
            checkpoint.

            With --resume, the options that shape the run come from the checkpoint; --steps,
            --val-every, --save-every and --threads may change (a new --steps reshapes the
            learning-rate decay). --init-from loads weights only and refuses another architecture.
            """)

    @Option(help: "Dataset folder from `cadenza dataset build` (with --resume: defaults to the checkpoint's).")
    var data: String?

    @Option(help: "Architecture: transformer or lstm-attention (default with --init-from: the checkpoint's).")
    var arch: ModelConfiguration.Architecture?

    @Option(help: "Size: small or medium (the PyTorch reference models).")
    var preset: ModelConfiguration.Preset?

    @Option(help: "Custom size: number of layers (transformer blocks or LSTM layers).")
    var layers: Int?

    @Option(help: "Custom size: model width (transformer channels, LSTM hidden size).")
    var channels: Int?

    @Option(help: "Custom size: attention heads (transformer; must divide --channels).")
    var heads: Int?

    @Option(name: [.short, .customLong("output")], help: "Output folder for checkpoints, loss.csv and loss.svg.")
    var output: String

    @Option(help: "Optimizer updates in the whole run (required unless --resume).")
    var steps: Int?

    @Option(name: .customLong("batch-size"), help: "Windows per step. [default: 64]")
    var batchSize: Int?

    @Option(name: .customLong("seq-len"), help: "Tokens per window (at most the model's context, 512 for the presets). [default: 512]")
    var sequenceLength: Int?

    @Option(help: "Peak learning rate. [default: 0.001]")
    var lr: Float?

    @Option(help: "Linear warm-up steps. [default: 5% of --steps, at most 1000]")
    var warmup: Int?

    @Option(name: .customLong("val-every"), help: "Validate every N steps (and at the end). [default: 100]")
    var validateEvery: Int?

    @Option(name: .customLong("save-every"), help: "Save a checkpoint every N steps (and at the end). [default: 500]")
    var saveEvery: Int?

    @Flag(help: "Continue the run in -o from its latest checkpoint.")
    var resume = false

    @Option(name: .customLong("init-from"), help: "Start from a checkpoint's weights (folder, model.safetensors, or run folder); fresh optimizer.")
    var initFrom: String?

    @Option(name: .customLong("genre-dropout"), help: "Probability that a window trains as 'unconditional'. [default: 0.1]")
    var genreDropout: Float?

    @Option(help: "Seed for the initial weights and the batches. [default: 0]")
    var seed: UInt64?

    @Option(help: "Arithmetic: fp32 only for now (bf16 matrix products are not implemented yet).")
    var precision: String = "fp32"

    @Option(help: "Threads for matrix products; 0 = all cores. Results do not depend on it. [default: 0]")
    var threads: Int?

    func validate() throws {
        if precision != "fp32" {
            throw ValidationError("--precision \(precision) is not supported yet; only fp32 trains for now")
        }
        if resume && initFrom != nil { throw ValidationError("--resume and --init-from exclude each other") }
        if !resume && data == nil { throw ValidationError("--data is required (the output folder of `cadenza dataset build`)") }
        if !resume && steps == nil { throw ValidationError("--steps is required") }
        if !resume && initFrom == nil && arch == nil { throw ValidationError("--arch transformer|lstm-attention is required (or --init-from a checkpoint)") }
        if heads != nil && arch == .lstmAttention { throw ValidationError("--heads applies to the transformer only") }
        if arch == nil && (preset != nil || layers != nil || channels != nil || heads != nil) {
            throw ValidationError("--preset, --layers, --channels and --heads need --arch")
        }
        for (name, value) in [("--layers", layers), ("--channels", channels), ("--heads", heads)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        if let channels, let heads, channels % heads != 0 { throw ValidationError("--channels \(channels) must be divisible by --heads \(heads)") }
    }

    /// The model the flags ask for: a preset, with --layers/--channels/--heads overriding its sizes.
    func requestedModel() throws -> ModelConfiguration? {
        guard let arch else { return nil }
        switch ModelConfiguration(architecture: arch, preset: preset ?? .small) {
        case .transformer(var c):
            c.layers = layers ?? c.layers
            if let channels {
                c.channels = channels
                c.feedForwardChannels = 4 * channels
            }
            c.heads = heads ?? c.heads
            guard c.channels % c.heads == 0 else { throw ValidationError("channels \(c.channels) are not divisible by heads \(c.heads); give --heads") }
            return .transformer(c)
        case .lstmAttention(var c):
            c.layers = layers ?? c.layers
            c.hiddenSize = channels ?? c.hiddenSize
            return .lstmAttention(c)
        }
    }

    func makeOptions() throws -> TrainingOptions {
        var options: TrainingOptions
        if resume {
            guard let latest = try CheckpointFolder(output).latest() else {
                throw CadenzaError.badInput(file: output, location: nil, problem: "holds no checkpoint to resume (no `latest` pointer)", hint: "start without --resume")
            }
            options = try Checkpoint.readModel(latest).metadata.training.options
            options.output = output
            // Explicit flags override; the trainer refuses those that would change the run.
            if let model = try requestedModel() { options.model = model }
        } else {
            let model: ModelConfiguration
            if let requested = try requestedModel() {
                model = requested
            } else {
                model = try Checkpoint.readModel(initFrom!).metadata.model
            }
            options = TrainingOptions(data: data!, output: output, model: model, steps: steps!, warmupSteps: warmup)
            options.initFrom = initFrom
        }
        if let data { options.data = data }
        if let steps { options.steps = steps }
        if let batchSize { options.batchSize = batchSize }
        if let sequenceLength { options.sequenceLength = sequenceLength }
        if let lr { options.learningRate = lr }
        if let warmup { options.warmupSteps = warmup }
        if let validateEvery { options.validateEvery = validateEvery }
        if let saveEvery { options.saveEvery = saveEvery }
        if let genreDropout { options.genreDropout = genreDropout }
        if let seed { options.seed = seed }
        if let threads { options.threads = threads }
        return options
    }

    func run() throws {
        let options = try makeOptions()
        let trainer = try Trainer(options: options, resume: resume)
        if trainer.step >= options.steps {
            Terminal.note("train: \(output) is already at step \(trainer.step); give a larger --steps to train on")
            return
        }
        let startNote = resume ? "resuming at step \(trainer.step)" : (options.initFrom.map { "from \($0)" } ?? "from scratch")
        Terminal.note("train: \(options.model.summary), \(startNote); \(options.steps) steps of \(options.batchSize)×\(options.sequenceLength) tokens")

        interruptRequested = 0
        signal(SIGINT) { _ in
            interruptRequested = 1
            signal(SIGINT, SIG_DFL)  // a second Ctrl-C ends the process at once
        }
        defer { signal(SIGINT, SIG_DFL) }

        let bar = ProgressBar(label: "train", total: max(1, options.steps - trainer.step))
        var validationText = "–"
        let summary = try trainer.run(progress: { p in
            if let v = p.validationLoss { validationText = String(format: "%.4f", Double(v)) }
            // The last step also validates and saves: draw it once, after the save, with its
            // validation loss.
            var isSave = false
            if case .saved = p.event { isSave = true }
            if p.step == p.totalSteps && !isSave { return }
            let loss = p.trainLoss.map { String(format: "%.4f", Double($0)) } ?? "–"
            bar.update(done: p.step - p.firstStep,
                       detail: "step \(p.step) loss \(loss) val \(validationText) lr \(String(format: "%.2e", Double(p.learningRate))) \(Int(p.tokensPerSecond)) tok/s")
        }, shouldStop: { interruptRequested != 0 })

        let last = summary.lastCheckpoint ?? "(none)"
        let lossText = summary.stepLosses.last.map { String(format: "%.4f", Double($0)) } ?? "–"
        let validationLine = summary.validationLosses.last.map { String(format: "%.4f (step %d)", Double($0.loss), $0.step) } ?? "–"
        if summary.interrupted {
            Terminal.note("\ninterrupted at step \(summary.lastStep); checkpoint saved in \(last). Continue with: cadenza train -o \(options.output) --resume")
        }
        Terminal.print("""
            \(options.output): step \(summary.lastStep) of \(options.steps)
              train loss       \(lossText)
              validation loss  \(validationLine)
              speed            \(Int(summary.tokensPerSecond)) tokens/s
              checkpoint       \(last)
              log              \(options.output)/loss.csv, \(options.output)/loss.svg
            """)
    }
}

extension ModelConfiguration.Architecture: ExpressibleByArgument {}
extension ModelConfiguration.Preset: ExpressibleByArgument {}
