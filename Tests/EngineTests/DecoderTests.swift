import Engine
import Foundation
import Testing

/// The incremental decoders against the training forward pass: feeding a sequence one token
/// at a time must give, at every position, the logits the whole-sequence forward gives.
struct DecoderTests {
    static let transformer = TransformerConfiguration(vocabularySize: 40, genreCount: 4, contextLength: 24, layers: 2,
                                                      channels: 32, heads: 4, feedForwardChannels: 64)
    static let lstm = LSTMAttentionConfiguration(vocabularySize: 40, genreCount: 4, embeddingSize: 16, hiddenSize: 32, layers: 2)

    static func sequence(_ count: Int, vocabulary: Int) -> [Int32] {
        var generator = SeededGenerator(seed: 5)
        return (0..<count).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
    }

    /// Largest |a − b| over the logits, relative to the largest |b|.
    static func compare(_ model: any LanguageModel, _ decoder: any IncrementalDecoder, tokens: [Int32], genre: Int) -> Float {
        let V = model.vocabularySize, T = tokens.count
        model.forward(tokens: tokens, genres: [Int32(genre)], targets: nil, ignoredTarget: nil, batchSize: 1, sequenceLength: T)
        let expected = Array(model.logits)
        let scale = max(expected.map(abs).max() ?? 1, 1)
        var worst: Float = 0
        for (t, token) in tokens.enumerated() {
            let logits = decoder.step(token: Int(token), genre: genre)
            for v in 0..<V { worst = max(worst, abs(logits[v] - expected[t * V + v]) / scale) }
        }
        return worst
    }

    @Test func transformerMatchesForward() {
        let model = TransformerModel(configuration: Self.transformer, seed: 3)
        let decoder = TransformerDecoder(model: model)
        let tokens = Self.sequence(24, vocabulary: 40)
        #expect(Self.compare(model, decoder, tokens: tokens, genre: 2) < 1e-5)
        #expect(decoder.position == 24)
        // After a reset the decoder starts over: a different prefix gives the same answers.
        decoder.reset()
        #expect(Self.compare(model, decoder, tokens: Array(tokens.suffix(10)), genre: 1) < 1e-5)
    }

    @Test func lstmMatchesForward() {
        let model = LSTMAttentionModel(configuration: Self.lstm, seed: 4)
        let decoder = LSTMAttentionDecoder(model: model, contextLength: 30)
        let tokens = Self.sequence(30, vocabulary: 40)
        #expect(Self.compare(model, decoder, tokens: tokens, genre: 3) < 1e-5)
        decoder.reset()
        #expect(Self.compare(model, decoder, tokens: Array(tokens.prefix(7)), genre: 0) < 1e-5)
    }

    /// int8 matrices: logits stay close to fp32 (per-row scales keep the error near 1%).
    @Test(arguments: [false, true])
    func int8IsCloseToFloat(lstm: Bool) {
        let tokens = Self.sequence(20, vocabulary: 40)
        let (exact, quantized): (any IncrementalDecoder, any IncrementalDecoder)
        if lstm {
            let model = LSTMAttentionModel(configuration: Self.lstm, seed: 8)
            (exact, quantized) = (LSTMAttentionDecoder(model: model), LSTMAttentionDecoder(model: model, int8: true))
        } else {
            let model = TransformerModel(configuration: Self.transformer, seed: 8)
            (exact, quantized) = (TransformerDecoder(model: model), TransformerDecoder(model: model, int8: true))
        }
        var worst: Float = 0, largest: Float = 0
        for token in tokens {
            let a = Array(exact.step(token: Int(token), genre: 1)), b = Array(quantized.step(token: Int(token), genre: 1))
            for v in a.indices { worst = max(worst, abs(a[v] - b[v])); largest = max(largest, abs(a[v])) }
        }
        #expect(worst / largest < 0.05, "int8 logits differ by \(worst) (largest \(largest))")
        #expect(worst > 0, "int8 path did not quantize")
    }

