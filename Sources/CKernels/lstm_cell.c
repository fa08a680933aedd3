// The elementwise half of an LSTM time step (PyTorch gate order i, f, g, o), forward and
// backward, for B sequences at once.
//
// Per unit, forward takes three sigmoids and two tanh, backward one tanh: with scalar libm
// calls (the reference loops below) that is ≈ 0.9 ms per step of 16 × 512 units, ≈ 1 s of a
// 3.7 s lstm-attention-small training step. Here σ and tanh are branch-free polynomials
// (lstm_cell_template.h) that clang vectorizes per CPU path: ≈ 35 µs per step.
//
// Work is split into tasks of one sequence × LC_SPAN units. A task's bounds do not depend on
// the thread count and every unit is computed by the same instructions whichever thread
// runs it, so results are bit-identical for every thread count.
#include <math.h>
#include "internal.h"

/// Units per task: a multiple of every vector width (times the interleave below), and ≈ 1 µs
/// of forward work on AVX2, far above the cost of taking a task.
enum { LC_SPAN = 256 };

/// Four vectors per loop iteration: σ and tanh are long dependency chains (≈ 25 operations
/// each), and interleaving four independent ones per iteration gave 1.3× (AVX2) and 1.6×
/// (SSE2) over one. gcc decides by itself.
#if defined(__clang__)
#define INTERLEAVE_4 _Pragma("clang loop interleave_count(4)")
#else
#define INTERLEAVE_4
#endif

typedef struct lstm_job lstm_job;

typedef struct {
    void (*forward)(const lstm_job *j, long b, long u0, long u1);
    void (*backward)(const lstm_job *j, long b, long u0, long u1);
} lstm_cell_kernels;

struct lstm_job {
    long B, H, ldg, ldp, ldc, ldh, lddg;
    float *gates;        // forward: pre-activations in, activated gates out
    const float *cgates; // backward: activated gates
    const float *c_prev; // NULL: zero state
    float *c, *h;        // forward outputs
    const float *cc, *dh;
    float *dc, *dgates;
    const lstm_cell_kernels *kernels; // chosen by the caller: the ISA cap is per thread
    int backward;
};

#define LC_SUFFIX portable
#define LC_TARGET
#include "lstm_cell_template.h"

#if CDZ_X86
#define LC_SUFFIX avx2
#define LC_TARGET CDZ_TARGET_AVX2
#include "lstm_cell_template.h"

#define LC_SUFFIX avx512
#define LC_TARGET CDZ_TARGET_AVX512
#include "lstm_cell_template.h"
#endif

static const lstm_cell_kernels *kernels_for_isa(void) {
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: return &kernels_avx512;
    case CDZ_ISA_AVX2: return &kernels_avx2;
    default: break;
    }
#endif
    return &kernels_portable;
}

/// Thread `tid` takes a contiguous range of the B · ⌈H / LC_SPAN⌉ tasks.
static void cell_share(void *ctx, int tid, int nt) {
    const lstm_job *j = ctx;
    const long spans = (j->H + LC_SPAN - 1) / LC_SPAN, tasks = j->B * spans;
    const long lo = tasks * tid / nt, hi = tasks * (tid + 1) / nt;
    for (long task = lo; task < hi; task++) {
        const long b = task / spans, u0 = task % spans * LC_SPAN;
        const long u1 = CDZ_MIN(u0 + LC_SPAN, j->H);
        if (j->backward) j->kernels->backward(j, b, u0, u1);
        else j->kernels->forward(j, b, u0, u1);
    }
}

/// Threads for B·H units at ≈ `ns_per_unit` each (measured on Zen 3 at 2.9 GHz with AVX2:
/// forward 4.3 ns, backward 2.0 ns; SSE2 twice that). At lstm-attention-small's 16 × 512 the
/// forward (≈ 31 µs) gets two threads and measured 19 µs; the backward (≈ 15 µs) stays on the
/// caller, where two threads measured slower (17 µs: the worker's rows come from the other
/// core's cache).
static int cell_threads(int threads, long B, long H, double ns_per_unit) {
    const long spans = (H + LC_SPAN - 1) / LC_SPAN;
    const int nt = cdz_pick_threads(threads, (double)B * H * ns_per_unit);
    return (int)CDZ_MIN((long)nt, B * spans);
}

