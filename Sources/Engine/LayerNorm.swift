// input (B, T, C), weight (C), bias (C), output (B, T, C), mean (B, T), reciprocalStd (B, T)
//
// PyTorch `nn.LayerNorm(C)`: biased variance, eps 1e-5 inside the square root.
// Backward follows llm.c's `layernorm_backward`. The loops are CKernels' `cdz_layernorm_*`
// (vectorized, rows over both cores; dw and db summed in fixed row blocks).

import CKernels

/// Layer normalisation over the channel dimension.
public enum LayerNorm {
    /// PyTorch's default epsilon.
    public static let epsilon: Float = 1e-5

    /// Writes output = (input - mean) / sqrt(variance + eps) · weight + bias, and caches each
    /// row's mean and 1 / sqrt(variance + eps) for backward.
    public static func forward(
        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        reciprocalStandardDeviation: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        cdz_layernorm_forward(B * T, C, input, weight, bias, epsilon, output, mean, reciprocalStandardDeviation,
                              MatrixMultiply.threads)
    }

    /// Accumulates into all three gradients.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, reciprocalStandardDeviation: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        cdz_layernorm_backward(B * T, C, outputGradient, input, weight, mean, reciprocalStandardDeviation,
                               inputGradient, weightGradient, biasGradient, MatrixMultiply.threads)
    }
}
