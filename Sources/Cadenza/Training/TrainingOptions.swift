import Engine
import Foundation

/// Everything that shapes a training run (`cadenza train`'s flags). Stored in every checkpoint
/// (the `training` metadata), so a run can be resumed or reproduced from the checkpoint alone.
public struct TrainingOptions: Sendable, Equatable, Codable {
    /// Dataset folder written by `cadenza dataset build`.
    public var data: String
    /// Output folder: checkpoints, `loss.csv`, `loss.svg`.
    public var output: String
    public var model: ModelConfiguration
    /// Optimizer updates in the whole run (≥ 1).
    public var steps: Int
    /// Windows per batch, B (≥ 1).
    public var batchSize: Int = 64
    /// Tokens per window, T (the model sees T inputs and predicts T targets).
    public var sequenceLength: Int = 512
    /// Peak learning rate (> 0).
    public var learningRate: Float = 1e-3
    /// Linear warm-up steps (≥ 0).
    public var warmupSteps: Int
    /// The cosine decay's floor as a share of the peak, in [0, 1].
    public var learningRateFloor: Float = 0.1
    public var adamW = AdamWSettings()
    /// Largest global gradient norm (> 0); larger gradients are scaled down.
    public var gradientClip: Float = 1
    /// Validate every this many steps (≥ 1); the last step is always validated.
    public var validateEvery: Int = 100
    /// Windows in the fixed validation set (≥ 1).
    public var validationWindows: Int = 128
    /// Save a checkpoint every this many steps (≥ 1); the last step is always saved.
    public var saveEvery: Int = 500
    /// Probability in [0, 1] that a training window's genre becomes `unconditional` (slot 0).
    public var genreDropout: Float = 0.1
    /// Fixes the initial weights and every batch (batches are a function of seed and step).
    public var seed: UInt64 = 0
    /// Threads for the matrix products, 0 = every core. Results do not depend on it.
    public var threads: Int = 0
    /// A checkpoint whose weights start this run (fine-tuning); the optimizer starts fresh.
    public var initFrom: String? = nil

    public init(data: String, output: String, model: ModelConfiguration, steps: Int, warmupSteps: Int? = nil) {
        self.data = data
        self.output = output
        self.model = model
        self.steps = steps
        self.warmupSteps = warmupSteps ?? Self.defaultWarmup(steps: steps)
    }

    /// 5% of the run, at most 1,000 steps.
    public static func defaultWarmup(steps: Int) -> Int {
        min(1_000, max(0, steps / 20))
    }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: max(1, steps), floorFraction: learningRateFloor)
    }

    /// Checks ranges and cross-field rules; the error names the option.
    public func validate() throws(CadenzaError) {
        func bad(_ option: String, _ problem: String, _ hint: String = "") -> CadenzaError {
            .badInput(file: "cadenza train", location: option, problem: problem, hint: hint)
        }
        guard steps >= 1 else { throw bad("--steps", "must be at least 1, got \(steps)") }
        guard batchSize >= 1 else { throw bad("--batch-size", "must be at least 1, got \(batchSize)") }
        guard sequenceLength >= 1 else { throw bad("--seq-len", "must be at least 1, got \(sequenceLength)") }
        if let context = model.contextLength, sequenceLength > context {
            throw bad("--seq-len", "\(sequenceLength) is longer than the model's context of \(context) tokens", "use --seq-len \(context) or less")
        }
        guard learningRate > 0, learningRate.isFinite else { throw bad("--lr", "must be a positive number, got \(learningRate)") }
        guard warmupSteps >= 0 else { throw bad("--warmup", "must be at least 0, got \(warmupSteps)") }
        guard (0...1).contains(learningRateFloor) else { throw bad("learning-rate floor", "must be in [0, 1]") }
        guard (0..<1).contains(adamW.beta1), (0..<1).contains(adamW.beta2), adamW.epsilon > 0, adamW.weightDecay >= 0 else {
            throw bad("AdamW settings", "betas must be in [0, 1), epsilon positive, weight decay non-negative")
        }
        guard gradientClip > 0 else { throw bad("gradient clip", "must be positive") }
        guard validateEvery >= 1 else { throw bad("--val-every", "must be at least 1, got \(validateEvery)") }
        guard validationWindows >= 1 else { throw bad("validation windows", "must be at least 1") }
        guard saveEvery >= 1 else { throw bad("--save-every", "must be at least 1, got \(saveEvery)") }
        guard (0...1).contains(genreDropout) else { throw bad("--genre-dropout", "must be in [0, 1], got \(genreDropout)") }
        guard threads >= 0 else { throw bad("--threads", "must be 0 (all cores) or more") }
    }

    /// The options a resumed run must share with the run that wrote the checkpoint for its
    /// losses to continue exactly; returns the names of those that differ. `steps`, the
    /// intervals, `threads` and the paths may change (a changed `steps` moves the schedule).
    public func resumeConflicts(with stored: TrainingOptions) -> [String] {
        var conflicts: [String] = []
        if model != stored.model { conflicts.append("model (--arch/--preset/sizes)") }
        if batchSize != stored.batchSize { conflicts.append("--batch-size") }
        if sequenceLength != stored.sequenceLength { conflicts.append("--seq-len") }
        if learningRate != stored.learningRate { conflicts.append("--lr") }
        if warmupSteps != stored.warmupSteps { conflicts.append("--warmup") }
        if learningRateFloor != stored.learningRateFloor || adamW != stored.adamW || gradientClip != stored.gradientClip {
            conflicts.append("optimizer settings")
        }
        if genreDropout != stored.genreDropout { conflicts.append("--genre-dropout") }
        if seed != stored.seed { conflicts.append("--seed") }
        if validationWindows != stored.validationWindows { conflicts.append("validation windows") }
        return conflicts
    }
}
