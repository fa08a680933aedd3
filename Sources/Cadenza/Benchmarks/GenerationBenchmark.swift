import Engine
import Foundation

/// Times batch-1 generation per token the way `../shared/reference/pytorch/bench_models.py gen`
/// times PyTorch's, so `cadenza bench generate` can print both side by side.
///
/// The protocol is the reference script's: freshly initialised weights (no checkpoint, so no
/// file reading is timed), a short untimed warm-up of `warmupTokens`, then `runs` runs that each
/// start from an empty cache with the BOS token (id 0) under genre slot 3 and produce `newTokens`
/// tokens, one decoder step plus one temperature-1 sample from all `vocabularySize` logits per
/// token; each token's latency (step + sampling) is recorded. A run is the mean, p50 and p99 of
/// its latencies; the result is the median run of each. A run during which other processes used
/// more than 0.15 cores is measured again (at most 5 times), after waiting up to `idleTimeout`
/// seconds for an idle machine.
public enum GenerationBenchmark {
    public struct Settings: Sendable, Codable, Equatable {
        /// Tokens generated per run (1 ... the decoder's context, 512).
        public var newTokens = 512
        /// Timed runs (≥ 1); the result is their median.
        public var runs = 3
        /// Tokens of the untimed warm-up run.
        public var warmupTokens = 32
        /// Threads for the matrix-vector products (0 = every core); the reference runs 2.
        public var threads = 2
        /// Genre slot of every step, the reference's `genre = 3`.
        public var genre = 3
        /// Seconds to wait for an idle machine before each run; 0 neither waits nor
        /// re-measures busy runs (smoke runs on a busy machine).
        public var idleTimeout: Double = 600
        /// Seed of the weights.
        public var weightSeed: UInt64 = 0

        public init() {}
    }

    /// One timed run's latencies, milliseconds per token.
    public struct Run: Sendable, Codable {
        public var meanMilliseconds: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        /// The first token's latency (an empty cache).
        public var firstMilliseconds: Double
        /// Mean of the last 64 tokens (the longest attention spans).
        public var last64MeanMilliseconds: Double
        public var totalSeconds: Double
        /// Other processes' CPU use during the run, in cores.
        public var foreignCores: Double
    }

    public struct Result: Sendable, Codable {
        public var configuration: String
        public var int8: Bool
        public var parameters: Int
        public var newTokens: Int
        public var threads: Int
        public var runs: [Run]
        public var retries: Int
        /// Medians over the runs, milliseconds per token.
        public var meanMilliseconds: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        /// The first 16 tokens of the last run (evidence that sampling drew from real logits).
        public var firstTokens: [Int]

        public var tokensPerSecond: Double { 1000 / meanMilliseconds }
    }

    /// A decoder over fresh weights of `configuration` (int8 matrices when asked), as
    /// `GenerationModel.makeDecoder` builds them for a loaded checkpoint.
    public static func makeDecoder(_ configuration: ModelConfiguration, int8: Bool, seed: UInt64) -> (any IncrementalDecoder, parameters: Int) {
        switch configuration {
        case .transformer(let c):
            let model = TransformerModel(configuration: c, seed: seed)
            return (TransformerDecoder(model: model, int8: int8), model.parameterCount)
        case .lstmAttention(let c):
            let model = LSTMAttentionModel(configuration: c, seed: seed)
            return (LSTMAttentionDecoder(model: model, int8: int8), model.parameterCount)
        }
    }

    public static func run(_ configuration: ModelConfiguration, name: String, int8: Bool, settings s: Settings) throws(CadenzaError) -> Result {
        guard s.runs >= 1, s.newTokens >= 1, s.warmupTokens >= 0 else {
            throw .invalidSetting(field: "bench generate", problem: "runs and new tokens must be at least 1", hint: "")
        }
        guard s.genre >= 0 && s.genre < configuration.genreCount else {
            throw .invalidSetting(field: "genre", problem: "slot \(s.genre) is outside the model's \(configuration.genreCount) genre slots", hint: "")
        }
        MatrixMultiply.threads = Int32(s.threads)
        let (decoder, parameters) = makeDecoder(configuration, int8: int8, seed: s.weightSeed)
        guard s.newTokens <= decoder.contextLength && s.warmupTokens <= decoder.contextLength else {
            throw .invalidSetting(field: "tokens", problem: "\(s.newTokens) new tokens do not fit the decoder's context of \(decoder.contextLength)", hint: "ask for \(decoder.contextLength) or fewer")
        }
        let allowed = [Bool](repeating: true, count: decoder.vocabularySize)
        let sampling = SamplingSettings(temperature: 1)
        var sampler = Sampler()
        let clock = ContinuousClock()

        /// Generates `count` tokens from BOS into `tokens`, with each one's latency in seconds.
        func generate(_ count: Int, seed: UInt64, latencies: inout [Double], tokens: inout [Int]) {
            var generator = SeededGenerator(seed: seed)
            decoder.reset()
            var token = 0  // BOS
            latencies.removeAll(keepingCapacity: true)
            tokens.removeAll(keepingCapacity: true)
            for _ in 0..<count {
                let start = clock.now
                let logits = decoder.step(token: token, genre: s.genre)
                // Every token is allowed and the logits of random weights are finite, so a token always comes.
                token = sampler.sample(logits: logits, allowed: allowed, settings: sampling, generator: &generator) ?? 0
                latencies.append(MachineLoad.seconds(clock.now - start))
                tokens.append(token)
            }
        }

        var latencies: [Double] = [], tokens: [Int] = []
        latencies.reserveCapacity(s.newTokens)
        tokens.reserveCapacity(s.newTokens)
        generate(s.warmupTokens, seed: 99, latencies: &latencies, tokens: &tokens)
        var runs: [Run] = [], retries = 0
        while runs.count < s.runs {
            if s.idleTimeout > 0 { MachineLoad.waitIdle(timeout: s.idleTimeout) }
            let meter = MachineLoad.Meter()
            generate(s.newTokens, seed: 100 + UInt64(runs.count), latencies: &latencies, tokens: &tokens)
            let busy = meter.foreignCores()
            if s.idleTimeout > 0 && busy > 0.15 && retries < 5 {
                retries += 1
                continue
            }
            let sorted = latencies.sorted(), n = latencies.count, last = latencies.suffix(64)
            runs.append(Run(
                meanMilliseconds: 1e3 * latencies.reduce(0, +) / Double(n), p50Milliseconds: 1e3 * sorted[n / 2],
                p99Milliseconds: 1e3 * sorted[min(n - 1, Int(0.99 * Double(n)))], firstMilliseconds: 1e3 * latencies[0],
                last64MeanMilliseconds: 1e3 * last.reduce(0, +) / Double(last.count), totalSeconds: latencies.reduce(0, +),
                foreignCores: busy))
        }
        func median(_ value: (Run) -> Double) -> Double { runs.map(value).sorted()[runs.count / 2] }
        return Result(
            configuration: name, int8: int8, parameters: parameters, newTokens: s.newTokens, threads: s.threads, runs: runs,
            retries: retries, meanMilliseconds: median(\.meanMilliseconds), p50Milliseconds: median(\.p50Milliseconds),
            p99Milliseconds: median(\.p99Milliseconds), firstTokens: Array(tokens.prefix(16)))
    }
}
