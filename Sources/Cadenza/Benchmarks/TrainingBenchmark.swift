import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times Cadenza's training step the way `../shared/reference/pytorch/bench_models.py train`
/// times PyTorch's, so `cadenza bench train` can print both side by side.
///
/// The protocol is the reference script's: random tokens and genres from a fixed seed (one
/// batch, reused every step), `warmupSteps` untimed steps, then `windows` timed windows of
/// `stepsPerWindow` steps; each window's tokens/s is B·T·steps / seconds and the result is the
/// median window (the upper one for an even count, as the script's `sorted(...)[n // 2]`).
/// A window during which other processes used more than 0.15 cores is measured again (at most
/// 3 times in a run), after waiting up to `idleTimeout` seconds for an idle machine.
///
/// The step is the real one `Trainer` takes: zero gradients, forward with targets, backward,
/// global-norm clipping, AdamW update. The reference uses `torch.optim.Adam` without clipping;
/// both touch every parameter a few times per step, a cost far below the matrix products.
public enum TrainingBenchmark {
    /// The three reference configurations of CONVENTIONS.md ("Presets").
    public enum Configuration: String, CaseIterable, Sendable, Codable {
        case lstmAttentionSmall = "lstm-attention-small"
        case transformerSmall = "transformer-small"
        case transformerMedium = "transformer-medium"

        /// Accepts the canonical names and the reference script's (`lstm`, `small`, `medium`).
        public init?(name: String) {
            switch name.lowercased() {
            case "lstm-attention-small", "lstm-attention", "lstm": self = .lstmAttentionSmall
            case "transformer-small", "small": self = .transformerSmall
            case "transformer-medium", "medium": self = .transformerMedium
            default: return nil
            }
        }

        public var model: ModelConfiguration {
            switch self {
            case .lstmAttentionSmall: .lstmAttention(.small)
            case .transformerSmall: .transformer(.small)
            case .transformerMedium: .transformer(.medium)
            }
        }

        /// `bench_models.py --model` for the same network.
        public var referenceName: String {
            switch self {
            case .lstmAttentionSmall: "lstm"
            case .transformerSmall: "small"
            case .transformerMedium: "medium"
            }
        }
    }

    public struct Settings: Sendable, Codable, Equatable {
        /// Sequences per step, B (≥ 1).
        public var batchSize = 16
        /// Tokens per sequence, T (1 ... the model's context; the reference trains 512).
        public var sequenceLength = 512
        /// Untimed steps before the windows (≥ 0).
        public var warmupSteps = 2
        /// Timed windows (≥ 1); the result is their median.
        public var windows = 3
        /// Steps per window (≥ 1).
        public var stepsPerWindow = 3
        /// Constant learning rate, as the reference's Adam(lr=1e-3).
        public var learningRate: Float = 1e-3
        /// Global gradient norm limit, `cadenza train`'s default.
        public var gradientClip: Float = 1
        /// Threads for the matrix products (0 = every core); the reference runs 2.
        public var threads = 2
        /// Seconds to wait for an idle machine before each window; 0 neither waits nor
        /// re-measures busy windows (smoke runs on a busy machine).
        public var idleTimeout: Double = 600
        /// Seed of the weights (`makeModel`) and of the random batch.
        public var weightSeed: UInt64 = 0
        public var dataSeed: UInt64 = 1

        public init() {}
    }

    /// One configuration's figures; the JSON a `bench train` worker process prints.
    public struct Result: Sendable, Codable {
        public var configuration: String
        public var parameters: Int
        public var batchSize: Int
        public var sequenceLength: Int
        public var threads: Int
        /// Seconds of each warm-up step (the first includes the workspaces' first allocation).
        public var warmupSeconds: [Double]
        /// Seconds of every timed step, window after window.
        public var stepSeconds: [Double]
        public var windowTokensPerSecond: [Double]
        /// The median window's tokens (B·T per step) per second.
        public var tokensPerSecond: Double
        /// Other processes' CPU use during each window, in cores (0 ... 2 here).
        public var foreignCores: [Double]
        /// Windows measured again because the machine was busy.
        public var retries: Int
        /// Idle share of the machine when the timing began (nil without /proc/stat or when not waited for).
        public var idleAtStart: Double?
        /// Mean cross-entropy of the last step, nats per token (about ln 512 ≈ 6.24 on random tokens).
        public var finalLoss: Float
        /// This process's peak resident set, MB (2²⁰ bytes), as the reference's ru_maxrss / 1024.
        public var peakResidentMegabytes: Double
        /// Model FLOPs per trained token, counted as models.py's `train_flops_per_token`.
        public var flopsPerToken: Double

