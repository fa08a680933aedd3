// No include guard: a template, included once per path with different parameters.
// The elementwise LSTM cell over one span of hidden units of one sequence, instantiated by
// lstm_cell.c with: LC_SUFFIX (name suffix), LC_TARGET (target attribute).
// Plain loops over floats with no branches and no libm calls: the target attribute alone
// decides the vector width clang uses (4 lanes on baseline x86-64 and arm64, 8 for AVX2).

#define LC_CAT2(a, b) a##_##b
#define LC_CAT(a, b) LC_CAT2(a, b)
#define LC(name) LC_CAT(name, LC_SUFFIX)

#define EN_NAME LC(exp_neg)
#define EN_TARGET LC_TARGET
#include "exp_neg_template.h"

/// σ(x) = 1/(1 + e^−x), from e = e^−|x| ≤ 1 so nothing overflows: 1/(1 + e) for x ≥ 0,
/// e/(1 + e) = 1 − σ(|x|) for x < 0 (exact in relative terms, unlike 1 − 1/(1 + e)).
/// Measured max relative error 1.9e-7 against the exact value and 2.4e-7 against libm's
/// 1/(1 + expf(−x)) (what the reference computes) wherever the result is ≥ 1e-30, i.e.
/// x > −69; below, the absolute error is < 5e-38 (e^−|x| is clamped at e^−87).
LC_TARGET static inline float LC(sigmoid)(float x) {
    const float e = LC(exp_neg)(-__builtin_fabsf(x));
    const float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

/// tanh(x): Cephes' tanhf, odd polynomial in x for |x| < 0.625 (where (1 − e)/(1 + e) would
/// cancel), else sign(x)·(1 − e)/(1 + e) with e = e^−2|x|. Both are computed and one selected,
/// so the loop vectorizes. Measured max relative error 1.5e-7 against the exact value and
/// 2.6e-7 against libm's tanhf, over all x (tiny, near the 0.625 seam, and saturated).
LC_TARGET static inline float LC(tanh)(float x) {
    const float a = __builtin_fabsf(x);
    const float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    const float small = p * z * x + x;
    const float e = LC(exp_neg)(-2.0f * a);
    const float large = __builtin_copysignf((1.0f - e) / (1.0f + e), x);
    return a < 0.625f ? small : large;
}

/// Forward of units u0 ..< u1 of row b (see cdz_lstm_cell_forward). `has_prev` is a constant
/// at both call sites, so each gets its own loop without a per-element test.
LC_TARGET __attribute__((always_inline)) static inline void
LC(forward_loop)(const lstm_job *j, long b, long u0, long u1, int has_prev) {
    const long H = j->H;
    float *restrict gi = j->gates + b * j->ldg, *restrict gf = gi + H, *restrict gg = gi + 2 * H,
                   *restrict go = gi + 3 * H;
    const float *restrict cp = has_prev ? j->c_prev + b * j->ldp : NULL;
    float *restrict c = j->c + b * j->ldc, *restrict h = j->h + b * j->ldh;
    INTERLEAVE_4
    for (long u = u0; u < u1; u++) {
        const float i = LC(sigmoid)(gi[u]), f = LC(sigmoid)(gf[u]);
        const float g = LC(tanh)(gg[u]), o = LC(sigmoid)(go[u]);
        gi[u] = i;
        gf[u] = f;
        gg[u] = g;
        go[u] = o;
        const float cell = has_prev ? f * cp[u] + i * g : i * g;
        c[u] = cell;
        h[u] = o * LC(tanh)(cell);
    }
}

LC_TARGET static void LC(forward_span)(const lstm_job *j, long b, long u0, long u1) {
    if (j->c_prev) LC(forward_loop)(j, b, u0, u1, 1);
    else LC(forward_loop)(j, b, u0, u1, 0);
}

/// Backward of units u0 ..< u1 of row b (see cdz_lstm_cell_backward), with the same
/// arithmetic as the reference: only tanh(c) is computed differently.
LC_TARGET __attribute__((always_inline)) static inline void
LC(backward_loop)(const lstm_job *j, long b, long u0, long u1, int has_prev) {
    const long H = j->H;
    const float *restrict gi = j->cgates + b * j->ldg, *restrict gf = gi + H,
                          *restrict gg = gi + 2 * H, *restrict go = gi + 3 * H;
    const float *restrict cp = has_prev ? j->c_prev + b * j->ldp : NULL;
    const float *restrict c = j->cc + b * j->ldc, *restrict dh = j->dh + b * H;
    float *restrict dc = j->dc + b * H;
    float *restrict di = j->dgates + b * j->lddg, *restrict df = di + H, *restrict dg = di + 2 * H,
                   *restrict dout = di + 3 * H;
    INTERLEAVE_4
    for (long u = u0; u < u1; u++) {
        const float i = gi[u], f = gf[u], g = gg[u], o = go[u];
        const float tc = LC(tanh)(c[u]);
        const float dcell = dc[u] + dh[u] * o * (1.0f - tc * tc);
        dc[u] = dcell * f;
        di[u] = dcell * g * i * (1.0f - i);
        df[u] = has_prev ? dcell * cp[u] * f * (1.0f - f) : 0.0f;
        dg[u] = dcell * i * (1.0f - g * g);
        dout[u] = dh[u] * tc * o * (1.0f - o);
    }
}

LC_TARGET static void LC(backward_span)(const lstm_job *j, long b, long u0, long u1) {
    if (j->c_prev) LC(backward_loop)(j, b, u0, u1, 1);
    else LC(backward_loop)(j, b, u0, u1, 0);
}

static const lstm_cell_kernels LC(kernels) = {LC(forward_span), LC(backward_span)};

#undef LC
#undef LC_CAT
#undef LC_CAT2
#undef LC_SUFFIX
#undef LC_TARGET
