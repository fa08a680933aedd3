// input (B, T, C), lengths (B) with 0 ≤ lengths[b] ≤ T, output (B, C)
//
// Masked mean over time, as a sequence classifier's pooling: output[b] is the mean of
// input[b, t] over the row's real positions t < lengths[b]; padded positions do not count.
// A row of length 0 pools to zeros. (PyTorch: `(x * mask[..., None]).sum(1) / mask.sum(1)`.)

/// Mean pooling over each row's valid prefix of positions.
public enum MeanPooling {
    /// Writes output[b, :] = Σ_{t < lengths[b]} input[b, t, :] / max(1, lengths[b]).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, lengths: [Int],
        batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        precondition(lengths.count == B && lengths.allSatisfy { (0...T).contains($0) }, "lengths must be B values in 0...T")
        for b in 0..<B {
            let out = output + b * C
            out.update(repeating: 0, count: C)
            for t in 0..<lengths[b] {
                let x = input + (b * T + t) * C
                for i in 0..<C { out[i] += x[i] }
            }
            let scale = 1 / Float(max(1, lengths[b]))
            for i in 0..<C { out[i] *= scale }
        }
    }

    /// Accumulates inputGradient[b, t, :] += outputGradient[b, :] / lengths[b] for t < lengths[b];
    /// padded positions get nothing.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>, lengths: [Int],
        batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        for b in 0..<B where lengths[b] > 0 {
            let scale = 1 / Float(lengths[b]), dout = outputGradient + b * C
            for t in 0..<lengths[b] {
                let dx = inputGradient + (b * T + t) * C
                for i in 0..<C { dx[i] += scale * dout[i] }
            }
        }
    }
}
