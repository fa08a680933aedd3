import CKernels
import Testing

/// The vectorized LSTM cell against its libm reference loops, on every CPU path, with odd
/// hidden sizes (scalar tails, the 256-unit task edge), strided rows, a zero or given previous
/// cell, and 1 or 2 threads, whose results must be bit-identical. Part of `KernelTests` (an
/// extension), so they never run while another test switches the process-wide CPU path.
///
/// Tolerances: σ and tanh are polynomials within 2.6e-7 (relative) of libm's, measured over
/// all inputs and checked at 4e-7 (`lstmActivationsMatchLibm`). c = f·c_prev + i·g and
/// h = o·tanh(c) compound a few such errors; backward differs from the reference only through
/// tanh(c). Measured at 16 × 4096 against max(|value|, 1): ≤ 2.4e-7 forward, ≤ 1.3e-7
/// backward, so both are checked at 1e-6.
extension KernelTests {
    struct CellShape: CustomTestStringConvertible, Sendable {
        let B, H: Int
        /// Extra floats after each row (gates, c_prev, c, h, dgates): 0 = contiguous rows.
        var pad = 0
        var testDescription: String { "B\(B) H\(H)\(pad > 0 ? " pad \(pad)" : "")" }
    }

    /// Forward's outputs, with the padding floats of every strided row included.
    struct CellForward: Equatable {
        var gates, c, h: [Float]
    }

    /// Paddings never written by the kernels hold this value.
    static let untouched: Float = 12345

    static func cellForward(_ s: CellShape, preactivations: [Float], previous: [Float]?,
                            threads: Int32?) -> CellForward {
        let (B, H) = (s.B, s.H)
        let ldc = H + s.pad, ldh = H + 2 * s.pad, ldp = H + 3 * s.pad, ldg = 4 * H + s.pad
        var out = CellForward(gates: preactivations, c: [Float](repeating: untouched, count: B * ldc),
                              h: [Float](repeating: untouched, count: B * ldh))
        if let threads {
            cdz_lstm_cell_forward(B, H, &out.gates, ldg, previous, ldp, &out.c, ldc, &out.h, ldh, threads)
        } else {
            cdz_lstm_cell_forward_ref(B, H, &out.gates, ldg, previous, ldp, &out.c, ldc, &out.h, ldh)
        }
        return out
    }

    /// Backward from the reference forward's gates and cells; returns dgates followed by dc.
    static func cellBackward(_ s: CellShape, forward f: CellForward, previous: [Float]?, dh: [Float],
                             dc: [Float], threads: Int32?) -> [Float] {
        let (B, H) = (s.B, s.H)
        let ldc = H + s.pad, ldp = H + 3 * s.pad, ldg = 4 * H + s.pad, lddg = 4 * H + 2 * s.pad
        var dgates = [Float](repeating: untouched, count: B * lddg), dc = dc
        if let threads {
            cdz_lstm_cell_backward(B, H, f.gates, ldg, f.c, ldc, previous, ldp, dh, &dc, &dgates, lddg, threads)
        } else {
            cdz_lstm_cell_backward_ref(B, H, f.gates, ldg, f.c, ldc, previous, ldp, dh, &dc, &dgates, lddg)
        }
        return dgates + dc
    }

