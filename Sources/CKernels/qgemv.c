// int8 GEMV for batch-1 generation: weights quantized once per row, activations per call.
//
// Generation is bandwidth bound (PERFORMANCE-FACTS): int8 weights move 4× fewer bytes than
// fp32. The sums are exact int32; only the two scales are floating point, so every path
// returns bit-identical results (the tests demand equality with cdz_q8gemv_ref).
//
// Paths, for a K-slice of 64 (AVX-512) or 32 (AVX2) bytes of one row:
// - AVX512_VNNI: vpdpbusd multiplies unsigned × signed bytes, so x is offset to
//   xu = xq + 128 ∈ [1, 255] and the offset removed once per row: Σ xq·q = Σ xu·q − 128·Σq,
//   with Σq = rowsum from cdz_quantize_rows_q8. (12.4 µs for 512×2048 on Zen 4.)
// - AVX2: vpmaddubsw on |xq| and sign(q, xq); pair sums ≤ 2·127·127 cannot saturate int16.
// - portable: plain int32 loop.
#include <math.h>
#include "internal.h"

void cdz_quantize_rows_q8(long M, long K, const float *W, long ldw, int8_t *Q, long ldq,
                          float *scale, int32_t *rowsum) {
    for (long i = 0; i < M; i++) {
        const float *w = W + i * ldw;
        float amax = 0.0f;
        for (long k = 0; k < K; k++) amax = fmaxf(amax, fabsf(w[k]));
        const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
        int32_t s = 0;
        for (long k = 0; k < K; k++) {
            const int q = (int)CDZ_MAX(-127.0f, CDZ_MIN(127.0f, rintf(w[k] * inv)));
            Q[i * ldq + k] = (int8_t)q;
            s += q;
        }
        scale[i] = amax / 127.0f;
        if (rowsum) rowsum[i] = s;
    }
}

/// Σ_k q[k]·xq[k] for k in k0 ..< K: a whole row (portable), or the last K mod 32 bytes.
static inline int32_t dot_tail(long k0, long K, const int8_t *q, const int8_t *xq) {
    int32_t s = 0;
    for (long k = k0; k < K; k++) s += (int32_t)q[k] * xq[k];
    return s;
}

/// dots[i] = Σ_k Q[i,k]·xq[k], rows r0 ..< r1.
static void dots_portable(long r0, long r1, long K, const int8_t *Q, long ldq,
                          const int8_t *xq, const uint8_t *xu, const int32_t *rowsum,
                          int32_t *dots) {
    (void)xu, (void)rowsum;
    for (long i = r0; i < r1; i++) dots[i] = dot_tail(0, K, Q + i * ldq, xq);
}

#if CDZ_X86
#include <immintrin.h>

/// Σ_k q[k]·xq[k] for 32 bytes: vpmaddubsw on |xq| and sign(q, xq), then pairs to int32.
static inline __attribute__((always_inline)) CDZ_TARGET_AVX2 __m256i
dot32_avx2(__m256i acc, __m256i ax, __m256i xv, __m256i q) {
    const __m256i p = _mm256_maddubs_epi16(ax, _mm256_sign_epi8(q, xv));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}

/// Four rows i ..< i+4 share each 32-byte slice of x; their four sums leave the registers
/// together through one horizontal-add tree. (Row widths here are 256–2048 bytes, 8–64
/// slices, so a reduction per row through memory cost as much as a third of the row.)
static inline __attribute__((always_inline)) CDZ_TARGET_AVX2 void
rows4_avx2(long i, long K, const int8_t *Q, long ldq, const int8_t *xq, int32_t *dots) {
    const int8_t *q0 = Q + i * ldq, *q1 = q0 + ldq, *q2 = q1 + ldq, *q3 = q2 + ldq;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    long k = 0;
    for (; k + 32 <= K; k += 32) {
        const __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k));
        const __m256i ax = _mm256_sign_epi8(xv, xv);
        if ((k & 63) == 0) { // one line per row every other step
            cdz_prefetch_ahead(q0 + k, CDZ_STREAM_AHEAD), cdz_prefetch_ahead(q1 + k, CDZ_STREAM_AHEAD);
            cdz_prefetch_ahead(q2 + k, CDZ_STREAM_AHEAD), cdz_prefetch_ahead(q3 + k, CDZ_STREAM_AHEAD);
        }
        a0 = dot32_avx2(a0, ax, xv, _mm256_loadu_si256((const __m256i *)(q0 + k)));
        a1 = dot32_avx2(a1, ax, xv, _mm256_loadu_si256((const __m256i *)(q1 + k)));
        a2 = dot32_avx2(a2, ax, xv, _mm256_loadu_si256((const __m256i *)(q2 + k)));
        a3 = dot32_avx2(a3, ax, xv, _mm256_loadu_si256((const __m256i *)(q3 + k)));
    }
    // [a0 a1 a2 a3] lane sums: hadd pairs within each 128-bit half, then add the halves.
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    if (k < K)
        s = _mm_add_epi32(s, _mm_setr_epi32(dot_tail(k, K, q0, xq), dot_tail(k, K, q1, xq),
                                            dot_tail(k, K, q2, xq), dot_tail(k, K, q3, xq)));
    _mm_storeu_si128((__m128i *)(dots + i), s);
}

