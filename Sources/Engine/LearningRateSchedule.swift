#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Linear warm-up, then cosine decay to a floor (nanoGPT's `get_lr`, llm.c's scheduler).
///
/// Steps are 0-based update indices. Warm-up step s < W uses peak · (s + 1) / W, so the first
/// update is not zero. From W to `totalSteps` − 1 the rate follows
/// floor + (peak − floor) · ½(1 + cos(π · (s − W) / (total − W))), reaching the floor
/// (`floorFraction` · peak) at the end; steps past `totalSteps` stay at the floor.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    /// Peak learning rate (> 0), reached at the end of warm-up.
    public var peak: Float
    /// Warm-up length in steps (≥ 0; 0 starts at the peak).
    public var warmupSteps: Int
    /// Length of the whole run in steps (≥ 1); the decay ends here.
    public var totalSteps: Int
    /// The floor as a share of the peak, in [0, 1] (0.1: decay to a tenth).
    public var floorFraction: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, floorFraction: Float = 0.1) {
        precondition(peak > 0 && warmupSteps >= 0 && totalSteps >= 1 && (0...1).contains(floorFraction), "invalid schedule")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.floorFraction = floorFraction
    }

    /// The learning rate of 0-based step `step`.
    public func learningRate(atStep step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let floor = Double(peak * floorFraction)
        let decaySteps = max(1, totalSteps - warmupSteps)
        let progress = min(1, Double(step - warmupSteps) / Double(decaySteps))
        return Float(floor + (Double(peak) - floor) * 0.5 * (1 + cos(Double.pi * progress)))
    }
}
