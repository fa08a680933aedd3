// Plain reference loops for every fast kernel: the definitions the tests compare against.
// Sums are in double so that the reference is (much) more exact than any fast path; the
// tests' tolerances then measure only the fast path's fp32 (or bf16) rounding.
#include <math.h>
#include <stdlib.h>
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

// MARK: Layer kernels (layers.c)

void cdz_layernorm_forward_ref(long N, long C, const float *x, const float *w, const float *b,
                               float eps, float *out, float *mean, float *rstd) {
    for (long r = 0; r < N; r++) {
        const float *xr = x + r * C;
        double m = 0.0, v = 0.0;
        for (long c = 0; c < C; c++) m += xr[c];
        m /= (double)C;
        for (long c = 0; c < C; c++) v += ((double)xr[c] - m) * ((double)xr[c] - m);
        v /= (double)C;
        const double s = 1.0 / sqrt(v + eps);
        for (long c = 0; c < C; c++) out[r * C + c] = (float)(((double)xr[c] - m) * s * w[c] + b[c]);
        mean[r] = (float)m;
        rstd[r] = (float)s;
    }
}

void cdz_layernorm_backward_ref(long N, long C, const float *dout, const float *x,
                                const float *w, const float *mean, const float *rstd, float *dx,
                                float *dw, float *db) {
    double *sw = calloc((size_t)(C > 0 ? C : 1), sizeof(double));
    double *sb = calloc((size_t)(C > 0 ? C : 1), sizeof(double));
    for (long r = 0; r < N; r++) {
        const float *xr = x + r * C, *g = dout + r * C;
        double a = 0.0, a2 = 0.0;
        for (long c = 0; c < C; c++) {
            const double norm = ((double)xr[c] - mean[r]) * rstd[r], dnorm = (double)w[c] * g[c];
            a += dnorm;
            a2 += dnorm * norm;
        }
        a /= (double)C;
        a2 /= (double)C;
        for (long c = 0; c < C; c++) {
            const double norm = ((double)xr[c] - mean[r]) * rstd[r], dnorm = (double)w[c] * g[c];
            sb[c] += g[c];
            sw[c] += norm * g[c];
            dx[r * C + c] += (float)((dnorm - a - norm * a2) * rstd[r]);
        }
    }
    for (long c = 0; c < C; c++) {
        dw[c] += (float)sw[c];
        db[c] += (float)sb[c];
    }
    free(sw);
    free(sb);
}

void cdz_gelu_forward_ref(long n, const float *x, float *out) {
    for (long i = 0; i < n; i++) out[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

void cdz_gelu_backward_ref(long n, const float *x, const float *dout, float *dx) {
    for (long i = 0; i < n; i++) {
        const float cdf = 0.5f * (1.0f + erff(x[i] * 0.70710678118654752f));
        const float pdf = 0.39894228040143268f * expf(-0.5f * x[i] * x[i]);
        dx[i] += dout[i] * (cdf + x[i] * pdf);
    }
}

void cdz_cross_entropy_ref(long N, long V, const float *logits, const int32_t *targets,
                           int32_t ignored, float scale, float *loss, float *dlogits) {
    for (long r = 0; r < N; r++) {
        const float *z = logits + r * V;
        float *d = dlogits ? dlogits + r * V : NULL;
        if (targets[r] == ignored) {
            loss[r] = 0.0f;
            if (d)
                for (long v = 0; v < V; v++) d[v] = 0.0f;
            continue;
        }
        double max = -INFINITY, sum = 0.0;
        for (long v = 0; v < V; v++) max = z[v] > max ? z[v] : max;
        for (long v = 0; v < V; v++) sum += exp((double)z[v] - max);
        const double lse = max + log(sum);
        loss[r] = (float)(lse - z[targets[r]]);
        if (d) {
            for (long v = 0; v < V; v++) d[v] = (float)(exp((double)z[v] - lse) * scale);
            d[targets[r]] -= scale;
        }
    }
}
