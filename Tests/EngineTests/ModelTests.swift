import Testing
import Engine

@Suite struct ParameterCountTests {
    /// PyTorch's count for models.py `GPT`, summed by hand from the module shapes.
    func transformerCount(_ c: TransformerConfiguration) -> Int {
        let (V, G, P, d, F) = (c.vocabularySize, c.genreCount, c.contextLength, c.channels, c.feedForwardChannels)
        let block = 2 * d            // ln1
            + 3 * d * d + 3 * d      // qkv
            + d * d + d              // proj
            + 2 * d                  // ln2
            + F * d + F              // fc1
            + d * F + d              // fc2
        return V * d + G * d + P * d + c.layers * block + 2 * d + V * d + V
    }

    /// PyTorch's count for models.py `LSTMAttn` (nn.LSTM: W_ih, W_hh, b_ih, b_hh per layer).
    func lstmAttentionCount(_ c: LSTMAttentionConfiguration) -> Int {
        let (V, G, E, H) = (c.vocabularySize, c.genreCount, c.embeddingSize, c.hiddenSize)
        let lstm = (0..<c.layers).reduce(0) { sum, k in sum + 4 * H * (k == 0 ? E : H) + 4 * H * H + 2 * 4 * H }
        return V * E + G * E + lstm + 4 * (H * H + H) + V * H + V
    }

    @Test func transformerPresetsMatchPyTorch() {
        #expect(TransformerModel.Layout(.small).table.count == transformerCount(.small))
        #expect(TransformerModel.Layout(.medium).table.count == transformerCount(.medium))
        #expect(transformerCount(.small) == 5_136_896)    // "5.14M" in PERFORMANCE-FACTS.md
        #expect(transformerCount(.medium) == 26_015_232)  // "26.0M"
    }

    @Test func lstmAttentionPresetsMatchPyTorch() {
        #expect(LSTMAttentionModel.Layout(.small).table.count == lstmAttentionCount(.small))
        #expect(LSTMAttentionModel.Layout(.medium).table.count == lstmAttentionCount(.medium))
        #expect(lstmAttentionCount(.small) == 5_126_656)    // "5.13M"
        #expect(lstmAttentionCount(.medium) == 28_086_784)  // "about 28M" in CONVENTIONS.md
    }

    @Test func namesFollowTheStateDict() {
        let transformer = TransformerModel.Layout(.small).table
        #expect(transformer.entries.prefix(5).map(\.name) == ["tok.weight", "genre.weight", "pos.weight", "blocks.0.ln1.weight", "blocks.0.ln1.bias"])
        #expect(transformer.entry(named: "blocks.5.fc2.weight")?.shape == [256, 1024])
        #expect(transformer.entry(named: "blocks.0.qkv.weight")?.shape == [768, 256])
        #expect(transformer.entries.suffix(2).map(\.name) == ["head.weight", "head.bias"])
        let lstm = LSTMAttentionModel.Layout(.small).table
        #expect(lstm.entries.map(\.name).prefix(6) == ["tok.weight", "genre.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0",
                                                      "lstm.bias_ih_l0", "lstm.bias_hh_l0"])
        #expect(lstm.entry(named: "lstm.weight_ih_l1")?.shape == [2048, 512])
        #expect(lstm.entry(named: "o.weight")?.shape == [512, 512])
        // Decay: matrices and embeddings only.
        #expect(transformer.entries.filter(\.decays).allSatisfy { $0.shape.count == 2 })
        #expect(transformer.entries.filter { !$0.decays }.allSatisfy { $0.shape.count == 1 })
        // The entries tile the buffer with no gap.
        #expect(zip(transformer.entries, transformer.entries.dropFirst()).allSatisfy { $0.range.upperBound == $1.offset })
    }
}

@Suite struct ModelGradientTests {
    static let transformer = TransformerConfiguration(vocabularySize: 7, genreCount: 3, contextLength: 5, layers: 2,
                                                      channels: 4, heads: 2, feedForwardChannels: 6)
    static let lstm = LSTMAttentionConfiguration(vocabularySize: 7, genreCount: 3, embeddingSize: 3, hiddenSize: 4, layers: 2)
    let B = 2, T = 3
    let tokens: [Int32] = [1, 6, 2, 0, 3, 3]
    let genres: [Int32] = [2, 0]
    let targets: [Int32] = [6, 2, 5, 0, -1, 4]   // one padding target, ignored

