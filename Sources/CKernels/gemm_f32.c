// fp32 GEMM: the three paths (portable, AVX2, AVX-512) as packers + microkernel + cache
// blocks for the shared driver (gemm.c), and cdz_sgemm, which picks one at run time.
//
// Tiles and blocks (L1 32–48 KiB, L2 512 KiB Zen 3 / 1 MiB Zen 4 and 5, L3 32 MiB):
// - AVX2 6×16: 12 ymm accumulators + 2 B vectors + 1 broadcast of 16 registers (the
//   classic Haswell/Zen tile). KC = 256: B micro-panel 16 KiB in L1; MC = 144: A block
//   144 KiB in L2; NC = 4080: B block 4 MiB in L3.
// - AVX-512 12×32: 24 zmm accumulators of 32 (BLIS's Zen 4 sgemm tile is 32×12 column-
//   major, the same shape). KC = 1024, MC = 120: A block 480 KiB in L2 (1 MiB on Zen 4 and
//   Zen 5); the B micro-panel (128 KiB) is read from L2 too, which a core with 64-byte L2
//   loads keeps up with (about 15 bytes per cycle at full FMA rate). A long KC means C is
//   read and written once per 1024 k instead of once per 192. The first tuning on real
//   AVX-512 hardware (the blocks before, 384×192, were chosen on a Zen 3), Zen 5, bench_gemm
//   (M N K), one thread, with pack_f32.h's store fix: 8192 256 1024 Bᵀ 172 → 229 GFLOP/s,
//   8192 256 2048 175 → 230, 8192 1536 512 Bᵀ 229 → 253; dW (Aᵀ, K = 8192) within ±3%.
//   240×512 came second (Scripts/kernels/README.md, "Blocks on Zen 5").
// - Portable 8×8 of 4-lane vectors: SSE2 on old x86, NEON on arm64 (32 registers).
#include "internal.h"
#include "pack_f32.h"

#if defined(__clang__)
#define FMA_HW(a, b, c) __builtin_elementwise_fma(a, b, c)
#else
#define FMA_HW(a, b, c) ((a) * (b) + (c))
#endif

// MARK: portable
#define UK_NAME kernel_portable_8x8
#define UK_UA_NAME kernel_portable_8x8_ua
#define UK_TARGET
#define UK_VEC v4f
#define UK_VW 4
#define UK_MR 8
#define UK_NR 8
#define UK_FMA(a, b, c) ((a) * (b) + (c)) // contracted to FMA where the target has it
#define UK_KUNROLL 1
#include "ukernel_f32_template.h"

static void pack_a_portable(int tA, const float *A, long lda, long i0, long k0, long mc,
                            long kc, void *dst) {
    pack_a_f32(8, tA, A, lda, i0, k0, mc, kc, dst);
}
static void pack_b_portable(int tB, const float *B, long ldb, long k0, long j0, long kc,
                            long nc, void *dst) {
    pack_b_f32(8, tB, B, ldb, k0, j0, kc, nc, dst);
}
const cdz_gemm_impl cdz_sgemm_portable = {
    .MR = 8, .NR = 8, .MC = 128, .KC = 256, .NC = 4096, .kpack = 1, .esize = 4,
    .pack_a = pack_a_portable, .pack_b = pack_b_portable, .kernel = kernel_portable_8x8,
    .kernel_ua = kernel_portable_8x8_ua,
};

#if CDZ_X86
// MARK: AVX2
#define UK_NAME kernel_avx2_6x16
#define UK_UA_NAME kernel_avx2_6x16_ua
#define UK_TARGET CDZ_TARGET_AVX2
#define UK_VEC v8f
#define UK_VW 8
#define UK_MR 6
#define UK_NR 16
#define UK_FMA FMA_HW
#define UK_KUNROLL 4 // measured +5–10% on Zen 3
#include "ukernel_f32_template.h"

CDZ_TARGET_AVX2 static void pack_a_avx2(int tA, const float *A, long lda, long i0, long k0,
                                        long mc, long kc, void *dst) {
    pack_a_f32(6, tA, A, lda, i0, k0, mc, kc, dst);
}
CDZ_TARGET_AVX2 static void pack_b_avx2(int tB, const float *B, long ldb, long k0, long j0,
                                        long kc, long nc, void *dst) {
    pack_b_f32(16, tB, B, ldb, k0, j0, kc, nc, dst);
}
const cdz_gemm_impl cdz_sgemm_avx2 = {
    .MR = 6, .NR = 16, .MC = 144, .KC = 256, .NC = 4080, .kpack = 1, .esize = 4,
    .pack_a = pack_a_avx2, .pack_b = pack_b_avx2, .kernel = kernel_avx2_6x16,
    .kernel_ua = kernel_avx2_6x16_ua,
};

// MARK: AVX-512
#define UK_NAME kernel_avx512_12x32
#define UK_UA_NAME kernel_avx512_12x32_ua
#define UK_TARGET CDZ_TARGET_AVX512
#define UK_VEC v16f
#define UK_VW 16
#define UK_MR 12
#define UK_NR 32
#define UK_FMA FMA_HW
#define UK_KUNROLL 2
#include "ukernel_f32_template.h"

CDZ_TARGET_AVX512 static void pack_a_avx512(int tA, const float *A, long lda, long i0,
                                            long k0, long mc, long kc, void *dst) {
    pack_a_f32(12, tA, A, lda, i0, k0, mc, kc, dst);
}
CDZ_TARGET_AVX512 static void pack_b_avx512(int tB, const float *B, long ldb, long k0,
                                            long j0, long kc, long nc, void *dst) {
    pack_b_f32(32, tB, B, ldb, k0, j0, kc, nc, dst);
}

