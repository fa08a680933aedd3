// tokens (B, T) ids in 0..<V, weight (V, C), output (B, T, C)
//
// PyTorch `nn.Embedding`: output row (b, t) is weight row tokens[b, t].

/// Token embedding lookup (`tok.weight` in the reference models).
public enum TokenEmbedding {
    /// Writes output[b, t, :] = weight[tokens[b, t], :].
    public static func forward(
        output: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, weight: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int, vocabularySize V: Int
    ) {
        for n in 0..<(B * T) {
            let token = Int(tokens[n])
            precondition(token >= 0 && token < V, "token id \(token) outside the vocabulary 0..<\(V)")
            (output + n * C).update(from: weight + token * C, count: C)
        }
    }

    /// Accumulates weightGradient[tokens[b, t], :] += outputGradient[b, t, :]. Token ids have
    /// no gradient.
    public static func backward(
        weightGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        tokens: UnsafePointer<Int32>, batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        for n in 0..<(B * T) {
            let dw = weightGradient + Int(tokens[n]) * C, dout = outputGradient + n * C
            for i in 0..<C { dw[i] += dout[i] }
        }
    }
}