void cdz_lstm_cell_forward(long B, long H, float *gates, long ldg, const float *c_prev,
                           long ldp, float *c, long ldc, float *h, long ldh, int threads) {
    if (B <= 0 || H <= 0) return;
    lstm_job j = {.B = B, .H = H, .ldg = ldg, .ldp = ldp, .ldc = ldc, .ldh = ldh,
                  .gates = gates, .c_prev = c_prev, .c = c, .h = h,
                  .kernels = kernels_for_isa(), .backward = 0};
    cdz_parallel(cell_threads(threads, B, H, 4.3), cell_share, &j);
}

void cdz_lstm_cell_backward(long B, long H, const float *gates, long ldg, const float *c,
                            long ldc, const float *c_prev, long ldp, const float *dh, float *dc,
                            float *dgates, long lddg, int threads) {
    if (B <= 0 || H <= 0) return;
    lstm_job j = {.B = B, .H = H, .ldg = ldg, .ldp = ldp, .ldc = ldc, .lddg = lddg,
                  .cgates = gates, .c_prev = c_prev, .cc = c, .dh = dh, .dc = dc,
                  .dgates = dgates, .kernels = kernels_for_isa(), .backward = 1};
    cdz_parallel(cell_threads(threads, B, H, 2.0), cell_share, &j);
}

// MARK: references: plain loops with libm's expf and tanhf

/// 1/(1 + e^−x) without overflow, as the engine's Swift `Math.sigmoid`.
static float sigmoid_ref(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

void cdz_lstm_cell_forward_ref(long B, long H, float *gates, long ldg, const float *c_prev,
                               long ldp, float *c, long ldc, float *h, long ldh) {
    for (long b = 0; b < B; b++) {
        float *gate = gates + b * ldg, *cb = c + b * ldc, *hb = h + b * ldh;
        for (long u = 0; u < H; u++) {
            const float i = sigmoid_ref(gate[u]), f = sigmoid_ref(gate[H + u]);
            const float g = tanhf(gate[2 * H + u]), o = sigmoid_ref(gate[3 * H + u]);
            gate[u] = i;
            gate[H + u] = f;
            gate[2 * H + u] = g;
            gate[3 * H + u] = o;
            cb[u] = c_prev ? f * c_prev[b * ldp + u] + i * g : i * g;
            hb[u] = o * tanhf(cb[u]);
        }
    }
}

void cdz_lstm_cell_backward_ref(long B, long H, const float *gates, long ldg, const float *c,
                                long ldc, const float *c_prev, long ldp, const float *dh,
                                float *dc, float *dgates, long lddg) {
    for (long b = 0; b < B; b++) {
        const float *gate = gates + b * ldg, *cb = c + b * ldc, *dhb = dh + b * H;
        float *dcb = dc + b * H, *dgate = dgates + b * lddg;
        for (long u = 0; u < H; u++) {
            const float i = gate[u], f = gate[H + u], g = gate[2 * H + u], o = gate[3 * H + u];
            const float tc = tanhf(cb[u]);
            // dc_t: the carry plus the path through h_t = o ⊙ tanh(c_t).
            const float dcell = dcb[u] + dhb[u] * o * (1.0f - tc * tc);
            dcb[u] = dcell * f;
            dgate[u] = dcell * g * i * (1.0f - i);
            dgate[H + u] = c_prev ? dcell * c_prev[b * ldp + u] * f * (1.0f - f) : 0.0f;
            dgate[2 * H + u] = dcell * i * (1.0f - g * g);
            dgate[3 * H + u] = dhb[u] * tc * o * (1.0f - o);
        }
    }
}
