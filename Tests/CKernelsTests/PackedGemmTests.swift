import CKernels
import Testing

/// cdz_sgemm_packed (op(B) packed once) against the plain loop, on every CPU path: shapes that
/// cross the K block (256), more columns than rows (threads split columns) and the reverse,
/// both transposes, accumulation, one row (handed to cdz_sgemm), a B packed on one path and
/// used on another, and 1 or 2 threads, which must agree bit for bit.
extension KernelTests {
    @Test(arguments: [(2, 2048, 512), (16, 300, 257), (70, 33, 600), (1, 40, 9), (7, 4100, 3)])
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
}
