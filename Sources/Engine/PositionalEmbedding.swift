// weight (maxT, C) with T ≤ maxT, output (B, T, C) += weight[t]
//
// Learned absolute positions, as the reference GPT's `pos.weight[:T]` added to the tokens.

/// Learned positional embedding (`pos.weight`), added in place to the token embeddings.
public enum PositionalEmbedding {
    /// Accumulates output[b, t, :] += weight[firstPosition + t, :]. `firstPosition` is 0 in
    /// training and the cache position when generating one step at a time.
    public static func forward(
        output: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int, firstPosition: Int = 0
    ) {
        for b in 0..<B {
            for t in 0..<T {
                let out = output + (b * T + t) * C, w = weight + (firstPosition + t) * C
                for i in 0..<C { out[i] += w[i] }
            }
        }
    }

    /// Accumulates weightGradient[firstPosition + t, :] += Σ_b outputGradient[b, t, :].
    /// The input gradient is the output gradient itself (an addition), so nothing is written.
    public static func backward(
        weightGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int, firstPosition: Int = 0
    ) {
        for b in 0..<B {
            for t in 0..<T {
                let dw = weightGradient + (firstPosition + t) * C, dout = outputGradient + (b * T + t) * C
                for i in 0..<C { dw[i] += dout[i] }
            }
        }
    }
}
