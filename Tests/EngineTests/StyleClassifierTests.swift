import Testing
import Engine

// The style classifier's layers and model against finite differences (see `gradientErrors`
// and the tolerance in LayerGradientTests), plus the properties the masking promises.

@Suite struct StyleClassifierGradientTests {
    static let tiny = StyleClassifierConfiguration(vocabularySize: 7, classCount: 3, contextLength: 5, layers: 2,
                                                   channels: 4, heads: 2, feedForwardChannels: 6)
    let B = 2, T = 4
    /// Row 0 is full; row 1 has 2 real tokens, then padding (0) and a stray token after it,
    /// which must be ignored like the padding.
    let tokens: [Int32] = [1, 6, 2, 3,
                           4, 3, 0, 5]
    let labels: [Int32] = [2, 0]

    @Test func meanPooling() {
        let (B, T, C) = (3, 4, 5)
        let lengths = [4, 2, 0]
        let errors = gradientErrors(inputs: [("input", randomFloats(B * T * C, seed: 1))], outputCount: B * C) { x, out in
            MeanPooling.forward(output: out, input: x[0], lengths: lengths, batchSize: B, sequenceLength: T, channels: C)
        } backward: { _, dout, g in
            MeanPooling.backward(inputGradient: g[0], outputGradient: dout, lengths: lengths, batchSize: B, sequenceLength: T, channels: C)
        }
        expectSmall(errors)
        // A row's mean is the mean of its real positions only.
        let input = randomFloats(B * T * C, seed: 2), output = FloatBuffer(count: B * C)
        MeanPooling.forward(output: output.pointer, input: input, lengths: lengths, batchSize: B, sequenceLength: T, channels: C)
        let expected = (input[20] + input[25]) / 2  // row 1, channel 0, positions 0 and 1
        #expect(abs(output.pointer[C] - expected) < 1e-6)
        #expect(output.array[(2 * C)...].allSatisfy { $0 == 0 })
    }

    @Test(arguments: [[4, 4], [4, 2], [1, 3]]) func encoderBlock(lengths: [Int]) {
        let (B, T, C, NH, F) = (2, 4, 6, 2, 8)
        var table = ParameterTable()
        let layout = EncoderBlock.Parameters(registeringIn: &table, prefix: "b", channels: C, feedForwardChannels: F)
        var generator = SeededGenerator(seed: 3)
        let initial = FloatBuffer(count: table.count)
        table.initialize(initial.pointer, generator: &generator)
        let shape = EncoderBlock.Shape(batchSize: B, sequenceLength: T, channels: C, heads: NH, feedForwardChannels: F)
        let activations = EncoderBlock.Activations(shape), scratch = EncoderBlock.Scratch(shape)
        let errors = gradientErrors(
            inputs: [("input", randomFloats(B * T * C, scale: 1.5, seed: 4)), ("parameters", initial.array)],
            outputCount: B * T * C, maximumChecks: 200
        ) { x, out in
            EncoderBlock.forward(output: out, input: x[0], lengths: lengths, parameters: x[1], layout: layout,
                                 shape: shape, activations: activations, scratch: scratch)
        } backward: { x, dout, g in
            // The block's backward takes the output gradient in place of the input gradient.
            let stream = FloatBuffer(count: B * T * C)
            stream.pointer.update(from: dout, count: B * T * C)
            EncoderBlock.backward(residualGradient: stream.pointer, gradients: g[1], input: x[0], lengths: lengths, parameters: x[1],
                                  layout: layout, shape: shape, activations: activations, scratch: scratch)
            for i in 0..<(B * T * C) { g[0][i] += stream.pointer[i] }
        }
        expectSmall(errors)
    }

