// parameters (P), gradients (P), first moment m (P), second moment v (P): one layout, the
// parameter table's, so the update is one flat loop per run of equally-decayed tensors.
//
// PyTorch's `torch.optim.AdamW` (the single-tensor path), step t counted from 1:
//   p ← p · (1 − lr·λ)                       (decoupled weight decay, only where `decays`)
//   m ← m + (1 − β1)(g − m)                  (`lerp_`, as PyTorch writes it)
//   v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// AdamW's constants; the learning rate is per step and comes from a `LearningRateSchedule`.
///
/// Defaults are PyTorch's `AdamW` defaults (β 0.9/0.999, ε 1e-8, weight decay 0.01), not
/// nanoGPT's (0.9/0.95, 0.1): the reference benchmark trains with PyTorch's defaults.
public struct AdamWSettings: Sendable, Equatable, Codable {
    /// First-moment decay β1 in [0, 1).
    public var beta1: Float
    /// Second-moment decay β2 in [0, 1).
    public var beta2: Float
    /// Added to √v̂ so the step stays finite where v is 0 (> 0).
    public var epsilon: Float
    /// Decoupled weight decay λ ≥ 0, applied to table entries whose `decays` is true.
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// The AdamW optimizer over one model's flat parameter buffer.
///
/// Owns the two moments (laid out by the same `ParameterTable` as the parameters) and the step
/// count, which are what a checkpoint must keep to resume exactly.
public final class AdamW {
    public let settings: AdamWSettings
    public let parameterTable: ParameterTable
    /// m, `parameterTable.count` floats.
    public let firstMoment: FloatBuffer
    /// v, `parameterTable.count` floats.
    public let secondMoment: FloatBuffer
    /// Updates taken so far (t of the last update; 0 before the first). Settable to restore
    /// a checkpoint together with the moments.
    public var step: Int = 0

    /// Maximal runs of consecutive table entries with the same `decays` flag: the flat loop's
    /// segments (a transformer has a few dozen).
    let segments: [(range: Range<Int>, decays: Bool)]

    public init(parameterTable: ParameterTable, settings: AdamWSettings = AdamWSettings()) {
        precondition((0..<1).contains(settings.beta1) && (0..<1).contains(settings.beta2), "betas must lie in [0, 1)")
        precondition(settings.epsilon > 0 && settings.weightDecay >= 0, "epsilon must be positive and weight decay non-negative")
        self.settings = settings
        self.parameterTable = parameterTable
        firstMoment = FloatBuffer(count: parameterTable.count)
        secondMoment = FloatBuffer(count: parameterTable.count)
        var segments: [(range: Range<Int>, decays: Bool)] = []
        for entry in parameterTable.entries {
            if let last = segments.last, last.decays == entry.decays, last.range.upperBound == entry.offset {
                segments[segments.count - 1].range = last.range.lowerBound..<entry.range.upperBound
            } else {
                segments.append((entry.range, entry.decays))
            }
        }
        self.segments = segments
    }

    /// One update of `parameters` from `gradients` (both `parameterTable.count` floats, the
    /// table's layout) with learning rate `learningRate` (> 0).
    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, learningRate lr: Float) {
        step += 1
        let (b1, b2, eps) = (settings.beta1, settings.beta2, settings.epsilon)
        // Bias corrections in double precision, as PyTorch computes them on the host.
        let correction1 = 1 - pow(Double(b1), Double(step))
        let correction2 = 1 - pow(Double(b2), Double(step))
        let stepSize = Float(Double(lr) / correction1)
        let correction2Root = Float(correction2.squareRoot())
        let m = firstMoment.pointer, v = secondMoment.pointer, p = parameters, g = gradients
        for segment in segments {
            let keep: Float = segment.decays ? 1 - lr * settings.weightDecay : 1
            for i in segment.range {
                let gi = g[i]
                m[i] += (1 - b1) * (gi - m[i])
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let denominator = v[i].squareRoot() / correction2Root + eps
                p[i] = p[i] * keep - stepSize * m[i] / denominator
            }
        }
    }

    /// Clears the moments and the step count (a fresh start, e.g. for fine-tuning).
    public func reset() {
        firstMoment.zero()
        secondMoment.zero()
        step = 0
    }
}
