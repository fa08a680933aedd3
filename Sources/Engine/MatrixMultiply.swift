import CKernels

/// Row-major single-precision matrix products with BLAS `sgemm` semantics:
///
///     C = alpha · op(A) · op(B) + beta · C,   op(A) (M, K), op(B) (K, N), C (M, N)
///
/// op(X) is X, or Xᵀ when the matching `trans` flag is set; `lda`, `ldb`, `ldc` are the
/// distances in elements between two stored rows. When `beta == 0`, C is written without
/// being read (NaN-safe), as BLAS and the C kernels do.
///
/// Every matrix product of the engine goes through `gemm`, so the packed AVX-512/AVX2 kernels
/// (`cdz_sgemm` of the C target, same argument order) replace this body without touching a
/// layer. `gemmReference` is the definition the fast paths are tested against.
public enum MatrixMultiply {
    /// Threads a product may use: 0 means every core (the C kernels' persistent pool).
    nonisolated(unsafe) public static var threads: Int32 = 0

    /// The machine's fp32 multiply-add peak in GFLOP/s on `threads` threads (0 = all), measured
    /// by `cdz_fma_peak_gflops` (independent FMA chains, best of `repeats`).
    public static func fmaPeakGigaflops(threads: Int, repeats: Int) -> Double {
        cdz_fma_peak_gflops(Int32(threads), Int32(repeats))
    }

    /// C = alpha · op(A) · op(B) + beta · C through the packed C kernels (`cdz_sgemm`), which
    /// pick AVX-512, AVX2 or portable code at run time and send M == 1 or N == 1 to GEMV.
    public static func gemm(
        transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(M >= 0 && N >= 0 && K >= 0, "gemm dimensions must be non-negative")
        cdz_sgemm(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, threads)
    }

    /// The definition: one dot product per element of C, summed in `Double`.
    public static func gemmReference(
        transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<M {
            for j in 0..<N {
                var sum: Double = 0
                for p in 0..<K {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + old)
            }
        }
    }
}
