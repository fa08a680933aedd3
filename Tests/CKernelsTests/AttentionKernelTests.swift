import CKernels
import Testing

/// The blocked attention kernels against their plain loops, on every CPU path, with shapes
/// that cross the 64-row block edge, strided (fused qkv) and separate inputs, and 1 or 2
/// threads, whose results must be bit-identical. Part of `KernelTests` (an extension), so
/// they never run while another test switches the process-wide CPU path.
extension KernelTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let B, T, NH, hs: Int
        var causal = true
        var testDescription: String { "B\(B) T\(T) NH\(NH) hs\(hs)\(causal ? "" : " full")" }
    }

    @Test(arguments: [
        Shape(B: 1, T: 1, NH: 1, hs: 1), Shape(B: 2, T: 7, NH: 3, hs: 5), Shape(B: 1, T: 64, NH: 2, hs: 16),
        Shape(B: 2, T: 65, NH: 2, hs: 32), Shape(B: 1, T: 150, NH: 4, hs: 8),
        Shape(B: 2, T: 7, NH: 3, hs: 5, causal: false), Shape(B: 1, T: 130, NH: 2, hs: 16, causal: false),
    ])
    func attentionMatchesPlainLoops(_ shape: Shape) {
        let (B, T, NH, hs, causal) = (shape.B, shape.T, shape.NH, shape.hs, shape.causal)
        let C = NH * hs, S = 3 * C
        // Scores of a few units, so the softmax is neither flat nor one-hot.
        let qkv = KernelTests.values(B * T * S, seed: 11).map { $0 * 2 }
        let dout = KernelTests.values(B * T * C, seed: 12)
        var expectedOut = [Float](repeating: 0, count: B * T * C), expectedLSE = [Float](repeating: 0, count: B * NH * T)
        qkv.withUnsafeBufferPointer { x in
            cdz_attention_forward_ref(B, T, NH, hs, x.baseAddress!, x.baseAddress! + C, x.baseAddress! + 2 * C, S, causal, &expectedOut, &expectedLSE)
        }
        // Accumulation: gradients start non-zero.
        let start = KernelTests.values(B * T * S, seed: 13)
        var expectedGradient = start
        qkv.withUnsafeBufferPointer { x in
            expectedGradient.withUnsafeMutableBufferPointer { g in
                let x = x.baseAddress!, g = g.baseAddress!
                cdz_attention_backward_ref(B, T, NH, hs, x, x + C, x + 2 * C, S, causal, expectedOut, expectedLSE, dout, g, g + C, g + 2 * C)
            }
        }
        defer { _ = cdz_set_isa(KernelTests.paths.last!) }
        for isa in KernelTests.paths {
            _ = cdz_set_isa(isa)
            var results: [[Float]] = []
            for threads in [1, 2] {
                var out = [Float](repeating: .nan, count: B * T * C), lse = [Float](repeating: .nan, count: B * NH * T)
                var gradient = start
                qkv.withUnsafeBufferPointer { x in
                    let x = x.baseAddress!
                    cdz_attention_forward(B, T, NH, hs, x, x + C, x + 2 * C, S, causal, &out, &lse, Int32(threads))
                    gradient.withUnsafeMutableBufferPointer { g in
                        let g = g.baseAddress!
                        cdz_attention_backward(B, T, NH, hs, x, x + C, x + 2 * C, S, causal, out, lse, dout, g, g + C, g + 2 * C, Int32(threads))
                    }
                }
                let label = "isa \(isa.rawValue) threads \(threads)"
                #expect(KernelTests.maxRelativeError(out, expectedOut) < 1e-5, "\(label) output")
                #expect(KernelTests.maxRelativeError(lse, expectedLSE) < 1e-5, "\(label) log-sum-exp")
                #expect(KernelTests.maxRelativeError(gradient, expectedGradient) < 1e-5, "\(label) gradient")
                results.append(out + lse + gradient)
            }
            #expect(results[0] == results[1], "isa \(isa.rawValue): thread count changed the result")
        }
    }

    /// q, k and v as three separate contiguous arrays (the LSTM model's single head).
    @Test func attentionWithSeparateInputs() {
        let (B, T, NH, hs) = (2, 70, 1, 24)
        let q = KernelTests.values(B * T * hs, seed: 1), k = KernelTests.values(B * T * hs, seed: 2)
        let v = KernelTests.values(B * T * hs, seed: 3)
        var expected = [Float](repeating: 0, count: B * T * hs), expectedLSE = [Float](repeating: 0, count: B * T)
        cdz_attention_forward_ref(B, T, NH, hs, q, k, v, hs, true, &expected, &expectedLSE)
        var out = [Float](repeating: 0, count: B * T * hs), lse = [Float](repeating: 0, count: B * T)
        cdz_attention_forward(B, T, NH, hs, q, k, v, hs, true, &out, &lse, 0)
        #expect(KernelTests.maxRelativeError(out, expected) < 1e-5)
        #expect(KernelTests.maxRelativeError(lse, expectedLSE) < 1e-5)
        // The first query sees only itself: its output is v_0 exactly (up to rounding).
        #expect(abs(out[0] - v[0]) < 1e-6)
    }
}
