// input (B, T, C) → output (B, T, C); ln (C), qkv (3C, C), proj (C, C), fc1 (F, C), fc2 (C, F)
//
// The reference GPT's pre-LayerNorm `Block`:
//   x2 = x + proj(attention(qkv(ln1(x))))
//   output = x2 + fc2(gelu(fc1(ln2(x2))))

/// One decoder block: a list of layer calls forward, the same list reversed backward.
public enum TransformerBlock {
    /// Offsets of the block's twelve tensors in the flat parameter (and gradient) buffer.
    public struct Parameters: Sendable {
        public let ln1, qkv, proj, ln2, fc1, fc2: (weight: Int, bias: Int)

        /// Appends `prefix.ln1.weight` … `prefix.fc2.bias` in PyTorch's `state_dict` order.
        public init(registeringIn table: inout ParameterTable, prefix: String, channels C: Int, feedForwardChannels F: Int) {
            ln1 = table.addLayerNorm(prefix + ".ln1", channels: C)
            qkv = table.addLinear(prefix + ".qkv", inputs: C, outputs: 3 * C)
            proj = table.addLinear(prefix + ".proj", inputs: C, outputs: C)
            ln2 = table.addLayerNorm(prefix + ".ln2", channels: C)
            fc1 = table.addLinear(prefix + ".fc1", inputs: C, outputs: F)
            fc2 = table.addLinear(prefix + ".fc2", inputs: F, outputs: C)
        }
    }

    /// What one block's forward keeps for its backward, sized for (B, T).
    public final class Activations {
        let ln1, ln1Mean, ln1ReciprocalStd: FloatBuffer     // (B, T, C), (B, T), (B, T)
        let qkv: FloatBuffer                                 // (B, T, 3C)
        let attended, logSumExp: FloatBuffer                 // (B, T, C), (B, NH, T)
        let afterAttention: FloatBuffer                      // x2, (B, T, C)
        let ln2, ln2Mean, ln2ReciprocalStd: FloatBuffer      // (B, T, C), (B, T), (B, T)
        let hidden: FloatBuffer                              // fc1 output, (B, T, F); its GELU is recomputed in backward

        public init(_ shape: Shape) {
            let (N, C, F) = (shape.batchSize * shape.sequenceLength, shape.channels, shape.feedForwardChannels)
            (ln1, ln1Mean, ln1ReciprocalStd) = (FloatBuffer(count: N * C), FloatBuffer(count: N), FloatBuffer(count: N))
            qkv = FloatBuffer(count: N * 3 * C)
            (attended, logSumExp) = (FloatBuffer(count: N * C), FloatBuffer(count: N * shape.heads))
            afterAttention = FloatBuffer(count: N * C)
            (ln2, ln2Mean, ln2ReciprocalStd) = (FloatBuffer(count: N * C), FloatBuffer(count: N), FloatBuffer(count: N))
            hidden = FloatBuffer(count: N * F)
        }
    }

    /// Buffers that no block keeps between forward and backward, shared by all blocks of a model.
    public final class Scratch {
        let projection: FloatBuffer                          // proj and fc2 outputs before the residual add, (B, T, C)
        let normalizedGradient, qkvGradient, attendedGradient: FloatBuffer
        /// GELU(hidden): written in forward for fc2 and again in backward for fc2's weight
        /// gradient (a (B, T, F) buffer per block saved for one cheap elementwise pass), then
        /// reused for the gradient of fc1's output.
        let activated: FloatBuffer
        let activatedGradient: FloatBuffer

        public init(_ shape: Shape) {
            let (N, C, F) = (shape.batchSize * shape.sequenceLength, shape.channels, shape.feedForwardChannels)
            projection = FloatBuffer(count: N * C)
            (normalizedGradient, qkvGradient, attendedGradient) = (FloatBuffer(count: N * C), FloatBuffer(count: N * 3 * C), FloatBuffer(count: N * C))
            (activated, activatedGradient) = (FloatBuffer(count: N * F), FloatBuffer(count: N * F))
        }
    }

