// fp32 packers for the GEMM driver, inlined into each path's file so that MR / NR are
// constants and the loops are vectorized for that path's target.
// Packed A: panels of MR rows, each kc×MR (k-major); rows past mc are zero.
// Packed B: panels of NR columns, each kc×NR (k-major); columns past nc are zero.
//
// Two access patterns cover all four cases:
// - "copy": the operand holds, for each k, the panel's values side by side (op(A) when
//   transA, op(B) when not transB). Walk blocks of 8 k outermost, so memory is read
//   sequentially (a panel-by-panel walk strides a full row per k: 2.2 Gfloat/s measured).
// - "transpose": each of the panel's rows / columns is contiguous along k (op(A) when not
//   transA, op(B) when transB). Load 8 of them × 8 k, transpose 8×8 in registers, store 8
//   k-rows: one scalar store per float capped packing near 2.8 Gfloat/s.
#ifndef CKERNELS_PACK_F32_H
#define CKERNELS_PACK_F32_H

#include <string.h>
#include "internal.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// out[j][i] = in[i][j] for an 8×8 block (unpack / shuffle / lane-swap, 24 shuffles).
ALWAYS_INLINE void transpose8(v8f r[8]) {
    v8f t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = __builtin_shufflevector(r[2 * i], r[2 * i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[2 * i + 1] = __builtin_shufflevector(r[2 * i], r[2 * i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int i = 0; i < 2; i++) {
        u[4 * i + 0] = __builtin_shufflevector(t[4 * i], t[4 * i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[4 * i + 1] = __builtin_shufflevector(t[4 * i], t[4 * i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[4 * i + 2] = __builtin_shufflevector(t[4 * i + 1], t[4 * i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[4 * i + 3] = __builtin_shufflevector(t[4 * i + 1], t[4 * i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        r[i + 4] = __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/// Transpose pattern: d[k·LD + g·8 + r] = src[r][k] for r < R (≤ W ≤ 8), zero for R ≤ r < W,
/// k < kc; W = lanes of the group that exist in the panel (8, or LD − g·8 for the last).
ALWAYS_INLINE void pack_transpose(const float *const src[8], int R, const int W, long kc,
                                  float *d, const int LD) {
    long k = 0;
    for (; k + 8 <= kc; k += 8) {
        v8f r[8];
        for (int i = 0; i < 8; i++) r[i] = i < R ? *(const v8f *)(src[i] + k) : (v8f){0};
        transpose8(r);
        // W is 8, 6 or 4 for every tile in use: stores of a size known when compiling.
        // A memcpy of W floats became a libc call per row when W was not folded (6% of
        // a 32768×256×256 product on Zen 5).
        if (W == 8)
            for (int i = 0; i < 8; i++) *(v8f *)(d + (k + i) * LD) = r[i];
        else if (W == 6) // the AVX2 tile's MR
            for (int i = 0; i < 8; i++) {
                *(v4f *)(d + (k + i) * LD) = __builtin_shufflevector(r[i], r[i], 0, 1, 2, 3);
                memcpy(d + (k + i) * LD + 4, (const float *)&r[i] + 4, sizeof(float) * 2);
            }
        else if (W == 4)
            for (int i = 0; i < 8; i++)
                *(v4f *)(d + (k + i) * LD) = __builtin_shufflevector(r[i], r[i], 0, 1, 2, 3);
        else
            for (int i = 0; i < 8; i++) memcpy(d + (k + i) * LD, &r[i], sizeof(float) * (size_t)W);
    }
    for (; k < kc; k++)
        for (int i = 0; i < W; i++) d[k * LD + i] = i < R ? src[i][k] : 0.0f;
}

/// Copy pattern: panels of P values; for each k, s(k) = src + k·ld holds n values side by
/// side. d gets ceil(n/P) panels of kc×P, zero padded. Blocks of 8 k: the 8 source rows are
/// read sequentially and each panel receives 8·P contiguous floats (walking k one by one
/// wrote ~n/P streams at a stride of kc·P floats, which collide in a few L1 sets).
ALWAYS_INLINE void pack_copy(const int P, const float *src, long ld, long kc, long n,
                             float *d) {
    const long full = n / P, rest = n % P;
    for (long k0 = 0; k0 < kc; k0 += 8) {
        const int kb = (int)CDZ_MIN(8L, kc - k0);
        for (long p = 0; p < full; p++) {
            float *dp = d + p * kc * P + k0 * P;
            const float *s = src + k0 * ld + p * P;
            for (int kk = 0; kk < kb; kk++) memcpy(dp + kk * P, s + kk * ld, sizeof(float) * (size_t)P);
        }
        if (rest) {
            float *dp = d + full * kc * P + k0 * P;
            const float *s = src + k0 * ld + full * P;
            for (int kk = 0; kk < kb; kk++) {
                for (long j = 0; j < rest; j++) dp[kk * P + j] = s[kk * ld + j];
                for (long j = rest; j < P; j++) dp[kk * P + j] = 0.0f;
            }
        }
    }
}

/// Transpose pattern over panels of P lines, where line i starts at base + i·ld.
ALWAYS_INLINE void pack_lines(const int P, const float *base, long ld, long n, long kc,
                              float *dst) {
    for (long p0 = 0; p0 < n; p0 += P) {
        const int np = (int)CDZ_MIN((long)P, n - p0);
        float *d = dst + (p0 / P) * kc * P;
        for (int g = 0; g < P; g += 8) {
            const float *src[8];
            const int R = CDZ_MAX(0, CDZ_MIN(8, np - g));
            for (int i = 0; i < 8; i++) src[i] = base + (p0 + CDZ_MIN(g + i, np - 1)) * ld; // valid lines only
            pack_transpose(src, R, CDZ_MIN(8, P - g), kc, d + g, P);
        }
    }
}

/// Packs op(A)[i0 ..< i0+mc, k0 ..< k0+kc] into panels of MR rows.
ALWAYS_INLINE void pack_a_f32(const int MR, int tA, const float *A, long lda, long i0, long k0,
                              long mc, long kc, float *dst) {
    if (tA) pack_copy(MR, A + k0 * lda + i0, lda, kc, mc, dst); // A[k·lda + i]
    else pack_lines(MR, A + i0 * lda + k0, lda, mc, kc, dst);   // A[i·lda + k]
}

/// Packs op(B)[k0 ..< k0+kc, j0 ..< j0+nc] into panels of NR columns.
ALWAYS_INLINE void pack_b_f32(const int NR, int tB, const float *B, long ldb, long k0, long j0,
                              long kc, long nc, float *dst) {
    if (!tB) pack_copy(NR, B + k0 * ldb + j0, ldb, kc, nc, dst); // B[k·ldb + j]
    else pack_lines(NR, B + j0 * ldb + k0, ldb, nc, kc, dst);    // B[j·ldb + k]
}

#undef ALWAYS_INLINE
#endif
