import Testing
import Engine

// Finite-difference gradient checks, one per layer (see `gradientErrors`).
// Tolerance: relative error ≤ 1e-2 of the tensor's largest gradient. With step 1e-2 the
// central difference's truncation error is O(step²) ≈ 1e-4 relative and Float rounding in
// the loss adds ≈ 1e-5; any missing or wrong term gives an error of order 1. Measured when
// written: at most 1.7e-4 (LSTM weight_hh); bugs planted on purpose gave 0.3–2.8.
let tolerance = 1e-2

func expectSmall(_ errors: [GradientError], _ limit: Double = tolerance, sourceLocation: SourceLocation = #_sourceLocation) {
    for error in errors {
        #expect(error.relativeError < limit, "\(error)", sourceLocation: sourceLocation)
        #expect(error.checked > 0, sourceLocation: sourceLocation)
    }
}

@Suite struct LayerGradientTests {
    let B = 2, T = 3, C = 5

    @Test func tokenEmbedding() {
        let V = 7
        let tokens: [Int32] = [3, 0, 3, 6, 1, 3]
        let errors = gradientErrors(inputs: [("weight", randomFloats(V * C, seed: 1))], outputCount: B * T * C) { x, out in
            TokenEmbedding.forward(output: out, tokens: tokens, weight: x[0], batchSize: B, sequenceLength: T, channels: C, vocabularySize: V)
        } backward: { _, dout, g in
            TokenEmbedding.backward(weightGradient: g[0], outputGradient: dout, tokens: tokens, batchSize: B, sequenceLength: T, channels: C)
        }
        expectSmall(errors)
    }

    @Test func positionalEmbedding() {
        let maximumT = 5
        let errors = gradientErrors(
            inputs: [("input", randomFloats(B * T * C, seed: 1)), ("weight", randomFloats(maximumT * C, seed: 2))],
            outputCount: B * T * C
        ) { x, out in
            out.update(from: x[0], count: B * T * C)
            PositionalEmbedding.forward(output: out, weight: x[1], batchSize: B, sequenceLength: T, channels: C, firstPosition: 1)
        } backward: { _, dout, g in
            for i in 0..<(B * T * C) { g[0][i] += dout[i] }  // the addition's identity path
            PositionalEmbedding.backward(weightGradient: g[1], outputGradient: dout, batchSize: B, sequenceLength: T, channels: C, firstPosition: 1)
        }
        expectSmall(errors)
    }

    @Test func genreConditioning() {
        let G = 16
        let genres: [Int32] = [15, 2]
        let errors = gradientErrors(
            inputs: [("input", randomFloats(B * T * C, seed: 1)), ("weight", randomFloats(G * C, seed: 2))],
            outputCount: B * T * C
        ) { x, out in
            out.update(from: x[0], count: B * T * C)
            GenreConditioning.forward(output: out, genres: genres, weight: x[1], batchSize: B, sequenceLength: T, channels: C, genreCount: G)
        } backward: { _, dout, g in
            for i in 0..<(B * T * C) { g[0][i] += dout[i] }
            GenreConditioning.backward(weightGradient: g[1], outputGradient: dout, genres: genres, batchSize: B, sequenceLength: T, channels: C)
        }
        expectSmall(errors)
    }

    @Test func layerNorm() {
        let mean = FloatBuffer(count: B * T), rstd = FloatBuffer(count: B * T)
        let errors = gradientErrors(
            inputs: [("input", randomFloats(B * T * C, scale: 2, seed: 1)),
                     ("weight", randomFloats(C, seed: 2)), ("bias", randomFloats(C, seed: 3))],
            outputCount: B * T * C
        ) { x, out in
            LayerNorm.forward(output: out, mean: mean.pointer, reciprocalStandardDeviation: rstd.pointer,
                              input: x[0], weight: x[1], bias: x[2], batchSize: B, sequenceLength: T, channels: C)
        } backward: { x, dout, g in
            LayerNorm.backward(inputGradient: g[0], weightGradient: g[1], biasGradient: g[2], outputGradient: dout,
                               input: x[0], weight: x[1], mean: mean.pointer, reciprocalStandardDeviation: rstd.pointer,
                               batchSize: B, sequenceLength: T, channels: C)
        }
        expectSmall(errors)
    }

