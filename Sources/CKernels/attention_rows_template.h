// No include guard: a template, included once per path with different parameters.
// Row operations of causal attention, instantiated by attention.c with:
//   AR_SUFFIX (name suffix), AR_TARGET (target attribute).
// Plain loops over floats: the target attribute alone decides the vector width clang uses.

#define AR_CAT2(a, b) a##_##b
#define AR_CAT(a, b) AR_CAT2(a, b)
#define AR(name) AR_CAT(name, AR_SUFFIX)

/// e^x for x ≤ 0, relative error ≤ 2.4e-7 (Cephes' expf, branch-free; exp_neg_template.h).
#define EN_NAME AR(exp_neg)
#define EN_TARGET AR_TARGET
#include "exp_neg_template.h"

/// Softmax numerator of one score row: s[j] ← e^(s[j] − max) for j < n; returns the max
/// and stores the sum in *sum. Eight partial sums let the reduction vectorize.
AR_TARGET static float AR(exp_row)(float *s, long n, float *sum) {
    float m = -__builtin_inff();
    for (long j = 0; j < n; j++) m = s[j] > m ? s[j] : m;
    float part[8] = {0};
    long j = 0;
    for (; j + 8 <= n; j += 8)
        for (int l = 0; l < 8; l++) {
            s[j + l] = AR(exp_neg)(s[j + l] - m);
            part[l] += s[j + l];
        }
    for (; j < n; j++) {
        s[j] = AR(exp_neg)(s[j] - m);
        part[0] += s[j];
    }
    float total = 0.0f;
    for (int l = 0; l < 8; l++) total += part[l];
    *sum = total;
    return m;
}

/// p[j] ← e^(s[j] − lse) for j < n: the probabilities forward produced, recomputed.
AR_TARGET static void AR(probabilities)(float *s, long n, float lse) {
    for (long j = 0; j < n; j++) s[j] = AR(exp_neg)(s[j] - lse);
}

/// ds[j] ← p[j]·(dp[j] − D)·scale for j < n (dp is overwritten with ds).
AR_TARGET static void AR(score_gradient)(const float *p, float *dp, long n, float D, float scale) {
    for (long j = 0; j < n; j++) dp[j] = p[j] * (dp[j] - D) * scale;
}

/// Σ a[d]·b[d] over a head (D_i = dout_i · out_i in backward).
AR_TARGET static float AR(dot)(const float *a, const float *b, long n) {
    float part[8] = {0};
    long d = 0;
    for (; d + 8 <= n; d += 8)
        for (int l = 0; l < 8; l++) part[l] += a[d + l] * b[d + l];
    for (; d < n; d++) part[0] += a[d] * b[d];
    float total = 0.0f;
    for (int l = 0; l < 8; l++) total += part[l];
    return total;
}

static const attention_rows AR(rows) = {AR(exp_row), AR(probabilities), AR(score_gradient), AR(dot)};

#undef AR
#undef AR_CAT
#undef AR_CAT2
#undef AR_SUFFIX
#undef AR_TARGET
