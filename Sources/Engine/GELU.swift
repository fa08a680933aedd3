// input (N), output (N): any shape, elementwise
//
// The exact form, PyTorch's `F.gelu` default (approximate='none'): x · Φ(x), Φ the standard
// normal CDF = ½ (1 + erf(x / √2)). The loops are CKernels' `cdz_gelu_*` (vectorized, both
// cores; erf as PyTorch's own vectorized CPU kernel computes it, |error| ≤ 1.5e-7).

import CKernels

/// Gaussian error linear unit.
public enum GELU {
    /// Writes output = x · Φ(x). `output` may alias `input`.
    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        cdz_gelu_forward(count, input, output, MatrixMultiply.threads)
    }

    /// Accumulates inputGradient += outputGradient · (Φ(x) + x · φ(x)), φ the normal density.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, count: Int
    ) {
        cdz_gelu_backward(count, input, outputGradient, inputGradient, MatrixMultiply.threads)
    }
}
