// op(B) (K, N) packed once for many products C (M, N) = alpha · op(A) · op(B) + beta · C.
//
// An LSTM layer multiplies its recurrent weights by only B rows per time step, T times per
// pass: `MatrixMultiply.gemm` would repack all of W_hh (4 MB at hidden 512) for each of those
// small products, a tenth of a training step. Packing once per pass (`cdz_sgemm_pack_b`)
// leaves the products themselves.

import CKernels

/// A right-hand matrix packed for the GEMM microkernels, owning its packed copy.
final class PackedMatrix {
    private let packed: OpaquePointer?
    private let transB: Bool, K: Int, N: Int, b: UnsafePointer<Float>, ldb: Int

    /// Packs op(B), where B is stored (K, N) with row stride ldb, or (N, K) when `transB`.
    /// `b` must stay valid and unchanged while this object lives. Out of memory, the products
    /// read `b` directly (same result, slower).
    init(transB: Bool, K: Int, N: Int, b: UnsafePointer<Float>, ldb: Int) {
        (self.transB, self.K, self.N, self.b, self.ldb) = (transB, K, N, b, ldb)
        packed = cdz_sgemm_pack_b(transB, K, N, b, ldb)
    }

    deinit { cdz_sgemm_packed_b_free(packed) }

    /// C (M, N) = alpha · op(A) · op(B) + beta · C, op(A) (M, K).
    func multiply(transA: Bool, M: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard let packed else {
            MatrixMultiply.gemm(transA: transA, transB: transB, M: M, N: N, K: K, alpha: alpha,
                                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        cdz_sgemm_packed(transA, M, alpha, a, lda, packed, beta, c, ldc, MatrixMultiply.threads)
    }
}