    /// Sizes of one block's tensors.
    public struct Shape: Sendable, Equatable {
        public var batchSize: Int, sequenceLength: Int, channels: Int, heads: Int, feedForwardChannels: Int
        public init(batchSize: Int, sequenceLength: Int, channels: Int, heads: Int, feedForwardChannels: Int) {
            (self.batchSize, self.sequenceLength, self.channels, self.heads, self.feedForwardChannels) =
                (batchSize, sequenceLength, channels, heads, feedForwardChannels)
        }
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
        parameters w: UnsafePointer<Float>, layout p: Parameters, shape: Shape, activations a: Activations, scratch s: Scratch
    ) {
        let (B, T, C, NH) = (shape.batchSize, shape.sequenceLength, shape.channels, shape.heads)
        LayerNorm.forward(output: a.ln1.pointer, mean: a.ln1Mean.pointer, reciprocalStandardDeviation: a.ln1ReciprocalStd.pointer,
                          input: x, weight: w + p.ln1.weight, bias: w + p.ln1.bias, batchSize: B, sequenceLength: T, channels: C)
        Linear.forward(output: a.qkv.pointer, input: a.ln1.pointer, weight: w + p.qkv.weight, bias: w + p.qkv.bias,
                       batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: 3 * C)
        CausalSelfAttention.forward(output: a.attended.pointer, logSumExp: a.logSumExp.pointer, qkv: a.qkv.pointer,
                                    batchSize: B, sequenceLength: T, channels: C, heads: NH)
        Linear.forward(output: s.projection.pointer, input: a.attended.pointer, weight: w + p.proj.weight, bias: w + p.proj.bias,
                       batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: C)
        Residual.forward(output: a.afterAttention.pointer, a: x, b: s.projection.pointer, count: B * T * C)
        LayerNorm.forward(output: a.ln2.pointer, mean: a.ln2Mean.pointer, reciprocalStandardDeviation: a.ln2ReciprocalStd.pointer,
                          input: a.afterAttention.pointer, weight: w + p.ln2.weight, bias: w + p.ln2.bias,
                          batchSize: B, sequenceLength: T, channels: C)
        feedForward(output: output, parameters: w, layout: p, shape: shape, activations: a, scratch: s)
    }

    /// The MLP branch and its residual add, from ln2's output: output = x2 + fc2(gelu(fc1(ln2))).
    /// Shared with `EncoderBlock`.
    static func feedForward(
        output: UnsafeMutablePointer<Float>, parameters w: UnsafePointer<Float>, layout p: Parameters,
        shape: Shape, activations a: Activations, scratch s: Scratch
    ) {
        let (B, T, C, F) = (shape.batchSize, shape.sequenceLength, shape.channels, shape.feedForwardChannels)
        Linear.forward(output: a.hidden.pointer, input: a.ln2.pointer, weight: w + p.fc1.weight, bias: w + p.fc1.bias,
                       batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: F)
        GELU.forward(output: s.activated.pointer, input: a.hidden.pointer, count: B * T * F)
        Linear.forward(output: s.projection.pointer, input: s.activated.pointer, weight: w + p.fc2.weight, bias: w + p.fc2.bias,
                       batchSize: B, sequenceLength: T, inputChannels: F, outputChannels: C)
        Residual.forward(output: output, a: a.afterAttention.pointer, b: s.projection.pointer, count: B * T * C)
    }

