// fp32 GEMV: y = alpha·A·x + beta·y or y = alpha·Aᵀ·x + beta·y, per path, split over y.
//
// A GEMV reads each element of A once, so it runs at memory speed (hot in L3 ≈ 96 GB/s,
// from RAM ≈ 25 GB/s per core): the kernels aim only to keep the loads streaming.
#include "internal.h"

#if defined(__clang__)
#define FMA_HW(a, b, c) __builtin_elementwise_fma(a, b, c)
#else
#define FMA_HW(a, b, c) ((a) * (b) + (c))
#endif

typedef void (*gemv_n_fn)(long, long, long, float, const float *, long, const float *, float,
                          float *);

#define GV_N gemv_n_portable
#define GV_T gemv_t_portable
#define GV_TH hgemv_t_portable
#define GV_TARGET
#define GV_VEC v4f
#define GV_VW 4
#define GV_FMA(a, b, c) ((a) * (b) + (c))
#define GV_LOADH(p)                                                                        \
    ({                                                                                     \
        const uint16_t *p_ = (p);                                                          \
        (v4f){cdz_half_to_float(p_[0]), cdz_half_to_float(p_[1]), cdz_half_to_float(p_[2]), \
              cdz_half_to_float(p_[3])};                                                   \
    })
#include "gemv_f32_template.h"

#if CDZ_X86
// vcvtph2ps: memcpy into a vector of halves, not a cast, since the cache is uint16_t.
#define LOAD_HALVES(p, H, F)                                                               \
    ({                                                                                     \
        H h_;                                                                              \
        __builtin_memcpy(&h_, (p), sizeof h_);                                             \
        __builtin_convertvector(h_, F);                                                    \
    })

#define GV_N gemv_n_avx2
#define GV_T gemv_t_avx2
#define GV_TH hgemv_t_avx2
#define GV_TARGET CDZ_TARGET_AVX2
#define GV_VEC v8f
#define GV_VW 8
#define GV_FMA FMA_HW
#define GV_LOADH(p) LOAD_HALVES(p, v8h, v8f)
#include "gemv_f32_template.h"

#define GV_N gemv_n_avx512
#define GV_T gemv_t_avx512
#define GV_TH hgemv_t_avx512
#define GV_TARGET CDZ_TARGET_AVX512
#define GV_VEC v16f
#define GV_VW 16
#define GV_FMA FMA_HW
#define GV_LOADH(p) LOAD_HALVES(p, v16h, v16f)
#include "gemv_f32_template.h"
#endif

typedef struct {
    gemv_n_fn kernel; // band kernel: rows (A·x) or columns (Aᵀ·x)
    long n_out, n_in; // length of y, length of the sum
    long unit;        // band granularity
    float alpha, beta;
    const float *A, *x;
    long lda;
    float *y;
} gemv_job;

static void gemv_share(void *ctx, int tid, int nt) {
    const gemv_job *j = ctx;
    const long units = (j->n_out + j->unit - 1) / j->unit;
    const long lo = units * tid / nt * j->unit;
    const long hi = CDZ_MIN(units * (tid + 1) / nt * j->unit, j->n_out);
    if (lo < hi) j->kernel(lo, hi, j->n_in, j->alpha, j->A, j->lda, j->x, j->beta, j->y);
}

void cdz_sgemv(bool trans, long M, long N, float alpha, const float *A, long lda,
               const float *x, float beta, float *y, int threads) {
    const long n_out = trans ? N : M, n_in = trans ? M : N;
    if (n_out <= 0) return;
    if (n_in <= 0 || alpha == 0.0f) {
        for (long i = 0; i < n_out; i++) y[i] = beta == 0.0f ? 0.0f : beta * y[i];
        return;
    }
    gemv_n_fn n = gemv_n_portable, t = gemv_t_portable;
    long w = 4;
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: n = gemv_n_avx512, t = gemv_t_avx512, w = 16; break;
    case CDZ_ISA_AVX2: n = gemv_n_avx2, t = gemv_t_avx2, w = 8; break;
    default: break;
    }
#endif
    // Bands: 4 rows for A·x; 8 vectors of columns for Aᵀ·x (also keeps each thread's
    // columns on their own cache lines).
    gemv_job j = {trans ? t : n, n_out, n_in, trans ? 8 * w : 4, alpha, beta, A, x, lda, y};
    // Time estimate from the bytes of A at ~4 GB/s: generation's weights come from RAM or a
    // far L3, where one core measured 5–8 GB/s and two cores 40–70 GB/s on this project's VM
    // (a 256×256 product is worth splitting). Hot weights cost less, and still split well.
    const int nt = cdz_pick_threads(threads, (double)M * N * 0.25);
    cdz_parallel(nt, gemv_share, &j);
}

void cdz_hgemv_t(long M, long N, float alpha, const uint16_t *A, long lda, const float *x,
                 float *y) {
    if (N <= 0) return;
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: hgemv_t_avx512(N, M, alpha, A, lda, x, y); return;
    case CDZ_ISA_AVX2: hgemv_t_avx2(N, M, alpha, A, lda, x, y); return;
    default: break;
    }
#endif
    hgemv_t_portable(N, M, alpha, A, lda, x, y);
}
