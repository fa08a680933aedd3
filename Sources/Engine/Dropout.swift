// input (N), output (N), mask (N): any shape, elementwise
//
// Inverted dropout as PyTorch's `nn.Dropout` in training: each element is zeroed with
// probability p and the survivors are scaled by 1 / (1 - p), so evaluation needs no rescale
// (skip the layer). The mask keeps that per-element factor (0 or 1 / (1 - p)) for backward.

/// Seeded, deterministic dropout.
public enum Dropout {
    /// Writes output = input · mask with mask drawn from `generator`: the same generator state
    /// gives the same mask. `probability` in [0, 1).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        count: Int, probability p: Float, generator: inout SeededGenerator
    ) {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        let keep = 1 / (1 - p)
        for i in 0..<count {
            mask[i] = p > 0 && generator.nextUniform() < p ? 0 : keep
            output[i] = input[i] * mask[i]
        }
    }

    /// Accumulates inputGradient += outputGradient · mask.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        mask: UnsafePointer<Float>, count: Int
    ) {
        for i in 0..<count { inputGradient[i] += outputGradient[i] * mask[i] }
    }
}