static inline __attribute__((always_inline)) CDZ_TARGET_AVX2 void
row_avx2(long i, long K, const int8_t *Q, long ldq, const int8_t *xq, int32_t *dots) {
    const int8_t *q = Q + i * ldq;
    __m256i a = _mm256_setzero_si256();
    long k = 0;
    for (; k + 32 <= K; k += 32) {
        const __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + k));
        a = dot32_avx2(a, _mm256_sign_epi8(xv, xv), xv, _mm256_loadu_si256((const __m256i *)(q + k)));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    s = _mm_hadd_epi32(s, s);
    s = _mm_hadd_epi32(s, s);
    dots[i] = _mm_cvtsi128_si32(s) + dot_tail(k, K, q, xq);
}

CDZ_TARGET_AVX2 static void dots_avx2(long r0, long r1, long K, const int8_t *Q, long ldq,
                                      const int8_t *xq, const uint8_t *xu,
                                      const int32_t *rowsum, int32_t *dots) {
    (void)xu, (void)rowsum;
    long i = r0;
    for (; i + 4 <= r1; i += 4) rows4_avx2(i, K, Q, ldq, xq, dots);
    for (; i < r1; i++) row_avx2(i, K, Q, ldq, xq, dots);
}

typedef uint8_t v64u8 __attribute__((vector_size(64), aligned(1)));
typedef int8_t v64s8 __attribute__((vector_size(64), aligned(1)));

#if defined(CDZ_EMULATE_AVX512)
// Scalar model of vpdpbusd for the emulation test build: each int32 lane adds the four
// products of its unsigned bytes of `u` and signed bytes of `s`.
CDZ_TARGET_AVX512 static inline v16i dpbusd(v16i acc, v64u8 u, v64s8 s) {
    for (int l = 0; l < 16; l++)
        for (int b = 0; b < 4; b++) acc[l] += (int32_t)u[4 * l + b] * s[4 * l + b];
    return acc;
}
#else
CDZ_TARGET_AVX512 static inline v16i dpbusd(v16i acc, v64u8 u, v64s8 s) {
    return (v16i)_mm512_dpbusd_epi32((__m512i)acc, (__m512i)u, (__m512i)s);
}
#endif

static inline __attribute__((always_inline)) CDZ_TARGET_AVX512 void
rows_vnni(const int R, long i, long K, const int8_t *Q, long ldq, const uint8_t *xu,
          const int32_t *rowsum, int32_t *dots) {
    v16i acc[4];
    for (int r = 0; r < R; r++) acc[r] = (v16i){0};
    long k = 0;
    for (; k + 64 <= K; k += 64) {
        const v64u8 xv = *(const v64u8 *)(xu + k);
        if (R == 4) // one line per row per step, as in rows_avx2
            for (int r = 0; r < R; r++) cdz_prefetch_ahead(Q + (i + r) * ldq + k, CDZ_STREAM_AHEAD);
        for (int r = 0; r < R; r++)
            acc[r] = dpbusd(acc[r], xv, *(const v64s8 *)(Q + (i + r) * ldq + k));
    }
    for (int r = 0; r < R; r++) {
        int32_t s = 0;
        for (int l = 0; l < 16; l++) s += acc[r][l];
        const int8_t *q = Q + (i + r) * ldq;
        for (long kk = k; kk < K; kk++) s += (int32_t)q[kk] * xu[kk];
        dots[i + r] = s - 128 * rowsum[i + r];
    }
}

