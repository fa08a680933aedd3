import CKernels
import Testing

/// LayerNorm, GELU, add, row sums and cross-entropy against their plain loops, on every CPU
/// path, with row lengths that are not multiples of the vector width, more rows than the 64
/// reduction blocks, and 1 or 2 threads, whose results must be bit-identical. An extension of
/// `KernelTests`, so these never run while another test switches the process-wide CPU path.
///
/// Tolerances: the references sum in double with libm; the fast paths sum in fp32 with eight
/// partial sums and use a polynomial exp (≈ 2e-7 relative) and PyTorch's erf (≤ 1.5e-7
/// absolute), so results agree to a few fp32 ulps of the values' scale.
extension KernelTests {
    /// The last two are large enough (tens of µs) for the kernels to use two threads.
    static let layerShapes: [(N: Int, C: Int)] = [(1, 1), (3, 7), (5, 33), (130, 64), (200, 257), (4096, 64)]

    /// Runs `body` on every path and with 1 and 2 threads, and checks the two thread counts agree bit for bit.
    static func onEveryPath(_ body: (Int32) -> [Float], _ check: ([Float], String) -> Void) {
        defer { _ = cdz_set_isa(paths.last!) }
        for isa in paths {
            _ = cdz_set_isa(isa)
            let one = body(1), two = body(2)
            #expect(one == two, "isa \(isa.rawValue): 1 and 2 threads differ")
            check(two, "isa \(isa.rawValue)")
        }
    }

    @Test func layerNormMatchesPlainLoops() {
        for (N, C) in Self.layerShapes {
            let x = Self.values(N * C, seed: 21).enumerated().map { $0.element * 3 + Float($0.offset % 5) }
            let w = Self.values(C, seed: 22), b = Self.values(C, seed: 23), dout = Self.values(N * C, seed: 24)
            let dx0 = Self.values(N * C, seed: 25), dw0 = Self.values(C, seed: 26), db0 = Self.values(C, seed: 27)
            var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
            cdz_layernorm_forward_ref(N, C, x, w, b, 1e-5, &out, &mean, &rstd)
            var (dx, dw, db) = (dx0, dw0, db0)
            cdz_layernorm_backward_ref(N, C, dout, x, w, mean, rstd, &dx, &dw, &db)
            Self.onEveryPath({ threads in
                var o = [Float](repeating: 0, count: N * C), m = [Float](repeating: 0, count: N), s = m
                cdz_layernorm_forward(N, C, x, w, b, 1e-5, &o, &m, &s, threads)
                var (gx, gw, gb) = (dx0, dw0, db0)
                cdz_layernorm_backward(N, C, dout, x, w, m, s, &gx, &gw, &gb, threads)
                return o + m + s + gx + gw + gb
            }, { result, path in
                // Each output against its own scale (dw and db are sums over N rows, far larger).
                var offset = 0
                for (name, expected) in [("out", out), ("mean", mean), ("rstd", rstd), ("dx", dx), ("dw", dw), ("db", db)] {
                    let got = Array(result[offset..<(offset + expected.count)])
                    offset += expected.count
                    #expect(Self.maxRelativeError(got, expected) < 2e-5, "\(path) N\(N) C\(C) \(name)")
                }
            })
        }
    }

    @Test func geluMatchesPlainLoops() {
        // −10 … 10: both tails, where erf saturates, and the curved middle; long enough
        // (30,001 values, tens of µs) for two threads.
        let n = 30001
        let x = (0..<n).map { Float($0) / Float(n - 1) * 20 - 10 }
        let dout = Self.values(n, seed: 31), dx0 = Self.values(n, seed: 32)
        var out = [Float](repeating: 0, count: n), dx = dx0
        cdz_gelu_forward_ref(n, x, &out)
        cdz_gelu_backward_ref(n, x, dout, &dx)
        Self.onEveryPath({ threads in
            var o = [Float](repeating: 0, count: n), g = dx0
            cdz_gelu_forward(n, x, &o, threads)
            cdz_gelu_backward(n, x, dout, &g, threads)
            return o + g
        }, { result, path in
            // Absolute: erf's 1.5e-7 times |x| ≤ 10.
            let forward = zip(result[..<n], out).map { abs($0 - $1) }.max()!
            let backward = zip(result[n...], dx).map { abs($0 - $1) }.max()!
            #expect(forward < 3e-6 && backward < 3e-6, "\(path): forward \(forward), backward \(backward)")
        })
        // In place (out aliases x).
        var inPlace = x
        inPlace.withUnsafeMutableBufferPointer { cdz_gelu_forward(n, $0.baseAddress!, $0.baseAddress!, 2) }
        #expect(zip(inPlace, out).allSatisfy { abs($0 - $1) < 3e-6 })
    }

