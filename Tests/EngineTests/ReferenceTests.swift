import Testing
import Foundation
import Engine

/// Fast paths against plain, obviously-correct implementations written here in Double.
@Suite struct ReferenceTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemmMatchesReference(transA: Bool, transB: Bool) {
        let (M, N, K) = (5, 7, 6)
        // Padded leading dimensions, to check the strides are honoured.
        let lda = (transA ? M : K) + 2, ldb = (transB ? K : N) + 1, ldc = N + 3
        let a = randomFloats((transA ? K : M) * lda, seed: 1), b = randomFloats((transB ? N : K) * ldb, seed: 2)
        for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
            var fast = randomFloats(M * ldc, seed: 3), reference = fast
            MatrixMultiply.gemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                beta: beta, c: &fast, ldc: ldc)
            MatrixMultiply.gemmReference(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                         beta: beta, c: &reference, ldc: ldc)
            for i in 0..<(M * ldc) { #expect(abs(fast[i] - reference[i]) < 1e-5) }
        }
    }

    @Test func gemmWithZeroBetaIgnoresGarbage() {
        var c = [Float](repeating: .nan, count: 4)
        MatrixMultiply.gemm(transA: false, transB: false, M: 2, N: 2, K: 1, alpha: 1, a: [1, 2], lda: 1, b: [3, 4], ldb: 2,
                            beta: 0, c: &c, ldc: 2)
        #expect(c == [3, 4, 6, 8])
    }

    @Test func geluIsTheExactErfForm() {
        let x = randomFloats(64, scale: 5, seed: 1)
        var y = [Float](repeating: 0, count: 64)
        GELU.forward(output: &y, input: x, count: 64)
        for i in 0..<64 {
            let expected = 0.5 * Double(x[i]) * (1 + erf(Double(x[i]) / 2.0.squareRoot()))
            #expect(abs(Double(y[i]) - expected) < 1e-6)
        }
    }

    @Test func layerNormMatchesDefinition() {
        let (N, C) = (3, 6)
        let x = randomFloats(N * C, scale: 3, seed: 1), w = randomFloats(C, seed: 2), b = randomFloats(C, seed: 3)
        var y = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        LayerNorm.forward(output: &y, mean: &mean, reciprocalStandardDeviation: &rstd, input: x, weight: w, bias: b,
                          batchSize: 1, sequenceLength: N, channels: C)
        for n in 0..<N {
            let row = x[(n * C)..<((n + 1) * C)].map(Double.init)
            let m = row.reduce(0, +) / Double(C)
            let variance = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)  // biased, as PyTorch
            for i in 0..<C {
                let expected = (row[i] - m) / (variance + 1e-5).squareRoot() * Double(w[i]) + Double(b[i])
                #expect(abs(Double(y[n * C + i]) - expected) < 1e-5)
            }
        }
    }

    /// Multi-head attention by the textbook: a full T × T score matrix per head, −∞ above
    /// the diagonal, softmax, times V.
    func naiveAttention(_ qkv: [Float], B: Int, T: Int, C: Int, NH: Int) -> [Double] {
        let hs = C / NH
        var out = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<NH {
                func element(_ part: Int, _ t: Int, _ d: Int) -> Double { Double(qkv[(b * T + t) * 3 * C + part * C + h * hs + d]) }
                var scores = [[Double]](repeating: [Double](repeating: -.infinity, count: T), count: T)
                for i in 0..<T {
                    for j in 0..<T where j <= i {
                        scores[i][j] = (0..<hs).reduce(0.0) { $0 + element(0, i, $1) * element(1, j, $1) } / Double(hs).squareRoot()
                    }
                    let maximum = scores[i].max()!
                    let weights = scores[i].map { exp($0 - maximum) }
                    let sum = weights.reduce(0, +)
                    for d in 0..<hs {
                        out[(b * T + i) * C + h * hs + d] = (0..<T).reduce(0.0) { $0 + weights[$1] / sum * element(2, $1, d) }
                    }
                }
            }
        }
        return out
    }

    @Test func attentionMatchesNaiveReference() {
        let (B, T, C, NH) = (2, 6, 8, 2)
        let qkv = randomFloats(B * T * 3 * C, scale: 2, seed: 4)
        var out = [Float](repeating: 0, count: B * T * C), lse = [Float](repeating: 0, count: B * NH * T)
        CausalSelfAttention.forward(output: &out, logSumExp: &lse, qkv: qkv, batchSize: B, sequenceLength: T, channels: C, heads: NH)
        let expected = naiveAttention(qkv, B: B, T: T, C: C, NH: NH)
        for i in 0..<out.count { #expect(abs(Double(out[i]) - expected[i]) < 1e-5) }
    }

    @Test func attentionIsCausal() {
        let (B, T, C, NH) = (1, 6, 8, 2)
        let qkv = randomFloats(B * T * 3 * C, scale: 2, seed: 4)
        var changed = qkv
        for i in (4 * 3 * C)..<(T * 3 * C) { changed[i] += 3 }  // rewrite q, k, v of steps 4 and 5
        var out = [Float](repeating: 0, count: B * T * C), lse = [Float](repeating: 0, count: B * NH * T)
        var outChanged = out
        CausalSelfAttention.forward(output: &out, logSumExp: &lse, qkv: qkv, batchSize: B, sequenceLength: T, channels: C, heads: NH)
        CausalSelfAttention.forward(output: &outChanged, logSumExp: &lse, qkv: changed, batchSize: B, sequenceLength: T, channels: C, heads: NH)
        #expect(out[..<(4 * C)] == outChanged[..<(4 * C)])
        #expect(out[(4 * C)...] != outChanged[(4 * C)...])
    }

    /// nn.LSTM by the equations, one step at a time, in Double.
    func naiveLSTM(input: [Float], wih: [Float], whh: [Float], bih: [Float], bhh: [Float], B: Int, T: Int, I: Int, H: Int) -> [Double] {
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        var out = [Double](repeating: 0, count: B * T * H)
        for b in 0..<B {
            var h = [Double](repeating: 0, count: H), c = h
            for t in 0..<T {
                var pre = [Double](repeating: 0, count: 4 * H)
                for r in 0..<(4 * H) {
                    pre[r] = Double(bih[r]) + Double(bhh[r])
                    for k in 0..<I { pre[r] += Double(wih[r * I + k]) * Double(input[(b * T + t) * I + k]) }
                    for k in 0..<H { pre[r] += Double(whh[r * H + k]) * h[k] }
                }
                for u in 0..<H {
                    let i = sigmoid(pre[u]), f = sigmoid(pre[H + u]), g = tanh(pre[2 * H + u]), o = sigmoid(pre[3 * H + u])
                    c[u] = f * c[u] + i * g
                    h[u] = o * tanh(c[u])
                    out[(b * T + t) * H + u] = h[u]
                }
            }
        }
        return out
    }

    @Test func lstmMatchesNaiveReference() {
        let (B, T, I, H) = (2, 5, 3, 4)
        let input = randomFloats(B * T * I, scale: 2, seed: 1)
        let wih = randomFloats(4 * H * I, seed: 2), whh = randomFloats(4 * H * H, seed: 3)
        let bih = randomFloats(4 * H, seed: 4), bhh = randomFloats(4 * H, seed: 5)
        var out = [Float](repeating: 0, count: B * T * H), cells = out, gates = [Float](repeating: 0, count: B * T * 4 * H)
        LSTM.forward(output: &out, cells: &cells, gates: &gates, input: input, weightInputHidden: wih, weightHiddenHidden: whh,
                     biasInputHidden: bih, biasHiddenHidden: bhh, batchSize: B, sequenceLength: T, inputSize: I, hiddenSize: H)
        let expected = naiveLSTM(input: input, wih: wih, whh: whh, bih: bih, bhh: bhh, B: B, T: T, I: I, H: H)
        for i in 0..<out.count { #expect(abs(Double(out[i]) - expected[i]) < 1e-5) }
    }

    /// Carried state: running T steps at once equals running them one call at a time, each
    /// call starting from the previous call's last hidden and cell state.
    @Test func lstmCarriedStateEqualsOneLongCall() {
        let (B, T, I, H) = (2, 4, 3, 4)
        let input = randomFloats(B * T * I, seed: 1)
        let wih = randomFloats(4 * H * I, seed: 2), whh = randomFloats(4 * H * H, seed: 3)
        let bih = randomFloats(4 * H, seed: 4), bhh = randomFloats(4 * H, seed: 5)
        var whole = [Float](repeating: 0, count: B * T * H), wholeCells = whole, gates = [Float](repeating: 0, count: B * T * 4 * H)
        LSTM.forward(output: &whole, cells: &wholeCells, gates: &gates, input: input, weightInputHidden: wih, weightHiddenHidden: whh,
                     biasInputHidden: bih, biasHiddenHidden: bhh, batchSize: B, sequenceLength: T, inputSize: I, hiddenSize: H)
        var h = [Float](repeating: 0, count: B * H), c = h
        for t in 0..<T {
            var step: [Float] = []
            for b in 0..<B {
                let start = (b * T + t) * I
                step += input[start..<(start + I)]
            }
            var newH = h, newC = c, stepGates = [Float](repeating: 0, count: B * 4 * H)
            LSTM.forward(output: &newH, cells: &newC, gates: &stepGates, input: step, weightInputHidden: wih, weightHiddenHidden: whh,
                         biasInputHidden: bih, biasHiddenHidden: bhh, initialHidden: h, initialCell: c,
                         batchSize: B, sequenceLength: 1, inputSize: I, hiddenSize: H)
            (h, c) = (newH, newC)
            for b in 0..<B {
                for u in 0..<H { #expect(abs(h[b * H + u] - whole[(b * T + t) * H + u]) < 1e-6) }
            }
        }
    }
}

@Suite struct GeneratorTests {
    @Test func matchesTheReferenceAlgorithm() {
        // Values from an independent Python transcription of SplitMix64 seeding + xoshiro256**.
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0x99ec_5f36_cb75_f2b4)
        #expect(generator.next() == 0xbf6e_1f78_4956_452a)
        #expect(generator.next() == 0x1a5f_849d_4933_e6e0)
    }

    @Test func distributionsHaveTheRightMoments() {
        var generator = SeededGenerator(seed: 42)
        let n = 20_000
        let uniforms = (0..<n).map { _ in generator.nextUniform() }
        #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(uniforms.reduce(0, +) / Float(n) - 0.5) < 0.01)
        let normals = (0..<n).map { _ in Double(generator.nextNormal()) }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.04)
    }

    @Test func dropoutIsSeededAndScaled() {
        let n = 10_000, p: Float = 0.25
        let input = [Float](repeating: 1, count: n)
        var first = [Float](repeating: 0, count: n), mask = first, second = first
        var generator = SeededGenerator(seed: 3)
        Dropout.forward(output: &first, mask: &mask, input: input, count: n, probability: p, generator: &generator)
        generator = SeededGenerator(seed: 3)
        Dropout.forward(output: &second, mask: &mask, input: input, count: n, probability: p, generator: &generator)
        #expect(first == second)
        let dropped = first.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / Double(n) - Double(p)) < 0.02)
        #expect(first.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
    }
}
