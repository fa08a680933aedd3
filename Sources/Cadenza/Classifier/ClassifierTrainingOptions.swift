import Engine

/// Everything that shapes a style-classifier run (`cadenza train-classifier`'s flags). Both views
/// train with the same options.
public struct ClassifierTrainingOptions: Sendable, Equatable {
    /// Dataset folder written by `cadenza dataset build` (genre-labelled, with a validation split).
    public var data: String
    /// Optimizer updates per view (≥ 1).
    public var steps: Int = ClassifierTrainingOptions.defaultSteps
    /// Windows per batch, B (≥ 1), spread evenly over the classes.
    public var batchSize: Int = 32
    /// Tokens per window, W: the model's context.
    public var windowTokens: Int = 256
    /// Encoder blocks, width, heads and MLP width (`StyleClassifierConfiguration`).
    public var layers: Int = 2
    public var channels: Int = 128
    public var heads: Int = 4
    public var feedForwardChannels: Int = 512
    /// Peak learning rate (> 0); linear warm-up, then cosine decay to a tenth.
    public var learningRate: Float = 1e-3
    /// Warm-up steps (≥ 0); nil: 5% of `steps`.
    public var warmupSteps: Int? = nil
    /// Largest global gradient norm (> 0).
    public var gradientClip: Float = 1
    public var adamW = AdamWSettings()
    /// Fixes the initial weights, every batch and the corrupted validation pieces.
    public var seed: UInt64 = 0
    /// Threads for the matrix products, 0 = every core.
    public var threads: Int = 0
    /// Windows per validation piece at most (evenly spread): bounds the evaluation's cost.
    public var evaluationWindows: Int = 16

    /// 250 updates of 32 windows of 256 tokens (2M tokens per view): both views and their
    /// evaluation took 9 min 22 s on two cores shared with a background training job (about
    /// 8,000 training tokens per second, 28 s per evaluation).
    public static let defaultSteps = 250

    public init(data: String) {
        self.data = data
    }

    /// The warm-up actually used.
    public var effectiveWarmupSteps: Int { warmupSteps ?? min(1_000, steps / 20) }

    public var schedule: LearningRateSchedule {
        LearningRateSchedule(peak: learningRate, warmupSteps: effectiveWarmupSteps, totalSteps: max(1, steps))
    }

    /// The model for `classCount` classes and a vocabulary of `vocabularySize` ids (the
    /// presets' 512, or more for a larger tokenizer).
    public func model(classCount: Int, vocabularySize: Int) -> StyleClassifierConfiguration {
        StyleClassifierConfiguration(vocabularySize: max(512, vocabularySize), classCount: classCount, contextLength: windowTokens,
                                     layers: layers, channels: channels, heads: heads, feedForwardChannels: feedForwardChannels)
    }

    /// Checks every field, naming the flag of the first that is out of range.
    public func validate() throws(CadenzaError) {
        func check(_ ok: Bool, _ field: String, _ problem: String) throws(CadenzaError) {
            if !ok { throw .invalidSetting(field: field, problem: problem, hint: "see `cadenza train-classifier --help`") }
        }
        try check(steps >= 1, "steps", "must be at least 1")
        try check(batchSize >= 1, "batch-size", "must be at least 1")
        try check((1...8_192).contains(windowTokens), "window", "must be in 1...8192 tokens")
        try check((1...64).contains(layers), "layers", "must be in 1...64")
        try check((1...4_096).contains(channels) && heads >= 1 && channels % heads == 0, "channels", "must be in 1...4096 and divisible by the heads (\(heads))")
        try check((1...16_384).contains(feedForwardChannels), "feed-forward", "must be in 1...16384")
        try check(learningRate > 0 && learningRate.isFinite, "lr", "must be a positive number")
        try check((warmupSteps ?? 0) >= 0, "warmup", "must not be negative")
        try check(gradientClip > 0, "gradient-clip", "must be positive")
        try check(threads >= 0, "threads", "must not be negative")
        try check(evaluationWindows >= 1, "evaluation-windows", "must be at least 1")
    }
}
