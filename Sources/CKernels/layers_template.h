// No include guard: a template, included once per path with different parameters.
// Row and element operations of the training layers, instantiated by layers.c with:
//   LY_SUFFIX (name suffix), LY_TARGET (target attribute).
// Plain loops over floats: the target attribute alone decides the vector width clang uses.
// Reductions keep eight partial sums so that they vectorize without reassociation flags.

#define LY_CAT2(a, b) a##_##b
#define LY_CAT(a, b) LY_CAT2(a, b)
#define LY(name) LY_CAT(name, LY_SUFFIX)

/// e^x for x ≤ 0, relative error ≤ 2.4e-7 (Cephes' expf, branch-free; exp_neg_template.h).
#define EN_NAME LY(exp_neg)
#define EN_TARGET LY_TARGET
#include "exp_neg_template.h"

/// Φ(x) = ½(1 + erf(x/√2)) given e = e^(−x²/2), with PyTorch's vectorized erf
/// (Abramowitz–Stegun 7.1.26: erf(z) = 1 − t·poly(t)·e^(−z²), t = 1/(1 + p·|z|)).
LY_TARGET static inline float LY(normal_cdf)(float x, float e) {
    const float z = __builtin_fabsf(x) * 0.70710678118654752f;
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    float poly = 1.061405429f;
    poly = poly * t - 1.453152027f;
    poly = poly * t + 1.421413741f;
    poly = poly * t - 0.284496736f;
    poly = poly * t + 0.254829592f;
    const float erf_abs = 1.0f - t * poly * e;
    return 0.5f + 0.5f * __builtin_copysignf(erf_abs, x);
}

LY_TARGET static void LY(gelu_forward)(const float *x, float *out, long n) {
    for (long i = 0; i < n; i++) {
        const float v = x[i];
        out[i] = v * LY(normal_cdf)(v, LY(exp_neg)(-0.5f * v * v));
    }
}

LY_TARGET static void LY(gelu_backward)(const float *x, const float *dout, float *dx, long n) {
    for (long i = 0; i < n; i++) {
        const float v = x[i], e = LY(exp_neg)(-0.5f * v * v);
        const float pdf = 0.39894228040143268f * e;
        dx[i] += dout[i] * (LY(normal_cdf)(v, e) + v * pdf);
    }
}

LY_TARGET static void LY(add)(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/// sum[c] += x[c] over one row.
LY_TARGET static void LY(accumulate)(float *sum, const float *x, long n) {
    for (long i = 0; i < n; i++) sum[i] += x[i];
}

LY_TARGET static float LY(row_sum)(const float *x, long n) {
    float part[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) part[l] += x[i + l];
    for (; i < n; i++) part[0] += x[i];
    float total = 0.0f;
    for (int l = 0; l < 8; l++) total += part[l];
    return total;
}

/// Σ (x − m)² over one row.
LY_TARGET static float LY(row_squares)(const float *x, float m, long n) {
    float part[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) {
            const float d = x[i + l] - m;
            part[l] += d * d;
        }
    for (; i < n; i++) part[0] += (x[i] - m) * (x[i] - m);
    float total = 0.0f;
    for (int l = 0; l < 8; l++) total += part[l];
    return total;
}

LY_TARGET static void LY(layernorm_row)(const float *x, const float *w, const float *b, long C,
                                         float eps, float *out, float *mean, float *rstd) {
    const float m = LY(row_sum)(x, C) / (float)C;
    const float v = LY(row_squares)(x, m, C) / (float)C;
    const float s = 1.0f / __builtin_sqrtf(v + eps);
    for (long i = 0; i < C; i++) out[i] = (x[i] - m) * s * w[i] + b[i];
    *mean = m;
    *rstd = s;
}

/// One row of LayerNorm backward: dx += …, and this block's partial dw, db += ….
LY_TARGET static void LY(layernorm_backward_row)(const float *dout, const float *x, const float *w,
                                                  float m, float s, long C, float *dx, float *dw,
                                                  float *db) {
    float p1[8] = {0}, p2[8] = {0};
    long i = 0;
    for (; i + 8 <= C; i += 8)
        for (int l = 0; l < 8; l++) {
            const float norm = (x[i + l] - m) * s, dnorm = w[i + l] * dout[i + l];
            p1[l] += dnorm;
            p2[l] += dnorm * norm;
        }
    for (; i < C; i++) {
        const float norm = (x[i] - m) * s, dnorm = w[i] * dout[i];
        p1[0] += dnorm;
        p2[0] += dnorm * norm;
    }
    float dnorm_mean = 0.0f, dnorm_norm_mean = 0.0f;
    for (int l = 0; l < 8; l++) {
        dnorm_mean += p1[l];
        dnorm_norm_mean += p2[l];
    }
    dnorm_mean /= (float)C;
    dnorm_norm_mean /= (float)C;
    for (long c = 0; c < C; c++) {
        const float norm = (x[c] - m) * s, dnorm = w[c] * dout[c];
        db[c] += dout[c];
        dw[c] += norm * dout[c];
        dx[c] += (dnorm - dnorm_mean - norm * dnorm_norm_mean) * s;
    }
}

/// One row of softmax cross-entropy; returns log Σ e^logit − logit[target]. With d, writes
/// d = softmax·scale, then subtracts scale at the target.
LY_TARGET static float LY(cross_entropy_row)(const float *z, long V, long target, float scale, float *d) {
    float max = -__builtin_inff();
    for (long j = 0; j < V; j++) max = z[j] > max ? z[j] : max;
    float part[8] = {0};
    long j = 0;
    for (; j + 8 <= V; j += 8)
        for (int l = 0; l < 8; l++) part[l] += LY(exp_neg)(z[j + l] - max);
    for (; j < V; j++) part[0] += LY(exp_neg)(z[j] - max);
    float sum = 0.0f;
    for (int l = 0; l < 8; l++) sum += part[l];
    const float lse = max + __builtin_logf(sum);
    if (d) {
        for (long v = 0; v < V; v++) d[v] = LY(exp_neg)(z[v] - lse) * scale;
        d[target] -= scale;
    }
    return lse - z[target];
}

static const layer_rows LY(rows) = {
    LY(gelu_forward), LY(gelu_backward), LY(add), LY(accumulate),
    LY(layernorm_row), LY(layernorm_backward_row), LY(cross_entropy_row),
};

#undef LY
#undef LY_CAT
#undef LY_CAT2
#undef LY_SUFFIX
#undef LY_TARGET
