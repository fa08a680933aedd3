// genres (B) ids in 0..<G, weight (G, C), output (B, T, C) += weight[genres[b]]
//
// The reference models' `tok(idx) + genre(genre)[:, None, :]`: one learned style vector per
// genre joins the input at every time step. G is 16 slots in the presets.

/// Genre embedding (`genre.weight`) added to every time step of a sequence.
public enum GenreConditioning {
    /// Accumulates output[b, t, :] += weight[genres[b], :] for every t.
    public static func forward(
        output: UnsafeMutablePointer<Float>, genres: UnsafePointer<Int32>, weight: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int, genreCount G: Int
    ) {
        for b in 0..<B {
            let genre = Int(genres[b])
            precondition(genre >= 0 && genre < G, "genre id \(genre) outside 0..<\(G)")
            let w = weight + genre * C
            for t in 0..<T {
                let out = output + (b * T + t) * C
                for i in 0..<C { out[i] += w[i] }
            }
        }
    }

    /// Accumulates weightGradient[genres[b], :] += Σ_t outputGradient[b, t, :]. The input
    /// gradient is the output gradient itself (an addition), so nothing is written.
    public static func backward(
        weightGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        genres: UnsafePointer<Int32>, batchSize B: Int, sequenceLength T: Int, channels C: Int
    ) {
        for b in 0..<B {
            let dw = weightGradient + Int(genres[b]) * C
            for t in 0..<T {
                let dout = outputGradient + (b * T + t) * C
                for i in 0..<C { dw[i] += dout[i] }
            }
        }
    }
}
