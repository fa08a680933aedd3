import Testing
import Foundation
import Engine

/// The engine against PyTorch, as llm.c's `test_gpt2.c`: tiny fixed-seed models whose weights,
/// batch, logits, loss, gradients and first ten AdamW losses come from
/// `Scripts/golden/make_golden.py` (fixtures committed in `Tests/Fixtures/golden/`, so no
/// Python runs here).
///
/// Tolerances, all float32 on both sides with different summation orders:
/// - logits and every gradient tensor: max |swift − torch| ≤ 1e-5 · max |torch| of that tensor
///   + 1e-8 (the floor is for `k.bias`, whose gradient is 0 in exact arithmetic: a shift shared
///   by every key cancels in the softmax, so both sides hold only rounding noise, ~1e-9; the
///   smallest real gradient tensor, `q.weight`, peaks at 3.6e-4);
/// - loss: |swift − torch| ≤ 1e-5;
/// - the ten training losses: each within 1e-5 of PyTorch's (measured 2.4e-7; applying weight
///   decay to every tensor moves the LSTM model's losses by 8e-5, so 1e-4 would be too loose).
/// Measured errors are at least 10× below these bounds (see the report in Scripts/golden/).
@Suite struct GoldenTests {
    static let transformer = TransformerConfiguration(vocabularySize: 32, genreCount: 4, contextLength: 16, layers: 2,
                                                      channels: 16, heads: 2, feedForwardChannels: 32)
    static let lstmAttention = LSTMAttentionConfiguration(vocabularySize: 32, genreCount: 4, embeddingSize: 8, hiddenSize: 12, layers: 2)
    /// The configuration strings the script writes first in its `golden` metadata.
    static let transformerDescription = "vocab=32 genres=4 ctx=16 layers=2 d=16 heads=2 ffn=32"
    static let lstmAttentionDescription = "vocab=32 genres=4 emb=8 hidden=12 layers=2"

    static let relativeTolerance: Float = 1e-5
    static let absoluteFloor: Float = 1e-8
    static let lossTolerance: Float = 1e-5
    static let trainingLossTolerance: Float = 1e-5
    /// The script's training settings: AdamW lr 1e-2, β (0.9, 0.999), ε 1e-8, weight decay 0.01
    /// on matrices and embeddings, global gradient norm clipped to 1.0.
    static let learningRate: Float = 1e-2
    static let maximumGradientNorm: Float = 1.0
    /// Targets equal to this are padding (the script's ignore_index).
    static let padding: Int32 = 0

    /// One model's fixtures: the PyTorch weights and what PyTorch computed from them.
    struct Golden {
        let weights: SafeTensorsFile
        let expected: SafeTensorsFile
        let tokens: [Int32], genres: [Int32], targets: [Int32]
        let batchSize: Int, sequenceLength: Int

        init(_ name: String, description: String) throws {
            let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures").appendingPathComponent("golden")
            func load(_ file: String) throws -> SafeTensorsFile {
                let data = try Data(contentsOf: directory.appendingPathComponent(file))
                return try SafeTensorsFile(bytes: [UInt8](data))
            }
            let expected = try load("\(name)-expected.safetensors")
            weights = try load("\(name)-weights.safetensors")
            self.expected = expected
            // Fixtures of other sizes than the configurations above would fail confusingly later.
            #expect(expected.metadata["golden"]?.hasPrefix(description + ";") == true, "fixture \(name) was made for another configuration")
            let shape = try #require(expected.info("tokens")?.shape)
            (batchSize, sequenceLength) = (shape[0], shape[1])
            func integers(_ tensor: String) throws -> [Int32] { try expected.floats(tensor).map { Int32($0) } }
            tokens = try integers("tokens")
            genres = try integers("genres")
            targets = try integers("targets")
        }

        /// Loads the fixture weights into `model` (whose table must match them exactly).
        func load(into model: some LanguageModel) throws {
            try model.parameterTable.read(from: weights, into: model.parameters.pointer)
        }