    @Test func quantizedMatrixRoundTrips() {
        let w: [Float] = [0.5, -1, 0.25, 0, 0, 0, 2, 1, -2]
        let q = w.withUnsafeBufferPointer { QuantizedMatrix(quantizing: $0.baseAddress!, rows: 3, columns: 3) }
        #expect(q.scales[1] == 0)
        let rebuilt = QuantizedMatrix(values: q.values, scales: q.scales, rows: 3, columns: 3)
        var back = [Float](repeating: .nan, count: 9)
        rebuilt.dequantized(into: &back)
        for i in 0..<9 { #expect(abs(back[i] - w[i]) <= 2 / 127 / 2 + 1e-6) }
        var y = [Float](repeating: 0, count: 3)
        let x: [Float] = [1, 1, 1]
        rebuilt.multiply(x, into: &y)
        #expect(abs(y[0] - (-0.25)) < 0.02 && y[1] == 0 && abs(y[2] - 1) < 0.03)
    }
}

struct SamplerTests {
    let logits: [Float] = [2, 1, 0, -1, 3]

    func draw(_ settings: SamplingSettings, allowed: [Bool]? = nil, seed: UInt64 = 1, count: Int = 2000) -> [Int] {
        var sampler = Sampler(), generator = SeededGenerator(seed: seed)
        var histogram = [Int](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { l in
            for _ in 0..<count {
                if let id = sampler.sample(logits: l, allowed: allowed ?? [Bool](repeating: true, count: 5), settings: settings, generator: &generator) {
                    histogram[id] += 1
                }
            }
        }
        return histogram
    }

    @Test func greedyAndMask() {
        #expect(draw(SamplingSettings(temperature: 0), count: 5) == [0, 0, 0, 0, 5])
        #expect(draw(SamplingSettings(temperature: 0), allowed: [true, true, false, false, false], count: 3) == [3, 0, 0, 0, 0])
        var sampler = Sampler(), generator = SeededGenerator(seed: 1)
        let none = logits.withUnsafeBufferPointer {
            sampler.sample(logits: $0, allowed: [Bool](repeating: false, count: 5), settings: SamplingSettings(), generator: &generator)
        }
        #expect(none == nil)
    }

    @Test func frequenciesFollowSoftmax() {
        let histogram = draw(SamplingSettings(), count: 20000)
        let exps = logits.map { Float(exp(Double($0))) }, total = exps.reduce(0, +)
        for i in logits.indices {
            #expect(abs(Float(histogram[i]) / 20000 - exps[i] / total) < 0.015, "token \(i)")
        }
    }

    @Test func filters() {
        // top-k 2: only the two largest logits (ids 4 and 0).
        let k = draw(SamplingSettings(topK: 2))
        #expect(k[1] == 0 && k[2] == 0 && k[3] == 0 && k[0] > 0 && k[4] > 0)
        // top-p 0.5: id 4 alone has p ≈ 0.64 ≥ 0.5.
        #expect(draw(SamplingSettings(topP: 0.5)) == [0, 0, 0, 0, 2000])
        // min-p 0.3: keeps ids with p ≥ 0.3·p(4): e^(2−3) = 0.37 stays, e^(1−3) = 0.14 goes.
        let m = draw(SamplingSettings(minP: 0.3))
        #expect(m[1] == 0 && m[2] == 0 && m[0] > 0 && m[4] > 0)
    }

    @Test func guidanceAndDeterminism() {
        var sampler = Sampler(), generator = SeededGenerator(seed: 1)
        let unconditional: [Float] = [3, 1, 0, -1, 2]
        // w = 3: u + 3(c − u) → id 0: 3 + 3(−1) = 0, id 4: 2 + 3(1) = 5.
        let id = logits.withUnsafeBufferPointer { l in
            unconditional.withUnsafeBufferPointer { u in
                sampler.sample(logits: l, unconditional: u, allowed: [Bool](repeating: true, count: 5),
                               settings: SamplingSettings(temperature: 0, guidance: 3), generator: &generator)
            }
        }
        #expect(id == 4)
        #expect(draw(SamplingSettings(temperature: 0.8), seed: 9) == draw(SamplingSettings(temperature: 0.8), seed: 9))
        #expect(draw(SamplingSettings(temperature: 0.8), seed: 9) != draw(SamplingSettings(temperature: 0.8), seed: 10))
    }
}