// 8×32 for products of few rows: 16 rows (an LSTM's recurrent step at batch 16) fill two
// 8-row tiles but only two thirds of two 12-row ones. Same B panels as 12×32.
#define UK_NAME kernel_avx512_8x32
#define UK_UA_NAME kernel_avx512_8x32_ua
#define UK_TARGET CDZ_TARGET_AVX512
#define UK_VEC v16f
#define UK_VW 16
#define UK_MR 8
#define UK_NR 32
#define UK_FMA FMA_HW
#define UK_KUNROLL 2
#include "ukernel_f32_template.h"

// One set of blocks for both AVX-512 tiles: a B packed for one is read by the other
// (cdz_gemm_rows picks the tile per call), so their KC, NC and packer must not drift apart.
enum { AVX512_MC = 120, AVX512_KC = 1024, AVX512_NC = 4096 };

CDZ_TARGET_AVX512 static void pack_a_avx512_8(int tA, const float *A, long lda, long i0,
                                              long k0, long mc, long kc, void *dst) {
    pack_a_f32(8, tA, A, lda, i0, k0, mc, kc, dst);
}
static const cdz_gemm_impl sgemm_avx512_8 = {
    .MR = 8, .NR = 32, .MC = AVX512_MC, .KC = AVX512_KC, .NC = AVX512_NC, .kpack = 1, .esize = 4,
    .pack_a = pack_a_avx512_8, .pack_b = pack_b_avx512, .kernel = kernel_avx512_8x32,
    .kernel_ua = kernel_avx512_8x32_ua,
};
const cdz_gemm_impl cdz_sgemm_avx512 = {
    .MR = 12, .NR = 32, .MC = AVX512_MC, .KC = AVX512_KC, .NC = AVX512_NC, .kpack = 1, .esize = 4,
    .pack_a = pack_a_avx512, .pack_b = pack_b_avx512, .kernel = kernel_avx512_12x32,
    .kernel_ua = kernel_avx512_12x32_ua, .short_rows = &sgemm_avx512_8,
};
#endif

static const cdz_gemm_impl *sgemm_impl(void) {
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: return &cdz_sgemm_avx512;
    case CDZ_ISA_AVX2: return &cdz_sgemm_avx2;
    default: break;
    }
#endif
    return &cdz_sgemm_portable;
}

/// One row or one column of C is a matrix-vector product: packing would cost as much as
/// the arithmetic (sgemm with M = 1 measured 5–8× slower than sgemv). Vectors that are
/// strided in memory are gathered into / scattered from a contiguous temporary.
static int gemm_as_gemv(bool tA, bool tB, long M, long N, long K, float alpha, const float *A,
                        long lda, const float *B, long ldb, float beta, float *C, long ldc,
                        int threads) {
    if (M == 1) { // C[1×N] = op(A)[1×K] · op(B)[K×N]: y = op(B)ᵀ·x
        const float *x = A;
        if (tA && K > 1) { // the row of op(A) is a column of A: stride lda
            float *t = cdz_workspace(2, (size_t)K * sizeof(float));
            if (!t) return 0;
            for (long k = 0; k < K; k++) t[k] = A[k * lda];
            x = t;
        }
        // op(B) stored K×N (y = Bᵀx) or N×K (y = B·x).
        cdz_sgemv(!tB, tB ? N : K, tB ? K : N, alpha, B, ldb, x, beta, C, threads);
        return 1;
    }
    // N == 1: C[M×1] = op(A)[M×K] · op(B)[K×1]; C is a column with stride ldc.
    float *tmp = cdz_workspace(2, (size_t)(K + M) * sizeof(float));
    if (!tmp) return 0;
    const float *x = B;
    if (!tB && K > 1) { // the column of op(B) is a column of B: stride ldb
        for (long k = 0; k < K; k++) tmp[k] = B[k * ldb];
        x = tmp;
    }
    float *y = C;
    if (ldc != 1 && M > 1) {
        y = tmp + K;
        if (beta != 0.0f)
            for (long i = 0; i < M; i++) y[i] = C[i * ldc];
    }
    cdz_sgemv(tA, tA ? K : M, tA ? M : K, alpha, A, lda, x, beta, y, threads);
    if (y != C)
        for (long i = 0; i < M; i++) C[i * ldc] = y[i];
    return 1;
}

void cdz_sgemm(bool transA, bool transB, long M, long N, long K, float alpha, const float *A,
               long lda, const float *B, long ldb, float beta, float *C, long ldc,
               int threads) {
    if ((M == 1 || N == 1) && K > 0 && alpha != 0.0f &&
        gemm_as_gemv(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads))
        return;
    cdz_gemm_run(sgemm_impl(), transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                 threads);
}

cdz_packed_b *cdz_sgemm_pack_b(bool transB, long K, long N, const float *B, long ldb) {
    return cdz_gemm_pack_b(sgemm_impl(), transB, K, N, B, ldb);
}

void cdz_sgemm_packed(bool transA, long M, float alpha, const float *A, long lda,
                      const cdz_packed_b *P, float beta, float *C, long ldc, int threads) {
    int tB;
    long K, N, ldb;
    const float *B;
    cdz_packed_b_source(P, &tB, &K, &N, &B, &ldb);
    // Another path now (cdz_set_isa) or one row (GEMV's territory): the ordinary product.
    if (cdz_packed_b_impl(P) != sgemm_impl() || M == 1) {
        cdz_sgemm(transA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads);
        return;
    }
    cdz_gemm_run_packed(P, transA, M, alpha, A, lda, beta, C, ldc, threads);
}