    @Test func addAndRowSumsMatchPlainLoops() {
        for (N, C) in Self.layerShapes + [(4099, 3)] {
            let x = Self.values(N * C, seed: 41), y = Self.values(N * C, seed: 42), sum0 = Self.values(C, seed: 43)
            var expectedSum = sum0.map(Double.init)
            for r in 0..<N { for c in 0..<C { expectedSum[c] += Double(x[r * C + c]) } }
            let expectedAdd = zip(x, y).map { $0 + $1 }
            Self.onEveryPath({ threads in
                var added = [Float](repeating: 0, count: N * C), sum = sum0
                cdz_add(N * C, x, y, &added, threads)
                cdz_sum_rows(N, C, x, &sum, threads)
                return added + sum
            }, { result, path in
                #expect(Array(result[..<(N * C)]) == expectedAdd, "\(path) add N\(N) C\(C)")
                let sums = Array(result[(N * C)...])
                let error = zip(sums, expectedSum).map { abs(Double($0) - $1) }.max()!
                #expect(error < 1e-6 * Double(N), "\(path) sum_rows N\(N) C\(C): \(error)")
            })
        }
    }

    @Test func crossEntropyMatchesPlainLoops() {
        for (N, V) in [(1, 1), (5, 7), (40, 512), (9, 1001)] {
            let logits = Self.values(N * V, seed: 51).map { $0 * 8 }
            // Every third row ignored (target −1 there is never read).
            let targets = (0..<N).map { $0 % 3 == 2 ? Int32(-1) : Int32(($0 * 7919) % V) }
            var loss = [Float](repeating: 0, count: N), d = [Float](repeating: .nan, count: N * V)
            cdz_cross_entropy_ref(N, V, logits, targets, -1, 0.25, &loss, &d)
            Self.onEveryPath({ threads in
                var l = [Float](repeating: .nan, count: N), g = [Float](repeating: .nan, count: N * V)
                cdz_cross_entropy(N, V, logits, targets, -1, 0.25, &l, &g, threads)
                var lossOnly = [Float](repeating: .nan, count: N)
                cdz_cross_entropy(N, V, logits, targets, -1, 0.25, &lossOnly, nil, threads)
                #expect(lossOnly == l)
                return l + g
            }, { result, path in
                #expect(!result.contains { $0.isNaN }, "\(path): an output was not written")
                #expect(Self.maxRelativeError(Array(result[..<N]), loss) < 2e-6, "\(path) loss N\(N) V\(V)")
                let gradientError = zip(result[N...], d).map { abs($0 - $1) }.max()!
                #expect(gradientError < 1e-7, "\(path) gradient N\(N) V\(V): \(gradientError)")
            })
        }
    }
}

extension KernelTests {
    /// The peak measurement runs on the path in force and reports a plausible figure: above a
    /// scalar machine's (1 GFLOP/s even in a debug build) and below 64 FMA lanes at 10 GHz per
    /// thread, which no CPU reaches, so a broken count (say, flops per iteration wrong by the
    /// lanes) or a loop the compiler dropped would show.
    @Test func fmaPeakIsPlausible() {
        let peak = cdz_fma_peak_gflops(1, 1)
        #expect(peak > 1 && peak < 1280, "\(peak) GFLOP/s")
    }
}
