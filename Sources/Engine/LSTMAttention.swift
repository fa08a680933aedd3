// hidden (B, T, H), q/k/v/o weights (H, H) and biases (H), output (B, T, H)
//
// The reference LSTMAttn's attention over its LSTM outputs, one head of H channels:
//   output = hidden + o(attention(q(hidden), k(hidden), v(hidden)))   (causal, scale 1/√H)
// Parameter names `q.weight`, `q.bias`, …, `o.bias`, as in the PyTorch module.

/// Single-head causal self-attention with a residual connection, over LSTM outputs.
public enum LSTMAttention {
    /// Offsets of the eight tensors in the flat parameter (and gradient) buffer.
    public struct Parameters: Sendable {
        public let query: (weight: Int, bias: Int)
        public let key: (weight: Int, bias: Int)
        public let value: (weight: Int, bias: Int)
        public let output: (weight: Int, bias: Int)

        /// Appends `q`, `k`, `v`, `o` (each `nn.Linear(H, H)`) to the table.
        public init(registeringIn table: inout ParameterTable, hiddenSize H: Int) {
            query = table.addLinear("q", inputs: H, outputs: H)
            key = table.addLinear("k", inputs: H, outputs: H)
            value = table.addLinear("v", inputs: H, outputs: H)
            output = table.addLinear("o", inputs: H, outputs: H)
        }
    }

    /// What forward keeps for backward, plus backward's own scratch, sized for (B, T, H).
    public final class Activations {
        public let batchSize: Int, sequenceLength: Int, hiddenSize: Int
        let query, key, value, attended: FloatBuffer      // (B, T, H) each
        let logSumExp: FloatBuffer                        // (B, 1, T)
        let queryGradient, keyGradient, valueGradient, attendedGradient: FloatBuffer

        public init(batchSize B: Int, sequenceLength T: Int, hiddenSize H: Int) {
            (batchSize, sequenceLength, hiddenSize) = (B, T, H)
            let size = B * T * H
            (query, key, value, attended) = (FloatBuffer(count: size), FloatBuffer(count: size), FloatBuffer(count: size), FloatBuffer(count: size))
            logSumExp = FloatBuffer(count: B * T)
            (queryGradient, keyGradient, valueGradient, attendedGradient) =
                (FloatBuffer(count: size), FloatBuffer(count: size), FloatBuffer(count: size), FloatBuffer(count: size))
        }
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>, hidden: UnsafePointer<Float>,
        parameters w: UnsafePointer<Float>, layout p: Parameters, activations a: Activations
    ) {
        let (B, T, H) = (a.batchSize, a.sequenceLength, a.hiddenSize)
        Linear.forward(output: a.query.pointer, input: hidden, weight: w + p.query.weight, bias: w + p.query.bias,
                       batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        Linear.forward(output: a.key.pointer, input: hidden, weight: w + p.key.weight, bias: w + p.key.bias,
                       batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        Linear.forward(output: a.value.pointer, input: hidden, weight: w + p.value.weight, bias: w + p.value.bias,
                       batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        CausalSelfAttention.forward(
            output: a.attended.pointer, logSumExp: a.logSumExp.pointer,
            query: a.query.pointer, key: a.key.pointer, value: a.value.pointer, rowStride: H,
            batchSize: B, sequenceLength: T, heads: 1, headSize: H)
        Linear.forward(output: output, input: a.attended.pointer, weight: w + p.output.weight, bias: w + p.output.bias,
                       batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        Residual.forward(output: output, a: hidden, b: output, count: B * T * H)
    }

    /// Accumulates into hiddenGradient and the eight parameter gradients (at the same offsets
    /// in `gradients` as the parameters in `parameters`).
    public static func backward(
        hiddenGradient: UnsafeMutablePointer<Float>, gradients g: UnsafeMutablePointer<Float>,
        outputGradient: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
        parameters w: UnsafePointer<Float>, layout p: Parameters, activations a: Activations
    ) {
        let (B, T, H) = (a.batchSize, a.sequenceLength, a.hiddenSize)
        let size = B * T * H
        for buffer in [a.queryGradient, a.keyGradient, a.valueGradient, a.attendedGradient] { buffer.zero() }
        // Residual: the hidden state receives the output gradient unchanged; so does o.
        for i in 0..<size { hiddenGradient[i] += outputGradient[i] }
        Linear.backward(inputGradient: a.attendedGradient.pointer, weightGradient: g + p.output.weight, biasGradient: g + p.output.bias,
                        outputGradient: outputGradient, input: a.attended.pointer, weight: w + p.output.weight,
                        batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        CausalSelfAttention.backward(
            queryGradient: a.queryGradient.pointer, keyGradient: a.keyGradient.pointer, valueGradient: a.valueGradient.pointer,
            outputGradient: a.attendedGradient.pointer,
            query: a.query.pointer, key: a.key.pointer, value: a.value.pointer, rowStride: H,
            output: a.attended.pointer, logSumExp: a.logSumExp.pointer,
            batchSize: B, sequenceLength: T, heads: 1, headSize: H)
        Linear.backward(inputGradient: hiddenGradient, weightGradient: g + p.value.weight, biasGradient: g + p.value.bias,
                        outputGradient: a.valueGradient.pointer, input: hidden, weight: w + p.value.weight,
                        batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        Linear.backward(inputGradient: hiddenGradient, weightGradient: g + p.key.weight, biasGradient: g + p.key.bias,
                        outputGradient: a.keyGradient.pointer, input: hidden, weight: w + p.key.weight,
                        batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
        Linear.backward(inputGradient: hiddenGradient, weightGradient: g + p.query.weight, biasGradient: g + p.query.bias,
                        outputGradient: a.queryGradient.pointer, input: hidden, weight: w + p.query.weight,
                        batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: H)
    }
}