    @Test(arguments: [true, false]) func linear(withBias: Bool) {
        let OC = 4
        var inputs = [("input", randomFloats(B * T * C, seed: 1)), ("weight", randomFloats(OC * C, seed: 2))]
        if withBias { inputs.append(("bias", randomFloats(OC, seed: 3))) }
        let errors = gradientErrors(inputs: inputs, outputCount: B * T * OC) { x, out in
            Linear.forward(output: out, input: x[0], weight: x[1], bias: withBias ? UnsafePointer(x[2]) : nil,
                           batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: OC)
        } backward: { x, dout, g in
            Linear.backward(inputGradient: g[0], weightGradient: g[1], biasGradient: withBias ? g[2] : nil, outputGradient: dout,
                            input: x[0], weight: x[1], batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: OC)
        }
        expectSmall(errors)
    }

    @Test func gelu() {
        let n = 40
        let errors = gradientErrors(inputs: [("input", randomFloats(n, scale: 4, seed: 1))], outputCount: n) { x, out in
            GELU.forward(output: out, input: x[0], count: n)
        } backward: { x, dout, g in
            GELU.backward(inputGradient: g[0], outputGradient: dout, input: x[0], count: n)
        }
        expectSmall(errors)
    }

    @Test func residual() {
        let n = 12
        let errors = gradientErrors(inputs: [("a", randomFloats(n, seed: 1)), ("b", randomFloats(n, seed: 2))], outputCount: n) { x, out in
            Residual.forward(output: out, a: x[0], b: x[1], count: n)
        } backward: { _, dout, g in
            Residual.backward(aGradient: g[0], bGradient: g[1], outputGradient: dout, count: n)
        }
        expectSmall(errors)
    }

    @Test func dropout() {
        let n = 50
        let mask = FloatBuffer(count: n)
        let errors = gradientErrors(inputs: [("input", randomFloats(n, seed: 1))], outputCount: n) { x, out in
            var generator = SeededGenerator(seed: 5)  // same seed, same mask, at every evaluation
            Dropout.forward(output: out, mask: mask.pointer, input: x[0], count: n, probability: 0.3, generator: &generator)
        } backward: { _, dout, g in
            Dropout.backward(inputGradient: g[0], outputGradient: dout, mask: mask.pointer, count: n)
        }
        expectSmall(errors)
    }

    @Test func fusedMultiHeadAttention() {
        let (T, C, NH) = (4, 8, 2)
        let lse = FloatBuffer(count: B * NH * T)
        let output = FloatBuffer(count: B * T * C)
        let errors = gradientErrors(inputs: [("qkv", randomFloats(B * T * 3 * C, scale: 1.5, seed: 1))], outputCount: B * T * C) { x, out in
            CausalSelfAttention.forward(output: out, logSumExp: lse.pointer, qkv: x[0], batchSize: B, sequenceLength: T, channels: C, heads: NH)
            output.pointer.update(from: out, count: B * T * C)
        } backward: { x, dout, g in
            CausalSelfAttention.backward(qkvGradient: g[0], outputGradient: dout, qkv: x[0], output: output.pointer, logSumExp: lse.pointer,
                                         batchSize: B, sequenceLength: T, channels: C, heads: NH)
        }
        expectSmall(errors)
    }

    @Test func stridedSingleHeadAttention() {
        let (T, H) = (5, 3)
        let lse = FloatBuffer(count: B * T)
        let output = FloatBuffer(count: B * T * H)
        let errors = gradientErrors(
            inputs: [("query", randomFloats(B * T * H, seed: 1)), ("key", randomFloats(B * T * H, seed: 2)),
                     ("value", randomFloats(B * T * H, seed: 3))],
            outputCount: B * T * H
        ) { x, out in
            CausalSelfAttention.forward(output: out, logSumExp: lse.pointer, query: x[0], key: x[1], value: x[2], rowStride: H,
                                        batchSize: B, sequenceLength: T, heads: 1, headSize: H)
            output.pointer.update(from: out, count: B * T * H)
        } backward: { x, dout, g in
            CausalSelfAttention.backward(queryGradient: g[0], keyGradient: g[1], valueGradient: g[2], outputGradient: dout,
                                         query: x[0], key: x[1], value: x[2], rowStride: H, output: output.pointer, logSumExp: lse.pointer,
                                         batchSize: B, sequenceLength: T, heads: 1, headSize: H)
        }
        expectSmall(errors)
    }
}