    /// `residualGradient` holds the gradient of the block's output on entry and that of its
    /// input on return. The two residual adds need no call: their backward passes the gradient
    /// through unchanged, so each branch reads the stream's gradient and LayerNorm adds its
    /// share into it. Parameter gradients accumulate at the parameters' offsets in `gradients`.
    public static func backward(
        residualGradient dx: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
        parameters w: UnsafePointer<Float>, layout p: Parameters, shape: Shape, activations a: Activations, scratch s: Scratch
    ) {
        let (B, T, C, NH) = (shape.batchSize, shape.sequenceLength, shape.channels, shape.heads)
        for buffer in [s.qkvGradient, s.attendedGradient] { buffer.zero() }
        feedForwardBackward(residualGradient: dx, gradients: g, parameters: w, layout: p, shape: shape, activations: a, scratch: s)
        // Attention branch, reversed; dx now holds the gradient of x2.
        s.normalizedGradient.zero()
        Linear.backward(inputGradient: s.attendedGradient.pointer, weightGradient: g + p.proj.weight, biasGradient: g + p.proj.bias,
                        outputGradient: dx, input: a.attended.pointer, weight: w + p.proj.weight,
                        batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: C)
        CausalSelfAttention.backward(qkvGradient: s.qkvGradient.pointer, outputGradient: s.attendedGradient.pointer,
                                     qkv: a.qkv.pointer, output: a.attended.pointer, logSumExp: a.logSumExp.pointer,
                                     batchSize: B, sequenceLength: T, channels: C, heads: NH)
        Linear.backward(inputGradient: s.normalizedGradient.pointer, weightGradient: g + p.qkv.weight, biasGradient: g + p.qkv.bias,
                        outputGradient: s.qkvGradient.pointer, input: a.ln1.pointer, weight: w + p.qkv.weight,
                        batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: 3 * C)
        LayerNorm.backward(inputGradient: dx, weightGradient: g + p.ln1.weight, biasGradient: g + p.ln1.bias,
                           outputGradient: s.normalizedGradient.pointer, input: x, weight: w + p.ln1.weight,
                           mean: a.ln1Mean.pointer, reciprocalStandardDeviation: a.ln1ReciprocalStd.pointer,
                           batchSize: B, sequenceLength: T, channels: C)
    }

    /// The MLP branch reversed, through ln2: adds the branch's share to `residualGradient` (the
    /// gradient of x2 on return) and accumulates fc1, fc2 and ln2's parameter gradients.
    /// Leaves `scratch.normalizedGradient` dirty. Shared with `EncoderBlock`.
    static func feedForwardBackward(
        residualGradient dx: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
        parameters w: UnsafePointer<Float>, layout p: Parameters, shape: Shape, activations a: Activations, scratch s: Scratch
    ) {
        let (B, T, C, F) = (shape.batchSize, shape.sequenceLength, shape.channels, shape.feedForwardChannels)
        s.normalizedGradient.zero()
        s.activatedGradient.zero()
        GELU.forward(output: s.activated.pointer, input: a.hidden.pointer, count: B * T * F)
        Linear.backward(inputGradient: s.activatedGradient.pointer, weightGradient: g + p.fc2.weight, biasGradient: g + p.fc2.bias,
                        outputGradient: dx, input: s.activated.pointer, weight: w + p.fc2.weight,
                        batchSize: B, sequenceLength: T, inputChannels: F, outputChannels: C)
        let hiddenGradient = s.activated // GELU(hidden) is spent: its buffer takes fc1's output gradient
        hiddenGradient.zero()
        GELU.backward(inputGradient: hiddenGradient.pointer, outputGradient: s.activatedGradient.pointer,
                      input: a.hidden.pointer, count: B * T * F)
        Linear.backward(inputGradient: s.normalizedGradient.pointer, weightGradient: g + p.fc1.weight, biasGradient: g + p.fc1.bias,
                        outputGradient: hiddenGradient.pointer, input: a.ln2.pointer, weight: w + p.fc1.weight,
                        batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: F)
        LayerNorm.backward(inputGradient: dx, weightGradient: g + p.ln2.weight, biasGradient: g + p.ln2.bias,
                           outputGradient: s.normalizedGradient.pointer, input: a.afterAttention.pointer, weight: w + p.ln2.weight,
                           mean: a.ln2Mean.pointer, reciprocalStandardDeviation: a.ln2ReciprocalStd.pointer,
                           batchSize: B, sequenceLength: T, channels: C)
    }
}
