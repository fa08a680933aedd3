import CKernels
import Testing

/// cdz_sgemm_packed (op(B) packed once) against the plain loop, on every CPU path: shapes that
/// cross the K block (256), more columns than rows (threads split columns) and the reverse,
/// both transposes, accumulation, one row (handed to cdz_sgemm), a B packed on one path and
/// used on another, and 1 or 2 threads, which must agree bit for bit.
extension KernelTests {
    // (8, 8300, 40): two threads split columns, the second band starts past the first 4080-
    // or 4096-column block and the first band spans two blocks.
    @Test(arguments: [(2, 2048, 512), (16, 300, 257), (70, 33, 600), (1, 40, 9), (7, 4100, 3), (8, 8300, 40)])
    func packedGemmMatchesReference(_ shape: (Int, Int, Int)) {
        let (M, N, K) = shape
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = Self.values(M * K, seed: 61), b = Self.values(K * N, seed: 62), c0 = Self.values(M * N, seed: 63)
                let lda = transA ? M : K, ldb = transB ? K : N
                var expected = c0
                cdz_sgemm_ref(transA, transB, M, N, K, 0.5, a, lda, b, ldb, 1, &expected, N)
                b.withUnsafeBufferPointer { b in
                    let packed = cdz_sgemm_pack_b(transB, K, N, b.baseAddress!, ldb)
                    defer { cdz_sgemm_packed_b_free(packed) }
                    #expect(packed != nil)
                    var results: [[Float]] = []
                    for threads in [Int32(1), 2] {
                        var c = c0
                        cdz_sgemm_packed(transA, M, 0.5, a, lda, packed, 1, &c, N, threads)
                        results.append(c)
                    }
                    #expect(results[0] == results[1], "isa \(isa.rawValue) M\(M) N\(N) K\(K): threads differ")
                    #expect(Self.maxRelativeError(results[1], expected) < 1e-5,
                            "isa \(isa.rawValue) M\(M) N\(N) K\(K) tA \(transA) tB \(transB)")
                    // Packed on this path, used on the lowest: falls back to the source B.
                    _ = cdz_set_isa(CDZ_ISA_PORTABLE)
                    var c = c0
                    cdz_sgemm_packed(transA, M, 0.5, a, lda, packed, 1, &c, N, 2)
                    #expect(Self.maxRelativeError(c, expected) < 1e-5)
                    _ = cdz_set_isa(isa)
                }
            }
        }
        #expect(cdz_sgemm_pack_b(false, 0, 5, [Float](), 5) == nil)
    }

    /// The LSTM's use: padded row strides for A and C (rows of a (B, T, ·) tensor at one step),
    /// K past the 256 block, beta 0 (C not read: NaN stays out) and beta 0.5 (applied once,
    /// not once per K block).
    @Test func packedGemmWithStridesAndBeta() {
        let (M, N, K, lda, ldc) = (5, 96, 300, 310, 101)
        let a = Self.values(M * lda, seed: 71), w = Self.values(N * K, seed: 72) // W (N, K): op(B) = Wᵀ
        let packed = cdz_sgemm_pack_b(true, K, N, w, K)
        defer { cdz_sgemm_packed_b_free(packed) }
        for beta: Float in [0, 0.5] {
            let start = (0..<(M * ldc)).map { beta == 0 ? Float.nan : Float($0 % 7) }
            var expected = start, c = start
            if beta == 0 { expected = expected.map { _ in 0 } }
            cdz_sgemm_ref(false, true, M, N, K, 1, a, lda, w, K, beta, &expected, ldc)
            cdz_sgemm_packed(false, M, 1, a, lda, packed, beta, &c, ldc, 2)
            for i in 0..<M {
                let row = Array(c[(i * ldc)..<(i * ldc + N)]), want = Array(expected[(i * ldc)..<(i * ldc + N)])
                #expect(Self.maxRelativeError(row, want) < 1e-5, "beta \(beta) row \(i)")
                // The padding between rows is never written.
                #expect(zip(c[(i * ldc + N)..<((i + 1) * ldc)], start[(i * ldc + N)..<((i + 1) * ldc)]).allSatisfy { $0.bitPattern == $1.bitPattern })
            }
        }
    }

    /// Generation's attention: one query against a cache, heads split over threads (the cache
    /// here is long enough for two), against the last row of the plain causal attention.
    @Test func attentionDecodeMatchesPlainLoops() {
        let (T, NH, hs) = (300, 4, 16)
        let C = NH * hs, S = 3 * C
        let qkv = Self.values(T * S, seed: 81).map { $0 * 2 }
        var full = [Float](repeating: 0, count: T * C), lse = [Float](repeating: 0, count: NH * T)
        qkv.withUnsafeBufferPointer { x in
            cdz_attention_forward_ref(1, T, NH, hs, x.baseAddress!, x.baseAddress! + C, x.baseAddress! + 2 * C, S, true, &full, &lse)
        }
        let expected = Array(full[((T - 1) * C)...])
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            var outputs: [[Float]] = []
            for threads in [Int32(1), 2] {
                var out = [Float](repeating: .nan, count: C), scores = [Float](repeating: 0, count: T)
                qkv.withUnsafeBufferPointer { x in
                    let q = x.baseAddress! + (T - 1) * S
                    cdz_attention_decode(T, NH, hs, q, x.baseAddress! + C, x.baseAddress! + 2 * C, S, &out, &scores, threads)
                }
                outputs.append(out)
            }
            // The same cache head-major with keys transposed, as the transformer decoder keeps
            // it, in a longer context whose unused positions are NaN.
            let context = T + 7
            var keys = [Float](repeating: .nan, count: NH * context * hs), values = keys
            for t in 0..<T {
                for i in 0..<C {
                    keys[i * context + t] = qkv[t * S + C + i]
                    values[(i / hs * context + t) * hs + i % hs] = qkv[t * S + 2 * C + i]
                }
            }
            var headMajor: [[Float]] = []
            for threads in [Int32(1), 2] {
                var out = [Float](repeating: .nan, count: C), scores = [Float](repeating: 0, count: T)
                qkv.withUnsafeBufferPointer { x in
                    cdz_attention_decode_heads(T, NH, hs, x.baseAddress! + (T - 1) * S, keys, values, context, &out, &scores, threads)
                }
                headMajor.append(out)
            }
            #expect(outputs[0] == outputs[1], "isa \(isa.rawValue): threads differ")
            #expect(headMajor[0] == headMajor[1], "isa \(isa.rawValue): head-major threads differ")
            #expect(Self.maxRelativeError(headMajor[1], expected) < 1e-5, "isa \(isa.rawValue): head-major")
            #expect(Self.maxRelativeError(outputs[1], expected) < 1e-5, "isa \(isa.rawValue)")
        }
    }
}
