// qkv (B, T, 3C) = [q | k | v], each C = NH · hs split into NH heads of hs channels,
// output (B, T, C), logSumExp (B, NH, T)
//
// `F.scaled_dot_product_attention(q, k, v, is_causal=True)` with PyTorch's GPT layout
// (`qkv.view(B, T, 3, NH, hs)`): softmax(q · kᵀ / √hs + causal mask) · v per head, heads
// concatenated along channels.
//
// Memory: no T × T matrix is kept. Forward stores one number per query row, the log of its
// softmax denominator (max + log Σ exp); backward recomputes each score from q and k and turns
// it into a probability with that number, flash-attention style (Dao et al., 2022). This costs
// a second pass of q · kᵀ in backward and saves B · NH · T² floats (0.5 GB per layer at
// B 16, NH 8, T 512). The loops are `cdz_attention_*` in CKernels: blocks of query rows as
// GEMMs, (batch, head) pairs split over threads, tested against plain loops there.

import CKernels

/// Fused multi-head causal self-attention, plus the strided kernel it and the LSTM model's
/// single-head attention share.
public enum CausalSelfAttention {
    /// Fused form: q, k and v are the three thirds of each `qkv` row.
    public static func forward(
        output: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int, heads NH: Int
    ) {
        precondition(C % NH == 0, "channels \(C) not divisible by heads \(NH)")
        forward(
            output: output, logSumExp: logSumExp, query: qkv, key: qkv + C, value: qkv + 2 * C, rowStride: 3 * C,
            batchSize: B, sequenceLength: T, heads: NH, headSize: C / NH)
    }

    /// Fused form: accumulates into qkvGradient (B, T, 3C).
    public static func backward(
        qkvGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        qkv: UnsafePointer<Float>, output: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, channels C: Int, heads NH: Int
    ) {
        precondition(C % NH == 0, "channels \(C) not divisible by heads \(NH)")
        backward(
            queryGradient: qkvGradient, keyGradient: qkvGradient + C, valueGradient: qkvGradient + 2 * C,
            outputGradient: outputGradient, query: qkv, key: qkv + C, value: qkv + 2 * C, rowStride: 3 * C,
            output: output, logSumExp: logSumExp, batchSize: B, sequenceLength: T, heads: NH, headSize: C / NH)
    }

    /// Strided kernel. Element (b, t, h, d) of q, k and v is at `base + (b·T + t)·rowStride +
    /// h·hs + d`; output (B, T, NH · hs) is contiguous; logSumExp (B, NH, T). With `causal`
    /// false every position attends to every other (an encoder).
    public static func forward(
        output: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride S: Int,
        batchSize B: Int, sequenceLength T: Int, heads NH: Int, headSize hs: Int, causal: Bool = true
    ) {
        cdz_attention_forward(B, T, NH, hs, query, key, value, S, causal, output, logSumExp, MatrixMultiply.threads)
    }

    /// Strided kernel: accumulates into the q, k and v gradients (same strides as q, k, v).
    ///
    /// With p_ij = exp(s_ij − lse_i) and D_i = dout_i · out_i (= Σ_j p_ij dp_ij):
    /// dv_j += p_ij dout_i, dp_ij = dout_i · v_j, ds_ij = p_ij (dp_ij − D_i),
    /// dq_i += scale · ds_ij k_j, dk_j += scale · ds_ij q_i.
    public static func backward(
        queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
        valueGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride S: Int,
        output: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, heads NH: Int, headSize hs: Int, causal: Bool = true
    ) {
        cdz_attention_backward(
            B, T, NH, hs, query, key, value, S, causal, output, logSumExp, outputGradient,
            queryGradient, keyGradient, valueGradient, MatrixMultiply.threads)
    }
}