    // 16 × 512 is lstm-attention-small's step; 5 × 2100 is large enough for the backward to
    // use two threads too (the forward splits from ≈ 4,700 units, the backward from ≈ 10,000).
    @Test(arguments: [
        CellShape(B: 1, H: 1), CellShape(B: 1, H: 7, pad: 3), CellShape(B: 3, H: 13),
        CellShape(B: 3, H: 300, pad: 5), CellShape(B: 2, H: 520, pad: 1), CellShape(B: 16, H: 512),
        CellShape(B: 5, H: 2100, pad: 9),
    ])
    func lstmCellMatchesReference(_ s: CellShape) {
        let (B, H) = (s.B, s.H)
        let ldg = 4 * H + s.pad, lddg = 4 * H + 2 * s.pad
        // Pre-activations in [-6, 6): saturated and linear regions of σ and tanh.
        let preactivations = KernelTests.values(B * ldg, seed: 21).map { $0 * 6 }
        let previousCell = KernelTests.values(B * (H + 3 * s.pad), seed: 22).map { $0 * 2 }
        let dh = KernelTests.values(B * H, seed: 23), dc = KernelTests.values(B * H, seed: 24)
        defer { _ = cdz_set_isa(KernelTests.paths.last!) }
        for previous in [nil, previousCell] {
            let expected = Self.cellForward(s, preactivations: preactivations, previous: previous, threads: nil)
            let expectedBackward = Self.cellBackward(s, forward: expected, previous: previous, dh: dh, dc: dc, threads: nil)
            for isa in KernelTests.paths {
                _ = cdz_set_isa(isa)
                var results: [(CellForward, [Float])] = []
                for threads: Int32 in [1, 2] {
                    let label = "isa \(isa.rawValue) threads \(threads) c_prev \(previous == nil ? "NULL" : "given")"
                    let got = Self.cellForward(s, preactivations: preactivations, previous: previous, threads: threads)
                    #expect(KernelTests.maxRelativeError(got.gates, expected.gates) < 1e-6, "\(label) gates")
                    #expect(KernelTests.maxRelativeError(got.c, expected.c) < 1e-6, "\(label) c")
                    #expect(KernelTests.maxRelativeError(got.h, expected.h) < 1e-6, "\(label) h")
                    let backward = Self.cellBackward(s, forward: expected, previous: previous, dh: dh, dc: dc, threads: threads)
                    #expect(KernelTests.maxRelativeError(backward, expectedBackward) < 1e-6, "\(label) backward")
                    // Padding between strided rows is neither read into the result nor written.
                    for b in 0..<B {
                        for k in 0..<s.pad {
                            #expect(got.gates[b * ldg + 4 * H + k] == preactivations[b * ldg + 4 * H + k], "\(label) gate padding")
                            #expect(got.c[b * (H + s.pad) + H + k] == Self.untouched, "\(label) c padding")
                            #expect(got.h[b * (H + 2 * s.pad) + H + k] == Self.untouched, "\(label) h padding")
                            #expect(backward[b * lddg + 4 * H + k] == Self.untouched, "\(label) dgates padding")
                        }
                    }
                    results.append((got, backward))
                }
                #expect(results[0].0 == results[1].0 && results[0].1 == results[1].1,
                        "isa \(isa.rawValue): thread count changed the result")
            }
        }
    }

    /// σ and tanh alone (one sequence, zero c_prev) over every kind of input: a sweep of
    /// [-20, 20], values around the 0.625 seam of tanh, tiny values down to 1e-30, and
    /// saturated ones up to ±1000 (e^−|x| clamped at e^−87).
    @Test func lstmActivationsMatchLibm() {
        var x: [Float] = (0...40_000).map { Float($0) / 1000 - 20 }
        x += (0...2000).map { 0.6 + Float($0) / 40_000 }.flatMap { [$0, -$0] }
        x += (0...100).map { Float(sign: .plus, exponent: -$0, significand: 1.37) }.flatMap { [$0, -$0, 1000 * $0] }
        x += [0, -0.0, 87, -87, 88, -88, 100, -100, 1000, -1000]
        let H = x.count
        // The four gates see x, -x, x and x / 2: both signs for every function.
        let preactivations = x + x.map { -$0 } + x + x.map { $0 / 2 }
        let shape = CellShape(B: 1, H: H)
        let expected = Self.cellForward(shape, preactivations: preactivations, previous: nil, threads: nil)
        defer { _ = cdz_set_isa(KernelTests.paths.last!) }
        for isa in KernelTests.paths {
            _ = cdz_set_isa(isa)
            let got = Self.cellForward(shape, preactivations: preactivations, previous: nil, threads: 1)
            var worst: Float = 0, worstAbsolute: Float = 0
            for (a, b) in zip(got.gates, expected.gates) {
                // Relative error while the value is a normal float far from the e^−87 clamp;
                // below, σ(x) ≈ e^x is < 1e-30 and only its absolute error matters.
                if abs(b) >= 1e-30 { worst = max(worst, abs(a - b) / abs(b)) } else { worstAbsolute = max(worstAbsolute, abs(a - b)) }
            }
            #expect(worst < 4e-7, "isa \(isa.rawValue): σ/tanh max relative error \(worst)")
            #expect(worstAbsolute < 1e-37, "isa \(isa.rawValue): σ absolute error below 1e-30: \(worstAbsolute)")
            // tanh is odd and exact at 0; σ(0) = 1/2.
            #expect(got.gates[2 * H + 40_000 / 2] == 0 && got.gates[20_000] == 0.5)
            #expect(KernelTests.maxRelativeError(got.h, expected.h) < 1e-6, "isa \(isa.rawValue) h")
        }
    }
}