CDZ_TARGET_AVX512 static void dots_vnni(long r0, long r1, long K, const int8_t *Q, long ldq,
                                        const int8_t *xq, const uint8_t *xu,
                                        const int32_t *rowsum, int32_t *dots) {
    (void)xq;
    long i = r0;
    for (; i + 4 <= r1; i += 4) rows_vnni(4, i, K, Q, ldq, xu, rowsum, dots);
    for (; i < r1; i++) rows_vnni(1, i, K, Q, ldq, xu, rowsum, dots);
}
#endif

typedef void (*dots_fn)(long, long, long, const int8_t *, long, const int8_t *,
                        const uint8_t *, const int32_t *, int32_t *);

typedef struct {
    dots_fn fn;
    long M, K, ldq;
    const int8_t *Q, *xq;
    const uint8_t *xu;
    const int32_t *rowsum;
    const float *scale;
    float sx;
    int32_t *dots;
    float *y;
} q8_job;

static void q8_share(void *ctx, int tid, int nt) {
    const q8_job *j = ctx;
    const long units = (j->M + 3) / 4; // bands of 4 rows, as the kernels walk them
    const long lo = units * tid / nt * 4, hi = CDZ_MIN(units * (tid + 1) / nt * 4, j->M);
    if (lo >= hi) return;
    j->fn(lo, hi, j->K, j->Q, j->ldq, j->xq, j->xu, j->rowsum, j->dots);
    for (long i = lo; i < hi; i++) j->y[i] = j->scale[i] * j->sx * (float)j->dots[i];
}

/// x → xq = round(x·127/amax) and xu = xq + 128, per call; returns amax = max |x| (fmaxf
/// skips NaNs). Compiled twice (baseline SSE2 and AVX2) from one body: both loops vectorize,
/// 8 lanes on AVX2, and give the same bits (a max is exact in any order).
#define QUANTIZE_X_BODY                                                                         \
    float amax = 0.0f;                                                                          \
    for (long k = 0; k < K; k++) amax = fmaxf(amax, fabsf(x[k]));                               \
    const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;                                       \
    for (long k = 0; k < K; k++) {                                                              \
        /* Round to nearest even without a libm call (baseline x86-64 has no roundss):         \
           adding 1.5·2²³ leaves no fraction bits, exact for |x·inv| ≤ 127 < 2²². Two            \
           statements: the product must be rounded first, as in the reference, not fused. */    \
        const float p = x[k] * inv;                                                             \
        const int v = (int)((p + 12582912.0f) - 12582912.0f);                                   \
        xq[k] = (int8_t)v;                                                                      \
        xu[k] = (uint8_t)(v + 128);                                                             \
    }                                                                                           \
    return amax;

static float quantize_x(long K, const float *x, int8_t *xq, uint8_t *xu) { QUANTIZE_X_BODY }
#if CDZ_X86
CDZ_TARGET_AVX2 static float quantize_x_avx2(long K, const float *x, int8_t *xq, uint8_t *xu) {
    QUANTIZE_X_BODY
}
#endif

void cdz_q8gemv(long M, long K, const int8_t *Q, long ldq, const float *scale,
                const int32_t *rowsum, const float *x, float *y, int threads) {
    if (M <= 0) return;
    // Scratch: xq[K], xu[K], dots[M] (int32 aligned after the two byte vectors).
    const size_t kb = ((size_t)K + 63) & ~(size_t)63;
    char *ws = cdz_workspace(2, 2 * kb + (size_t)M * sizeof(int32_t));
    if (!ws) {
        cdz_q8gemv_ref(M, K, Q, ldq, scale, x, y);
        return;
    }
    int8_t *xq = (int8_t *)ws;
    uint8_t *xu = (uint8_t *)ws + kb;
    int32_t *dots = (int32_t *)(ws + 2 * kb);

    float amax;
#if CDZ_X86
    if (cdz_isa_active() >= CDZ_ISA_AVX2) amax = quantize_x_avx2(K, x, xq, xu);
    else
#endif
        amax = quantize_x(K, x, xq, xu);

    dots_fn fn = dots_portable;
#if CDZ_X86
    if (cdz_use_vnni() && rowsum) fn = dots_vnni;
    else if (cdz_isa_active() >= CDZ_ISA_AVX2) fn = dots_avx2;
#endif
    q8_job j = {fn, M, K, ldq, Q, xq, xu, rowsum, scale, amax / 127.0f, dots, y};
    // Estimated from the bytes of Q at ~4 GB/s, as cdz_sgemv does: weights streamed from RAM
    // or a far L3 are worth splitting even for small matrices.
    const int nt = cdz_pick_threads(threads, (double)M * K * 0.25);
    cdz_parallel(nt, q8_share, &j);
}