        /// tokens/s × FLOPs per token, in GFLOP/s.
        public var achievedGigaflops: Double { tokensPerSecond * flopsPerToken / 1e9 }
    }

    /// Trains `configuration` (fresh weights) for the warm-up and timed steps of `settings`.
    public static func run(_ configuration: ModelConfiguration, name: String, settings s: Settings) throws(CadenzaError) -> Result {
        guard s.batchSize >= 1, s.sequenceLength >= 1, s.warmupSteps >= 0, s.windows >= 1, s.stepsPerWindow >= 1 else {
            throw .invalidSetting(field: "bench train", problem: "batch, sequence, windows and steps per window must be at least 1", hint: "")
        }
        if let context = configuration.contextLength, s.sequenceLength > context {
            throw .invalidSetting(field: "seq-len", problem: "\(s.sequenceLength) is longer than the model's context of \(context)", hint: "use \(context) or less")
        }
        MatrixMultiply.threads = Int32(s.threads)
        let model = configuration.makeModel(seed: s.weightSeed)
        let optimizer = AdamW(parameterTable: model.parameterTable)
        let (B, T, V) = (s.batchSize, s.sequenceLength, configuration.vocabularySize)

        // (B, T + 1) random tokens: inputs are the first T, targets the last T, as the reference's x, y.
        var generator = SeededGenerator(seed: s.dataSeed)
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(B * T)
        targets.reserveCapacity(B * T)
        for _ in 0..<B {
            let row = (0...T).map { _ in Int32(generator.next() % UInt64(V)) }
            inputs += row[0..<T]
            targets += row[1...T]
        }
        let genres = (0..<B).map { _ in Int32(generator.next() % UInt64(configuration.genreCount)) }

        let gradients = model.gradients
        func step() -> Float {
            model.zeroGradients()
            let loss = model.forward(tokens: inputs, genres: genres, targets: targets, ignoredTarget: nil, batchSize: B, sequenceLength: T) ?? .nan
            model.backward()
            GradientClipping.clip(gradients.pointer, count: gradients.count, maximumNorm: s.gradientClip)
            optimizer.update(parameters: model.parameters.pointer, gradients: gradients.pointer, learningRate: s.learningRate)
            return loss
        }

        let clock = ContinuousClock()
        func timed(_ body: () -> Float) -> (Double, Float) {
            let start = clock.now
            let loss = body()
            return (MachineLoad.seconds(clock.now - start), loss)
        }
        // As the reference: one wait for an idle machine once the model is built, then warm-up.
        var idleAtStart: Double?
        if s.idleTimeout > 0 { idleAtStart = MachineLoad.waitIdle(timeout: s.idleTimeout) }
        var warmup: [Double] = []
        var loss: Float = .nan
        for _ in 0..<s.warmupSteps {
            let (seconds, l) = timed(step)
            warmup.append(seconds)
            loss = l
        }
        var times: [Double] = [], rates: [Double] = [], foreign: [Double] = [], retries = 0
        for _ in 0..<s.windows {
            while true {
                if s.idleTimeout > 0 { _ = MachineLoad.waitIdle(timeout: s.idleTimeout) }
                let meter = MachineLoad.Meter()
                var window: [Double] = []
                for _ in 0..<s.stepsPerWindow {
                    let (seconds, l) = timed(step)
                    window.append(seconds)
                    loss = l
                }
                let busy = meter.foreignCores()
                if s.idleTimeout <= 0 || busy <= 0.15 || retries >= 3 {
                    times += window
                    rates.append(Double(B * T * s.stepsPerWindow) / window.reduce(0, +))
                    foreign.append(busy)
                    break
                }
                retries += 1
            }
        }
        return Result(
            configuration: name, parameters: model.parameterCount, batchSize: B, sequenceLength: T, threads: s.threads,
            warmupSeconds: warmup, stepSeconds: times, windowTokensPerSecond: rates, tokensPerSecond: rates.sorted()[rates.count / 2],
            foreignCores: foreign, retries: retries, idleAtStart: idleAtStart, finalLoss: loss,
            peakResidentMegabytes: MachineLoad.peakResidentMegabytes(), flopsPerToken: flopsPerToken(configuration, sequenceLength: T))
    }

