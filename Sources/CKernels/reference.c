// Plain reference loops for every fast kernel: the definitions the tests compare against.
// Sums are in double so that the reference is (much) more exact than any fast path; the
// tests' tolerances then measure only the fast path's fp32 (or bf16) rounding.
#include <math.h>
#include "internal.h"

static inline float op_at(const float *X, long ld, bool trans, long r, long c) {
    return trans ? X[c * ld + r] : X[r * ld + c]; // op(X)[r, c]
}

void cdz_sgemm_ref(bool tA, bool tB, long M, long N, long K, float alpha, const float *A,
                   long lda, const float *B, long ldb, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            double s = 0.0;
            for (long k = 0; k < K; k++)
                s += (double)op_at(A, lda, tA, i, k) * op_at(B, ldb, tB, k, j);
            float *c = C + i * ldc + j;
            *c = beta == 0.0f ? alpha * (float)s : alpha * (float)s + beta * *c;
        }
}

uint16_t cdz_f32_to_bf16(float x) { return (uint16_t)cdz_bf16_bits(x); }

float cdz_bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = {(uint32_t)h << 16};
    return v.f;
}

static inline float bf16_round(float x) { return cdz_bf16_to_f32(cdz_f32_to_bf16(x)); }

void cdz_gemm_bf16_ref(bool tA, bool tB, long M, long N, long K, float alpha, const float *A,
                       long lda, const float *B, long ldb, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            double s = 0.0;
            for (long k = 0; k < K; k++)
                s += (double)bf16_round(op_at(A, lda, tA, i, k)) *
                     bf16_round(op_at(B, ldb, tB, k, j));
            float *c = C + i * ldc + j;
            *c = beta == 0.0f ? alpha * (float)s : alpha * (float)s + beta * *c;
        }
}

void cdz_sgemv_ref(bool trans, long M, long N, float alpha, const float *A, long lda,
                   const float *x, float beta, float *y) {
    const long n_out = trans ? N : M, n_in = trans ? M : N;
    for (long o = 0; o < n_out; o++) {
        double s = 0.0;
        for (long k = 0; k < n_in; k++)
            s += (double)(trans ? A[k * lda + o] : A[o * lda + k]) * x[k];
        y[o] = beta == 0.0f ? alpha * (float)s : alpha * (float)s + beta * y[o];
    }
}

void cdz_q8gemv_ref(long M, long K, const int8_t *Q, long ldq, const float *scale,
                    const float *x, float *y) {
    float amax = 0.0f;
    for (long k = 0; k < K; k++) amax = fmaxf(amax, fabsf(x[k]));
    const float sx = amax / 127.0f;
    const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
    for (long i = 0; i < M; i++) {
        int64_t s = 0;
        for (long k = 0; k < K; k++) s += (int64_t)Q[i * ldq + k] * (int32_t)lrintf(x[k] * inv);
        y[i] = scale[i] * sx * (float)s;
    }
}
