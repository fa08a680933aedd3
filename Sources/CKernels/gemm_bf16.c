// bf16 GEMM with fp32 accumulation (AVX512_BF16): the engine's fast training mode.
//
// vdpbf16ps multiplies bf16 pairs along K and adds both products into one fp32 lane:
//   c[j] += a[k]·b[k,j] + a[k+1]·b[k+1,j]
// twice the multiply-adds of an fp32 FMA per instruction (Zen 4: 467 GFLOP/s peak on two
// cores against 234). Operands stay fp32 in memory (fp32 master weights); they are rounded
// to bf16 while packed, so the conversion costs O(M·K + K·N), not O(M·N·K).
//
// Packed formats (32-bit words, each holding a K pair: low half k, high half k+1):
//   A: panels of MR rows, per pair MR words  (op(A)[i,k], op(A)[i,k+1])
//   B: panels of NR cols, per pair NR words  (op(B)[k,j], op(B)[k+1,j])
// An odd K is padded with a zero k. Tile 12×32 and blocks as the fp32 AVX-512 path, with
// KC = 384 k (192 pairs) so the B micro-panel is again 24 KiB.
#include "internal.h"

#if CDZ_X86
#if defined(CDZ_EMULATE_AVX512)
// Scalar model of vdpbf16ps for the emulation test build, in Intel's documented order
// (odd element first). bf16 products are exact in fp32; DAZ/FTZ are not modelled.
static inline float bf16_lo(uint32_t w) { union { uint32_t u; float f; } v = {w << 16}; return v.f; }
static inline float bf16_hi(uint32_t w) { union { uint32_t u; float f; } v = {w & 0xffff0000u}; return v.f; }
CDZ_TARGET_AVX512 static inline v16f dpbf16(v16f acc, v16u a, v16u b) {
    for (int l = 0; l < 16; l++) {
        float t = acc[l] + bf16_hi(a[l]) * bf16_hi(b[l]);
        acc[l] = t + bf16_lo(a[l]) * bf16_lo(b[l]);
    }
    return acc;
}
#else
#include <immintrin.h>
CDZ_TARGET_AVX512 static inline v16f dpbf16(v16f acc, v16u a, v16u b) {
    return (v16f)_mm512_dpbf16_ps((__m512)acc, (__m512bh)a, (__m512bh)b);
}
#endif

enum { MR = 12, NR = 32 };

/// Two fp32 values as one packed word: bf16(lo) | bf16(hi) << 16.
static inline uint32_t pair(float lo, float hi) {
    return cdz_bf16_bits(lo) | (cdz_bf16_bits(hi) << 16);
}

CDZ_TARGET_AVX512 static void pack_a_bf16(int tA, const float *A, long lda, long i0, long k0,
                                          long mc, long kc, void *dst) {
    const long np = (kc + 1) / 2; // pairs
    for (long ir = 0; ir < mc; ir += MR) {
        const int mr = (int)CDZ_MIN((long)MR, mc - ir);
        uint32_t *d = (uint32_t *)dst + (ir / MR) * np * MR;
        for (int r = 0; r < MR; r++) {
            if (r >= mr) {
                for (long p = 0; p < np; p++) d[p * MR + r] = 0;
                continue;
            }
            const long i = i0 + ir + r;
            for (long p = 0; p < np; p++) {
                const long k = k0 + 2 * p;
                const float lo = tA ? A[k * lda + i] : A[i * lda + k];
                const float hi = 2 * p + 1 < kc ? (tA ? A[(k + 1) * lda + i] : A[i * lda + k + 1]) : 0.0f;
                d[p * MR + r] = pair(lo, hi);
            }
        }
    }
}

CDZ_TARGET_AVX512 static void pack_b_bf16(int tB, const float *B, long ldb, long k0, long j0,
                                          long kc, long nc, void *dst) {
    const long np = (kc + 1) / 2;
    for (long jr = 0; jr < nc; jr += NR) {
        const int nr = (int)CDZ_MIN((long)NR, nc - jr);
        uint32_t *d = (uint32_t *)dst + (jr / NR) * np * NR;
        if (!tB) { // rows k and k+1 of op(B) are contiguous: convert them side by side
            for (long p = 0; p < np; p++, d += NR) {
                const float *s0 = B + (k0 + 2 * p) * ldb + j0 + jr;
                const float *s1 = 2 * p + 1 < kc ? s0 + ldb : NULL;
                for (int j = 0; j < nr; j++) d[j] = pair(s0[j], s1 ? s1[j] : 0.0f);
                for (int j = nr; j < NR; j++) d[j] = 0;
            }
        } else { // op(B)[k, j] = B[j·ldb + k]: each column of op(B) is a row of B
            for (int j = 0; j < NR; j++) {
                if (j >= nr) {
                    for (long p = 0; p < np; p++) d[p * NR + j] = 0;
                    continue;
                }
                const float *s = B + (j0 + jr + j) * ldb + k0;
                for (long p = 0; p < np; p++)
                    d[p * NR + j] = pair(s[2 * p], 2 * p + 1 < kc ? s[2 * p + 1] : 0.0f);
            }
        }
    }
}

/// C[12×32] = alpha·(Ap·Bp) + beta·C over kcp k (kcp/2 packed pairs); beta == 0: C not read.
/// Per pair: 2 loads of B, 12 broadcasts of A, 24 vdpbf16ps into 24 zmm accumulators.
CDZ_TARGET_AVX512 static void kernel_bf16_12x32(long kcp, const void *Ap, const void *Bp,
                                                float *C, long ldc, float alpha, float beta) {
    const uint32_t *a = Ap, *b = Bp;
    v16f c[MR][2];
    UNROLL for (int i = 0; i < MR; i++) c[i][0] = c[i][1] = (v16f){0};
    for (long p = 0; p < kcp / 2; p++, a += MR, b += NR) {
        const v16u b0 = *(const v16u *)b, b1 = *(const v16u *)(b + 16);
        UNROLL for (int i = 0; i < MR; i++) {
            const v16u ai = a[i] + (v16u){0}; // broadcast one pair
            c[i][0] = dpbf16(c[i][0], ai, b0);
            c[i][1] = dpbf16(c[i][1], ai, b1);
        }
    }
    UNROLL for (int i = 0; i < MR; i++) {
        v16f *ci = (v16f *)(C + i * ldc);
        UNROLL for (int v = 0; v < 2; v++) {
            v16f r = alpha * c[i][v];
            if (beta != 0.0f) r += beta * ci[v];
            ci[v] = r;
        }
    }
}

const cdz_gemm_impl cdz_gemm_bf16_avx512 = {
    .MR = MR, .NR = NR, .MC = 384, .KC = 384, .NC = 4096, .kpack = 2, .esize = 2,
    .pack_a = pack_a_bf16, .pack_b = pack_b_bf16, .kernel = kernel_bf16_12x32,
};
#endif

void cdz_gemm_bf16(bool transA, bool transB, long M, long N, long K, float alpha,
                   const float *A, long lda, const float *B, long ldb, float beta, float *C,
                   long ldc, int threads) {
#if CDZ_X86
    // One row or column is a GEMV, bandwidth bound: converting to bf16 would gain nothing.
    if (cdz_use_bf16() && M > 1 && N > 1) {
        cdz_gemm_run(&cdz_gemm_bf16_avx512, transA, transB, M, N, K, alpha, A, lda, B, ldb,
                     beta, C, ldc, threads);
        return;
    }
#endif
    cdz_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threads);
}
