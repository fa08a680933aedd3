// input (B, T, C), weight (C), bias (C), output (B, T, C), mean (B, T), reciprocalStd (B, T)
//
// PyTorch `nn.LayerNorm(C)`: biased variance, eps 1e-5 inside the square root.
// Backward follows llm.c's `layernorm_backward`.

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
        for n in 0..<(B * T) {
            let x = input + n * C, out = output + n * C
            var m: Float = 0
            for i in 0..<C { m += x[i] }
            m /= Float(C)
            var v: Float = 0
            for i in 0..<C { let d = x[i] - m; v += d * d }
            v /= Float(C)
            let rstd = 1 / (v + epsilon).squareRoot()
            for i in 0..<C { out[i] = (x[i] - m) * rstd * weight[i] + bias[i] }
            mean[n] = m
            reciprocalStandardDeviation[n] = rstd
        }
    }

    /// Accumulates into all three gradients.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, reciprocalStandardDeviation: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        for n in 0..<(B * T) {
            let x = input + n * C, dout = outputGradient + n * C, dx = inputGradient + n * C
            let m = mean[n], rstd = reciprocalStandardDeviation[n]
            // Two reductions: the means of dnorm and of dnorm · norm over the row.
            var dnormMean: Float = 0, dnormNormMean: Float = 0
            for i in 0..<C {
                let norm = (x[i] - m) * rstd
                let dnorm = weight[i] * dout[i]
                dnormMean += dnorm
                dnormNormMean += dnorm * norm
            }
            dnormMean /= Float(C)
            dnormNormMean /= Float(C)
            for i in 0..<C {
                let norm = (x[i] - m) * rstd
                let dnorm = weight[i] * dout[i]
                biasGradient[i] += dout[i]
                weightGradient[i] += norm * dout[i]
                dx[i] += (dnorm - dnormMean - norm * dnormNormMean) * rstd
            }
        }
    }
}
