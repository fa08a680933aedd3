import Testing
import Engine
import Foundation

@Suite struct RecurrentGradientTests {
    let B = 2, T = 4, I = 3, H = 3

    /// One LSTM layer: input and all four parameters, from a zero or a given initial state.
    @Test(arguments: [false, true]) func lstmLayer(withInitialState: Bool) {
        let G = 4 * H
        let cells = FloatBuffer(count: B * T * H), gates = FloatBuffer(count: B * T * G), output = FloatBuffer(count: B * T * H)
        let h0 = randomFloats(B * H, seed: 11), c0 = randomFloats(B * H, seed: 12)
        let errors = gradientErrors(
            inputs: [("input", randomFloats(B * T * I, scale: 1.5, seed: 1)),
                     ("weight_ih", randomFloats(G * I, seed: 2)), ("weight_hh", randomFloats(G * H, seed: 3)),
                     ("bias_ih", randomFloats(G, seed: 4)), ("bias_hh", randomFloats(G, seed: 5))],
            outputCount: B * T * H
        ) { x, out in
            LSTM.forward(output: out, cells: cells.pointer, gates: gates.pointer, input: x[0],
                         weightInputHidden: x[1], weightHiddenHidden: x[2], biasInputHidden: x[3], biasHiddenHidden: x[4],
                         initialHidden: withInitialState ? h0 : nil, initialCell: withInitialState ? c0 : nil,
                         batchSize: B, sequenceLength: T, inputSize: I, hiddenSize: H)
            output.pointer.update(from: out, count: B * T * H)
        } backward: { x, dout, g in
            LSTM.backward(inputGradient: g[0], weightInputHiddenGradient: g[1], weightHiddenHiddenGradient: g[2],
                          biasInputHiddenGradient: g[3], biasHiddenHiddenGradient: g[4], outputGradient: dout,
                          output: output.pointer, cells: cells.pointer, gates: gates.pointer, input: x[0],
                          weightInputHidden: x[1], weightHiddenHidden: x[2],
                          initialHidden: withInitialState ? h0 : nil, initialCell: withInitialState ? c0 : nil,
                          batchSize: B, sequenceLength: T, inputSize: I, hiddenSize: H)
        }
        expectSmall(errors)
    }

    /// The attention block over LSTM outputs: hidden input and all eight parameter tensors,
    /// laid out by the parameter table as the model lays them out.
    @Test func lstmAttention() {
        var table = ParameterTable()
        let layout = LSTMAttention.Parameters(registeringIn: &table, hiddenSize: H)
        #expect(table.entries.map(\.name) == ["q.weight", "q.bias", "k.weight", "k.bias", "v.weight", "v.bias", "o.weight", "o.bias"])
        let activations = LSTMAttention.Activations(batchSize: B, sequenceLength: T, hiddenSize: H)
        let errors = gradientErrors(
            inputs: [("hidden", randomFloats(B * T * H, scale: 1.5, seed: 1)), ("parameters", randomFloats(table.count, seed: 2))],
            outputCount: B * T * H
        ) { x, out in
            LSTMAttention.forward(output: out, hidden: x[0], parameters: x[1], layout: layout, activations: activations)
        } backward: { x, dout, g in
            LSTMAttention.backward(hiddenGradient: g[0], gradients: g[1], outputGradient: dout, hidden: x[0],
                                   parameters: x[1], layout: layout, activations: activations)
        }
        expectSmall(errors)
    }
}

@Suite struct CrossEntropyTests {
    let B = 2, T = 3, V = 5
    let targets: [Int32] = [4, 0, -1, 2, -1, 1]

    /// Loss by the definition, in Double: mean over counted rows of log Σ exp − logit[target].
    func referenceLoss(_ logits: [Float]) -> Double {
        var total = 0.0, counted = 0
        for n in 0..<(B * T) where targets[n] != -1 {
            let row = logits[(n * V)..<((n + 1) * V)].map(Double.init)
            let maximum = row.max()!
            let lse = maximum + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - maximum) })
            total += lse - row[Int(targets[n])]
            counted += 1
        }
        return total / Double(counted)
    }

    @Test func lossIgnoresPaddingTargets() {
        let logits = randomFloats(B * T * V, scale: 3, seed: 1)
        let (loss, count) = CrossEntropy.forward(logits: logits, targets: targets, batchSize: B, sequenceLength: T,
                                                 vocabularySize: V, ignoredTarget: -1)
        #expect(count == 4)
        #expect(abs(Double(loss) - referenceLoss(logits)) < 1e-5)
        // Changing an ignored row's logits changes nothing.
        var changed = logits
        for v in 0..<V { changed[2 * V + v] += Float(v) * 10 }
        #expect(CrossEntropy.forward(logits: changed, targets: targets, batchSize: B, sequenceLength: T,
                                     vocabularySize: V, ignoredTarget: -1).loss == loss)
    }

    @Test func fusedBackwardMatchesFiniteDifferences() {
        var fusedLoss: Float = 0
        let errors = gradientErrors(inputs: [("logits", randomFloats(B * T * V, scale: 3, seed: 1))], outputCount: 1) { x, out in
            out[0] = CrossEntropy.forward(logits: x[0], targets: targets, batchSize: B, sequenceLength: T,
                                          vocabularySize: V, ignoredTarget: -1).loss
        } backward: { x, dout, g in
            // forwardBackward writes, so go through a scratch buffer to keep the harness's
            // accumulation check meaningful for the rest of the engine.
            let scratch = FloatBuffer(count: B * T * V)
            fusedLoss = CrossEntropy.forwardBackward(logitGradients: scratch.pointer, logits: x[0], targets: targets,
                                                     batchSize: B, sequenceLength: T, vocabularySize: V, ignoredTarget: -1).loss
            for i in 0..<(B * T * V) { g[0][i] += dout[0] * scratch.pointer[i] }
            for v in 0..<V { #expect(scratch.pointer[2 * V + v] == 0 && scratch.pointer[4 * V + v] == 0) }
        }
        expectSmall(errors)
        #expect(abs(Double(fusedLoss) - referenceLoss(randomFloats(B * T * V, scale: 3, seed: 1))) < 1e-5)
    }

    @Test func everyTargetIgnoredGivesZero() {
        let ignored = [Int32](repeating: 7, count: B * T)
        let gradients = FloatBuffer(count: B * T * V)
        gradients.buffer.update(repeating: 1)
        let result = CrossEntropy.forwardBackward(logitGradients: gradients.pointer, logits: randomFloats(B * T * V, seed: 1),
                                                  targets: ignored, batchSize: B, sequenceLength: T, vocabularySize: V, ignoredTarget: 7)
        #expect(result.loss == 0 && result.count == 0)
        #expect(gradients.array.allSatisfy { $0 == 0 })
    }
}
