// input (B, T, C) → output (B, T, C), lengths (B) with 0 ≤ lengths[b] ≤ T;
// ln (C), qkv (3C, C), proj (C, C), fc1 (F, C), fc2 (C, F)
//
// The pre-LayerNorm block of `TransformerBlock` with non-causal attention (a BERT/ViT-style
// encoder layer, as the style classifier of ARCHITECTURE.md needs):
//   x2 = x + proj(attention(qkv(ln1(x))))          every valid position sees every valid one
//   output = x2 + fc2(gelu(fc1(ln2(x2))))
//
// Rows may be padded at the end: row b holds lengths[b] real positions, then padding. Padding
// never reaches a real position: attention runs over each row's first lengths[b] positions
// only (one kernel call per short row), and every other layer works position by position.
// Attention outputs at padded positions are set to zero, so the padded positions' values are
// defined (and unused). A caller that reads only real positions (`MeanPooling`) gets zero
// gradient at padded positions, so backward need not mask anything else.
//
// Tensors, activations and scratch buffers are exactly `TransformerBlock`'s (same names in a
// checkpoint, same sizes), so the two blocks share those types.

/// One non-causal encoder block: a list of layer calls forward, the same list reversed backward.
public enum EncoderBlock {
    public typealias Parameters = TransformerBlock.Parameters
    public typealias Activations = TransformerBlock.Activations
    public typealias Scratch = TransformerBlock.Scratch
    public typealias Shape = TransformerBlock.Shape

    public static func forward(
        output: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, lengths: [Int],
        parameters w: UnsafePointer<Float>, layout p: Parameters, shape: Shape, activations a: Activations, scratch s: Scratch
    ) {
        let (B, T, C) = (shape.batchSize, shape.sequenceLength, shape.channels)
        precondition(lengths.count == B && lengths.allSatisfy { (0...T).contains($0) }, "lengths must be B values in 0...T")
        LayerNorm.forward(output: a.ln1.pointer, mean: a.ln1Mean.pointer, reciprocalStandardDeviation: a.ln1ReciprocalStd.pointer,
                          input: x, weight: w + p.ln1.weight, bias: w + p.ln1.bias, batchSize: B, sequenceLength: T, channels: C)
        Linear.forward(output: a.qkv.pointer, input: a.ln1.pointer, weight: w + p.qkv.weight, bias: w + p.qkv.bias,
                       batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: 3 * C)
        attentionForward(a, lengths: lengths, shape: shape)
        Linear.forward(output: s.projection.pointer, input: a.attended.pointer, weight: w + p.proj.weight, bias: w + p.proj.bias,
                       batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: C)
        Residual.forward(output: a.afterAttention.pointer, a: x, b: s.projection.pointer, count: B * T * C)
        LayerNorm.forward(output: a.ln2.pointer, mean: a.ln2Mean.pointer, reciprocalStandardDeviation: a.ln2ReciprocalStd.pointer,
                          input: a.afterAttention.pointer, weight: w + p.ln2.weight, bias: w + p.ln2.bias,
                          batchSize: B, sequenceLength: T, channels: C)
        TransformerBlock.feedForward(output: output, parameters: w, layout: p, shape: shape, activations: a, scratch: s)
    }