    /// Unlike the decoder block, every position sees the last one.
    @Test func encoderBlockIsNotCausal() {
        let (T, C, NH, F) = (3, 4, 2, 6)
        var table = ParameterTable()
        let layout = EncoderBlock.Parameters(registeringIn: &table, prefix: "b", channels: C, feedForwardChannels: F)
        var generator = SeededGenerator(seed: 5)
        let w = FloatBuffer(count: table.count)
        table.initialize(w.pointer, generator: &generator)
        let shape = EncoderBlock.Shape(batchSize: 1, sequenceLength: T, channels: C, heads: NH, feedForwardChannels: F)
        let activations = EncoderBlock.Activations(shape), scratch = EncoderBlock.Scratch(shape)
        func run(_ input: [Float]) -> [Float] {
            let out = FloatBuffer(count: T * C)
            EncoderBlock.forward(output: out.pointer, input: input, lengths: [T], parameters: w.pointer, layout: layout,
                                 shape: shape, activations: activations, scratch: scratch)
            return out.array
        }
        var input = randomFloats(T * C, seed: 6)
        let before = run(input)
        input[(T - 1) * C] += 1  // the last position only
        let after = run(input)
        #expect(before[0..<C] != after[0..<C])
    }

    @Test func wholeModel() {
        let model = StyleClassifierModel(configuration: Self.tiny, seed: 1)
        let count = model.parameterCount
        let errors = gradientErrors(inputs: [("parameters", model.parameters.array)], outputCount: 1, maximumChecks: 300) { x, out in
            model.parameters.pointer.update(from: x[0], count: count)
            out[0] = model.forward(tokens: tokens, labels: labels, batchSize: B, sequenceLength: T)!
        } backward: { _, dout, g in
            model.zeroGradients()
            model.backward()
            for i in 0..<count { g[0][i] += dout[0] * model.gradients.pointer[i] }
        }
        expectSmall(errors)
    }

    /// A padded window scores exactly as the same tokens alone, unpadded; and a batch of full
    /// windows (one kernel call) as each window alone.
    @Test func paddingAndBatchingDoNotChangeTheLogits() {
        let model = StyleClassifierModel(configuration: Self.tiny, seed: 2)
        model.forward(tokens: tokens, labels: nil, batchSize: B, sequenceLength: T)
        let batched = Array(model.logits)
        model.forward(tokens: [1, 6, 2, 3], labels: nil, batchSize: 1, sequenceLength: 4)
        let first = Array(model.logits)
        model.forward(tokens: [4, 3], labels: nil, batchSize: 1, sequenceLength: 2)
        let second = Array(model.logits)
        let K = Self.tiny.classCount
        #expect(zip(batched[0..<K], first).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(batched[K...], second).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(model.validLengths(of: tokens, batchSize: B, sequenceLength: T) == [4, 2])

        let full: [Int32] = [1, 6, 2, 3, 5, 5, 4, 1]
        model.forward(tokens: full, labels: nil, batchSize: 2, sequenceLength: 4)
        let both = Array(model.logits)
        model.forward(tokens: Array(full[4...]), labels: nil, batchSize: 1, sequenceLength: 4)
        #expect(zip(both[K...], Array(model.logits)).allSatisfy { abs($0 - $1) < 1e-5 })
        let p = model.probabilities()
        #expect(p.count == K && abs(p.reduce(0, +) - 1) < 1e-5 && p.allSatisfy { $0 > 0 })
    }

    @Test func gradientDescentLowersTheLoss() {
        let model = StyleClassifierModel(configuration: Self.tiny, seed: 4)
        var losses: [Float] = []
        for _ in 0..<60 {
            losses.append(model.forward(tokens: tokens, labels: labels, batchSize: B, sequenceLength: T)!)
            model.zeroGradients()
            model.backward()
            for i in 0..<model.parameterCount { model.parameters.pointer[i] -= 0.2 * model.gradients.pointer[i] }
        }
        #expect(losses.last! < 0.2 * losses.first!, "\(losses)")
    }

    @Test func defaultSizeAndNames() {
        let model = StyleClassifierModel(configuration: StyleClassifierConfiguration(classCount: 7), seed: 0)
        #expect(model.parameterCount == 496_007)
        let names = model.parameterTable.entries.map(\.name)
        #expect(names.prefix(3) == ["tok.weight", "pos.weight", "blocks.0.ln1.weight"])
        #expect(names.suffix(4) == ["lnf.weight", "lnf.bias", "head.weight", "head.bias"])
        #expect(model.parameterTable.entry(named: "head.weight")?.shape == [7, 128])
    }
}