        @discardableResult
        func forward(_ model: some LanguageModel) -> Float {
            model.forward(tokens: tokens, genres: genres, targets: targets, ignoredTarget: GoldenTests.padding,
                          batchSize: batchSize, sequenceLength: sequenceLength)!
        }
    }

    /// max |actual − expected| and max |expected|.
    static func maximumError(_ actual: some Collection<Float>, _ expected: [Float]) -> (error: Float, scale: Float) {
        precondition(actual.count == expected.count, "sizes differ: \(actual.count) vs \(expected.count)")
        let scale = expected.reduce(0) { max($0, abs($1)) }
        let error = zip(actual, expected).reduce(0) { max($0, abs($1.0 - $1.1)) }
        return (error, scale)
    }

    /// Records an issue unless `actual` is within the suite's tolerance of `expected`.
    static func expectClose(_ actual: some Collection<Float>, _ expected: [Float], _ what: String) {
        let (error, scale) = maximumError(actual, expected)
        #expect(error <= relativeTolerance * scale + absoluteFloor, "\(what): max error \(error), max magnitude \(scale)")
    }

    /// Logits, loss and every parameter gradient of one forward/backward on the fixture batch.
    func checkForwardBackward(_ model: some LanguageModel, _ golden: Golden) throws {
        try golden.load(into: model)
        model.zeroGradients()
        let loss = golden.forward(model)
        model.backward()

        let expectedLoss = try #require(golden.expected.floats("loss").first)
        #expect(abs(loss - expectedLoss) <= Self.lossTolerance, "loss \(loss), PyTorch \(expectedLoss)")
        Self.expectClose(model.logits, try golden.expected.floats("logits"), "logits")

        let gradients = model.gradients.array
        for entry in model.parameterTable.entries {
            Self.expectClose(gradients[entry.range], try golden.expected.floats("grad." + entry.name), "grad." + entry.name)
        }
    }

    /// Ten steps of zero-grad, forward, backward, clip, AdamW on the fixture batch; each loss
    /// is taken before its step's update, as the script records them.
    func checkTraining(_ model: some LanguageModel, _ golden: Golden) throws {
        try golden.load(into: model)
        let optimizer = AdamW(parameterTable: model.parameterTable,
                              settings: AdamWSettings(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01))
        var losses: [Float] = []
        for _ in 0..<10 {
            model.zeroGradients()
            losses.append(golden.forward(model))
            model.backward()
            GradientClipping.clip(model.gradients.pointer, count: model.parameterCount, maximumNorm: Self.maximumGradientNorm)
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer, learningRate: Self.learningRate)
        }
        let expected = try golden.expected.floats("train_losses")
        try #require(expected.count == 10)
        for (step, (loss, reference)) in zip(losses, expected).enumerated() {
            #expect(abs(loss - reference) <= Self.trainingLossTolerance, "step \(step + 1): loss \(loss), PyTorch \(reference)")
        }
        // The fixture's losses fall; a model that did not train could not match them anyway,
        // but say so plainly if it happens.
        #expect(losses[9] < losses[0] - 0.5)
    }

    @Test func transformerMatchesPyTorch() throws {
        let golden = try Golden("transformer", description: Self.transformerDescription)
        try checkForwardBackward(TransformerModel(configuration: Self.transformer, seed: 0), golden)
    }

    @Test func lstmAttentionMatchesPyTorch() throws {
        let golden = try Golden("lstm-attention", description: Self.lstmAttentionDescription)
        try checkForwardBackward(LSTMAttentionModel(configuration: Self.lstmAttention, seed: 0), golden)
    }

    @Test func transformerTrainsLikePyTorch() throws {
        let golden = try Golden("transformer", description: Self.transformerDescription)
        try checkTraining(TransformerModel(configuration: Self.transformer, seed: 0), golden)
    }

    @Test func lstmAttentionTrainsLikePyTorch() throws {
        let golden = try Golden("lstm-attention", description: Self.lstmAttentionDescription)
        try checkTraining(LSTMAttentionModel(configuration: Self.lstmAttention, seed: 0), golden)
    }
}
