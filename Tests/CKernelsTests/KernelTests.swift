import CKernels
import Testing

/// Every fast kernel against its plain reference loop, on every CPU path this machine has
/// (portable, AVX2, AVX-512), over odd shapes, transposes and accumulation. The exhaustive C
/// harness is Scripts/kernels/test/run.sh; these keep CI honest on each build.
@Suite(.serialized) struct KernelTests {
    /// Paths the CPU can run, lowest first.
    static var paths: [cdz_isa] {
        let features = cdz_cpu_features()
        var paths = [CDZ_ISA_PORTABLE]
        if features & UInt32(CDZ_CPU_AVX2) != 0 { paths.append(CDZ_ISA_AVX2) }
        if features & UInt32(CDZ_CPU_AVX512) != 0 { paths.append(CDZ_ISA_AVX512) }
        return paths
    }

    /// Deterministic values in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    static func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(b.map(abs).max() ?? 1, 1)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 64, 64), (100, 257, 31), (255, 3, 130), (1, 300, 70), (70, 300, 1)])
    func sgemmMatchesReference(_ shape: (Int, Int, Int)) {
        let (M, N, K) = shape
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = Self.values(M * K, seed: 1), b = Self.values(K * N, seed: 2)
                let lda = transA ? M : K, ldb = transB ? K : N
                var c = Self.values(M * N, seed: 3)
                var expected = c
                for threads in [Int32(1), 2] {
                    var out = c
                    cdz_sgemm(transA, transB, M, N, K, 0.5, a, lda, b, ldb, 1.0, &out, N, threads)
                    cdz_sgemm_ref(transA, transB, M, N, K, 0.5, a, lda, b, ldb, 1.0, &expected, N)
                    #expect(Self.maxRelativeError(out, expected) < 1e-5, "isa \(isa.rawValue) M\(M) N\(N) K\(K) tA \(transA) tB \(transB) threads \(threads)")
                    expected = c
                }
                // beta = 0 must ignore whatever C held, NaN included.
                c = [Float](repeating: .nan, count: M * N)
                cdz_sgemm(transA, transB, M, N, K, 1, a, lda, b, ldb, 0, &c, N, 1)
                #expect(!c.contains { $0.isNaN })
            }
        }
    }

    /// Two threads pack the operand they share together and take blocks of C from a counter
    /// (B shared when M ≥ N, A's rows when M < N), over several K blocks (KC is 256 or 1024
    /// by path) and, for B, two column blocks; every element must still be computed as one
    /// thread computes it.
    @Test(arguments: [(2000, 300, 1100), (300, 2000, 1100), (100, 4200, 40)])
    func sgemmTwoThreadsMatchOneBitForBit(_ shape: (Int, Int, Int)) {
        let (M, N, K) = shape
        defer { _ = cdz_set_isa(Self.paths.last!) }
        let a = Self.values(M * K, seed: 11), b = Self.values(K * N, seed: 12), c = Self.values(M * N, seed: 13)
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            for (transA, transB) in [(false, false), (true, true)] {
                let lda = transA ? M : K, ldb = transB ? K : N
                var one = c, two = c
                cdz_sgemm(transA, transB, M, N, K, 0.5, a, lda, b, ldb, 1.0, &one, N, 1)
                cdz_sgemm(transA, transB, M, N, K, 0.5, a, lda, b, ldb, 1.0, &two, N, 2)
                #expect(one == two, "isa \(isa.rawValue) M\(M) N\(N) K\(K) tA \(transA) tB \(transB)")
            }
        }
    }

    /// A product at most two micro-panels wide reads op(A) in place (no packing); one column
    /// wider packs it. Both run the same multiply-adds in the same order, so the narrow
    /// product's columns equal the wide one's bit for bit, on every path and transpose.
    @Test func sgemmReadingAInPlaceMatchesPackedBits() {
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            let narrow = isa == CDZ_ISA_AVX512 ? 64 : isa == CDZ_ISA_AVX2 ? 32 : 16 // 2·NR
            let (M, K, wide) = (6 * 12 + 5, 300, narrow + 1) // whole panels and a partial one
            for transA in [false, true] {
                let a = Self.values(M * K, seed: 4), b = Self.values(K * wide, seed: 5)
                let lda = transA ? M : K
                var packed = [Float](repeating: 0, count: M * wide), inPlace = [Float](repeating: 0, count: M * narrow)
                cdz_sgemm(transA, false, M, wide, K, 0.5, a, lda, b, wide, 0, &packed, wide, 1)
                cdz_sgemm(transA, false, M, narrow, K, 0.5, a, lda, b, wide, 0, &inPlace, narrow, 1)
                let same = (0..<M).allSatisfy { i in (0..<narrow).allSatisfy { inPlace[i * narrow + $0] == packed[i * wide + $0] } }
                #expect(same, "isa \(isa.rawValue) tA \(transA)")
            }
        }
    }

    @Test func sgemvMatchesReference() {
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            for (M, N) in [(1, 1), (7, 13), (512, 300), (33, 1000)] {
                for trans in [false, true] {
                    let a = Self.values(M * N, seed: 4)
                    let x = Self.values(trans ? M : N, seed: 5)
                    var y = Self.values(trans ? N : M, seed: 6)
                    var expected = y
                    cdz_sgemv(trans, M, N, 1.5, a, N, x, 0.25, &y, 2)
                    cdz_sgemv_ref(trans, M, N, 1.5, a, N, x, 0.25, &expected)
                    #expect(Self.maxRelativeError(y, expected) < 1e-5, "isa \(isa.rawValue) \(M)x\(N) trans \(trans)")
                }
            }
        }
    }

    @Test func bf16GemmIsCloseToFloat() {
        let (M, N, K) = (37, 45, 129)
        let a = Self.values(M * K, seed: 7), b = Self.values(K * N, seed: 8)
        var c = [Float](repeating: 0, count: M * N), expected = c
        cdz_gemm_bf16(false, true, M, N, K, 1, a, K, b, K, 0, &c, N, 2)
        cdz_sgemm_ref(false, true, M, N, K, 1, a, K, b, K, 0, &expected, N)
        // bf16 inputs keep 8 bits of mantissa: a relative error near 2^-8 over sums of K terms.
        #expect(Self.maxRelativeError(c, expected) < 2e-2)
    }

    @Test func int8GemvMatchesReference() {
        defer { _ = cdz_set_isa(Self.paths.last!) }
        let (M, K) = (96, 200)
        let w = Self.values(M * K, seed: 9), x = Self.values(K, seed: 10)
        var q = [Int8](repeating: 0, count: M * K), scale = [Float](repeating: 0, count: M), rowsum = [Int32](repeating: 0, count: M)
        cdz_quantize_rows_q8(M, K, w, K, &q, K, &scale, &rowsum)
        var expected = [Float](repeating: 0, count: M)
        cdz_q8gemv_ref(M, K, q, K, scale, x, &expected)
        var exact = [Float](repeating: 0, count: M)
        cdz_sgemv_ref(false, M, K, 1, w, K, x, 0, &exact)
        #expect(Self.maxRelativeError(expected, exact) < 3e-2)
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            var y = [Float](repeating: 0, count: M)
            cdz_q8gemv(M, K, q, K, scale, rowsum, x, &y, 2)
            #expect(Self.maxRelativeError(y, expected) < 1e-5, "isa \(isa.rawValue)")
        }
    }
}