    /// The whole model's loss against finite differences of every (sampled) parameter.
    func check(_ model: some LanguageModel) -> [GradientError] {
        let count = model.parameterCount
        return gradientErrors(inputs: [("parameters", model.parameters.array)], outputCount: 1, maximumChecks: 200) { x, out in
            model.parameters.pointer.update(from: x[0], count: count)
            out[0] = model.forward(tokens: tokens, genres: genres, targets: targets, ignoredTarget: -1, batchSize: B, sequenceLength: T)!
        } backward: { _, dout, g in
            model.zeroGradients()
            model.backward()
            for i in 0..<count { g[0][i] += dout[0] * model.gradients.pointer[i] }
        }
    }

    @Test func transformerGradients() {
        expectSmall(check(TransformerModel(configuration: Self.transformer, seed: 1)))
    }

    @Test func lstmAttentionGradients() {
        expectSmall(check(LSTMAttentionModel(configuration: Self.lstm, seed: 1)))
    }

    /// backward adds to the gradients; zeroGradients clears them.
    @Test func backwardAccumulates() {
        let models: [any LanguageModel] = [TransformerModel(configuration: Self.transformer, seed: 2),
                                           LSTMAttentionModel(configuration: Self.lstm, seed: 2)]
        for model in models {
            model.forward(tokens: tokens, genres: genres, targets: targets, ignoredTarget: -1, batchSize: B, sequenceLength: T)
            model.backward()
            let once = model.gradients.array
            model.backward()
            let twice = model.gradients.array
            #expect(once.contains { $0 != 0 })
            #expect(zip(once, twice).allSatisfy { abs(2 * $0 - $1) <= 1e-6 * max(1, abs($1)) })
            model.zeroGradients()
            #expect(model.gradients.array.allSatisfy { $0 == 0 })
        }
    }

    /// Changing the last token changes no earlier logits, and changes the last ones.
    @Test func modelsAreCausal() {
        let models: [any LanguageModel] = [TransformerModel(configuration: Self.transformer, seed: 3),
                                           LSTMAttentionModel(configuration: Self.lstm, seed: 3)]
        let V = 7
        for model in models {
            model.forward(tokens: tokens, genres: genres, targets: nil, ignoredTarget: nil, batchSize: B, sequenceLength: T)
            let before = Array(model.logits)
            var changed = tokens
            changed[T - 1] = 5      // the last token of sequence 0
            model.forward(tokens: changed, genres: genres, targets: nil, ignoredTarget: nil, batchSize: B, sequenceLength: T)
            let after = Array(model.logits)
            #expect(before[..<((T - 1) * V)] == after[..<((T - 1) * V)])
            #expect(before[((T - 1) * V)..<(T * V)] != after[((T - 1) * V)..<(T * V)])
            #expect(before[(T * V)...] == after[(T * V)...])  // the other sequence
        }
    }

    /// Plain gradient descent on one batch must drive the loss down: signs and scales of the
    /// whole backward agree with the forward. (A step of 0.2, not larger: at 0.5 a tiny model on
    /// one batch can overshoot and spike, which says nothing about the gradients.)
    @Test func gradientDescentLowersTheLoss() {
        let models: [any LanguageModel] = [TransformerModel(configuration: Self.transformer, seed: 4),
                                           LSTMAttentionModel(configuration: Self.lstm, seed: 4)]
        for model in models {
            var losses: [Float] = []
            for _ in 0..<100 {
                losses.append(model.forward(tokens: tokens, genres: genres, targets: targets, ignoredTarget: -1, batchSize: B, sequenceLength: T)!)
                model.zeroGradients()
                model.backward()
                for i in 0..<model.parameterCount { model.parameters.pointer[i] -= 0.2 * model.gradients.pointer[i] }
            }
            #expect(losses.last! < 0.5 * losses.first!, "\(losses)")
        }
    }
}