    /// `residualGradient` holds the gradient of the block's output on entry and that of its
    /// input on return (the residual adds pass it through, as in `TransformerBlock.backward`).
    /// Parameter gradients accumulate at the parameters' offsets in `gradients`. `lengths` must
    /// be the forward's.
    public static func backward(
        residualGradient dx: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
        lengths: [Int], parameters w: UnsafePointer<Float>, layout p: Parameters, shape: Shape, activations a: Activations, scratch s: Scratch
    ) {
        let (B, T, C) = (shape.batchSize, shape.sequenceLength, shape.channels)
        for buffer in [s.qkvGradient, s.attendedGradient] { buffer.zero() }
        TransformerBlock.feedForwardBackward(residualGradient: dx, gradients: g, parameters: w, layout: p, shape: shape,
                                             activations: a, scratch: s)
        // Attention branch, reversed; dx now holds the gradient of x2.
        s.normalizedGradient.zero()
        Linear.backward(inputGradient: s.attendedGradient.pointer, weightGradient: g + p.proj.weight, biasGradient: g + p.proj.bias,
                        outputGradient: dx, input: a.attended.pointer, weight: w + p.proj.weight,
                        batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: C)
        attentionBackward(a, s, lengths: lengths, shape: shape)
        Linear.backward(inputGradient: s.normalizedGradient.pointer, weightGradient: g + p.qkv.weight, biasGradient: g + p.qkv.bias,
                        outputGradient: s.qkvGradient.pointer, input: a.ln1.pointer, weight: w + p.qkv.weight,
                        batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: 3 * C)
        LayerNorm.backward(inputGradient: dx, weightGradient: g + p.ln1.weight, biasGradient: g + p.ln1.bias,
                           outputGradient: s.normalizedGradient.pointer, input: x, weight: w + p.ln1.weight,
                           mean: a.ln1Mean.pointer, reciprocalStandardDeviation: a.ln1ReciprocalStd.pointer,
                           batchSize: B, sequenceLength: T, channels: C)
    }

    /// Non-causal attention over each row's valid prefix. Full rows go to the kernel in one
    /// call; a batch with short rows calls it once per row (B = 1, T = its length), so the
    /// softmax never sees a padded key. logSumExp row b's block of NH · T floats holds the
    /// (NH, length) values of that call.
    private static func attentionForward(_ a: Activations, lengths: [Int], shape: Shape) {
        let (B, T, C, NH) = (shape.batchSize, shape.sequenceLength, shape.channels, shape.heads)
        let hs = C / NH, q = UnsafePointer(a.qkv.pointer)
        if lengths.allSatisfy({ $0 == T }) {
            CausalSelfAttention.forward(output: a.attended.pointer, logSumExp: a.logSumExp.pointer, query: q, key: q + C, value: q + 2 * C,
                                        rowStride: 3 * C, batchSize: B, sequenceLength: T, heads: NH, headSize: hs, causal: false)
            return
        }
        a.attended.zero()
        for b in 0..<B where lengths[b] > 0 {
            let row = q + b * T * 3 * C
            CausalSelfAttention.forward(output: a.attended.pointer + b * T * C, logSumExp: a.logSumExp.pointer + b * NH * T,
                                        query: row, key: row + C, value: row + 2 * C, rowStride: 3 * C,
                                        batchSize: 1, sequenceLength: lengths[b], heads: NH, headSize: hs, causal: false)
        }
    }

    /// Accumulates into `s.qkvGradient` from `s.attendedGradient`; padded positions get none.
    private static func attentionBackward(_ a: Activations, _ s: Scratch, lengths: [Int], shape: Shape) {
        let (B, T, C, NH) = (shape.batchSize, shape.sequenceLength, shape.channels, shape.heads)
        let hs = C / NH, q = UnsafePointer(a.qkv.pointer), dq = s.qkvGradient.pointer
        if lengths.allSatisfy({ $0 == T }) {
            CausalSelfAttention.backward(queryGradient: dq, keyGradient: dq + C, valueGradient: dq + 2 * C,
                                         outputGradient: s.attendedGradient.pointer, query: q, key: q + C, value: q + 2 * C, rowStride: 3 * C,
                                         output: a.attended.pointer, logSumExp: a.logSumExp.pointer,
                                         batchSize: B, sequenceLength: T, heads: NH, headSize: hs, causal: false)
            return
        }
        for b in 0..<B where lengths[b] > 0 {
            let row = q + b * T * 3 * C, drow = dq + b * T * 3 * C
            CausalSelfAttention.backward(queryGradient: drow, keyGradient: drow + C, valueGradient: drow + 2 * C,
                                         outputGradient: s.attendedGradient.pointer + b * T * C,
                                         query: row, key: row + C, value: row + 2 * C, rowStride: 3 * C,
                                         output: a.attended.pointer + b * T * C, logSumExp: a.logSumExp.pointer + b * NH * T,
                                         batchSize: 1, sequenceLength: lengths[b], heads: NH, headSize: hs, causal: false)
        }
    }
}