    /// This machine's fp32 multiply-add peak on `threads` threads (0 = all), GFLOP/s, measured
    /// now (best of `repeats` FMA loops of ~0.2 s): the denominator of "% of peak".
    public static func measuredPeakGigaflops(threads: Int, repeats: Int = 3) -> Double {
        MatrixMultiply.fmaPeakGigaflops(threads: threads, repeats: repeats)
    }

    /// Model FLOPs per trained token, as models.py's `train_flops_per_token` counts them for
    /// every engine: 6 × the matrix parameters (embeddings excluded; forward 2, backward 4) plus
    /// the causal attention's two products, about T/2 keys per query, three times for forward
    /// and backward. transformer small 33.8 M, medium 165.2 M, lstm-attention small 31.5 M at T = 512.
    public static func flopsPerToken(_ configuration: ModelConfiguration, sequenceLength T: Int) -> Double {
        switch configuration {
        case .transformer(let c):
            let (d, F, L) = (Double(c.channels), Double(c.feedForwardChannels), Double(c.layers))
            let matrices = L * (3 * d * d + d * d + 2 * F * d) + Double(c.vocabularySize) * d
            return 6 * matrices + 3 * L * 2 * 2 * Double(T) / 2 * d
        case .lstmAttention(let c):
            let (E, H, L) = (Double(c.embeddingSize), Double(c.hiddenSize), Double(c.layers))
            let lstm = 4 * H * E + 4 * H * H + (L - 1) * 8 * H * H
            let matrices = lstm + 4 * H * H + Double(c.vocabularySize) * H
            return 6 * matrices + 3 * 2 * 2 * Double(T) / 2 * H
        }
    }
}

/// How busy the machine is, read as `../shared/reference/pytorch/idle.py` reads it, so both
/// sides of a benchmark wait and re-measure by the same rule. Linux only (/proc/stat); elsewhere
/// the machine counts as idle.
public enum MachineLoad {
    /// Busy and total jiffies over all CPUs since boot, from the first line of /proc/stat.
    static func jiffies() -> (busy: Double, total: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 8 else { return nil }
        let total = v[0..<8].reduce(0, +), idle = v[3] + v[4]
        return (total - idle, total)
    }

    /// Idle share of the whole machine (0 ... 1) over `window` seconds; 1 without /proc/stat.
    public static func idleFraction(window: Double = 1) -> Double {
        guard let a = jiffies() else { return 1 }
        Thread.sleep(forTimeInterval: window)
        guard let b = jiffies() else { return 1 }
        return 1 - (b.busy - a.busy) / max(1, b.total - a.total)
    }

    /// Waits until a 1-second window is at least `threshold` idle, or `timeout` seconds have
    /// passed; returns the last idle share.
    @discardableResult
    public static func waitIdle(timeout: Double, threshold: Double = 0.93) -> Double {
        let start = Date()
        while true {
            let idle = idleFraction()
            if idle >= threshold || Date().timeIntervalSince(start) > timeout { return idle }
        }
    }

    /// CPU time of this process (user + system, every thread), seconds.
    public static func ownCPUSeconds() -> Double {
        let usage = ownUsage()
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// Peak resident set of this process, MB (2²⁰ bytes).
    public static func peakResidentMegabytes() -> Double {
        let usage = ownUsage()
        #if canImport(Darwin)
        return Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
        #else
        return Double(usage.ru_maxrss) / 1024  // KiB on Linux
        #endif
    }

    static func ownUsage() -> rusage {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage
    }

    /// Other processes' CPU use over a region, in cores: all busy CPU time minus this process's.
    public struct Meter {
        let start = Date()
        let busy = MachineLoad.jiffies()?.busy
        let own = MachineLoad.ownCPUSeconds()

        public init() {}

        /// Cores the rest of the machine kept busy since `init` (0 without /proc/stat).
        public func foreignCores() -> Double {
            guard let busy, let now = MachineLoad.jiffies()?.busy else { return 0 }
            let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
            let foreign = (now - busy) / hertz - (MachineLoad.ownCPUSeconds() - own)
            return max(0, foreign) / max(1e-9, Date().timeIntervalSince(start))
        }
    }

    static func seconds(_ duration: Duration) -> Double { duration.inSeconds }
}
