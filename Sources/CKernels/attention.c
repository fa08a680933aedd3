// Causal multi-head attention, forward and backward, as blocks of GEMMs.
//
// Each (batch, head) pair is an independent task: threads take whole tasks, so the result is
// bit-identical for every thread count. Inside a task, query rows go in blocks of ATT_BLOCK:
// the block's scores against keys 0 ..< (last row + 1) are one GEMM (the upper triangle past
// the block is never computed), the causal softmax is a row pass, and P·V another GEMM.
// Backward recomputes the scores and, with the stored log-sum-exp, the probabilities
// (flash-attention style): memory stays O(block × T) per thread instead of O(T²) per head.
#include <stdatomic.h>
#include "internal.h"

enum { ATT_BLOCK = 64 };

typedef struct {
    float (*exp_row)(float *s, long n, float *sum);
    void (*probabilities)(float *s, long n, float lse);
    void (*score_gradient)(const float *p, float *dp, long n, float D, float scale);
    float (*dot)(const float *a, const float *b, long n);
} attention_rows;

#define AR_SUFFIX portable
#define AR_TARGET
#include "attention_rows_template.h"

#if CDZ_X86
#define AR_SUFFIX avx2
#define AR_TARGET CDZ_TARGET_AVX2
#include "attention_rows_template.h"

#define AR_SUFFIX avx512
#define AR_TARGET CDZ_TARGET_AVX512
#include "attention_rows_template.h"
#endif

static const attention_rows *rows_for_isa(void) {
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: return &rows_avx512;
    case CDZ_ISA_AVX2: return &rows_avx2;
    default: break;
    }
#endif
    return &rows_portable;
}

typedef struct {
    long B, T, NH, hs, S;
    int causal; // 0: every query sees every key (the style classifier's encoder)
    const float *q, *k, *v, *out, *lse, *dout;
    float *o, *l, *dq, *dk, *dv;
    const attention_rows *rows;
    cdz_isa isa; // the caller's path, for the GEMMs the workers run
    // (batch, head) tasks handed out so far: taken from a counter, so that a thread slowed by
    // the shared machine does fewer of them instead of keeping the others waiting.
    _Atomic long next_task;
} attention_job;

/// The next (batch, head) task of the job, or -1 when every one is taken.
static long take_task(const attention_job *j) {
    const long t = atomic_fetch_add_explicit(&((attention_job *)j)->next_task, 1, memory_order_relaxed);
    return t < j->B * j->NH ? t : -1;
}

static void forward_task(const attention_job *j, long b, long h, float *s) {
    const long T = j->T, S = j->S, hs = j->hs, C = j->NH * hs;
    const float scale = 1.0f / __builtin_sqrtf((float)hs);
    const float *q = j->q + b * T * S + h * hs, *k = j->k + b * T * S + h * hs;
    const float *v = j->v + b * T * S + h * hs;
    float *o = j->o + b * T * C + h * hs, *lse = j->l + (b * j->NH + h) * T;
    for (long i0 = 0; i0 < T; i0 += ATT_BLOCK) {
        const long m = CDZ_MIN(ATT_BLOCK, T - i0), n = j->causal ? i0 + m : T; // rows, keys seen by the last row
        // s (m × n) = scale · q[i0 ..< i0+m] · k[0 ..< n]ᵀ
        cdz_sgemm(false, true, m, n, hs, scale, q + i0 * S, S, k, S, 0.0f, s, n, 1);
        for (long r = 0; r < m; r++) {
            float *row = s + r * n, sum;
            const long seen = j->causal ? i0 + r + 1 : T;
            const float max = j->rows->exp_row(row, seen, &sum);
            const float inverse = 1.0f / sum;
            for (long c = 0; c < seen; c++) row[c] *= inverse;
            for (long c = seen; c < n; c++) row[c] = 0.0f;
            lse[i0 + r] = max + __builtin_logf(sum);
        }
        // o[i0 ..< i0+m] (m × hs) = p · v[0 ..< n]
        cdz_sgemm(false, false, m, hs, n, 1.0f, s, n, v, S, 0.0f, o + i0 * C, C, 1);
    }
}

static void backward_task(const attention_job *j, long b, long h, float *s, float *dp) {
    const long T = j->T, S = j->S, hs = j->hs, C = j->NH * hs;
    const float scale = 1.0f / __builtin_sqrtf((float)hs);
    const long base = b * T * S + h * hs;
    const float *q = j->q + base, *k = j->k + base, *v = j->v + base;
    float *dq = j->dq + base, *dk = j->dk + base, *dv = j->dv + base;
    const float *o = j->out + b * T * C + h * hs, *dout = j->dout + b * T * C + h * hs;
    const float *lse = j->lse + (b * j->NH + h) * T;
    for (long i0 = 0; i0 < T; i0 += ATT_BLOCK) {
        const long m = CDZ_MIN(ATT_BLOCK, T - i0), n = j->causal ? i0 + m : T;
        cdz_sgemm(false, true, m, n, hs, scale, q + i0 * S, S, k, S, 0.0f, s, n, 1);
        for (long r = 0; r < m; r++) {
            float *row = s + r * n;
            const long seen = j->causal ? i0 + r + 1 : T;
            j->rows->probabilities(row, seen, lse[i0 + r]);
            for (long c = seen; c < n; c++) row[c] = 0.0f;
        }
        // dv[0 ..< n] += pᵀ · dout[block];  dp (m × n) = dout[block] · v[0 ..< n]ᵀ
        cdz_sgemm(true, false, n, hs, m, 1.0f, s, n, dout + i0 * C, C, 1.0f, dv, S, 1);
        cdz_sgemm(false, true, m, n, hs, 1.0f, dout + i0 * C, C, v, S, 0.0f, dp, n, 1);
        for (long r = 0; r < m; r++) {
            const long i = i0 + r;
            const float D = j->rows->dot(dout + i * C, o + i * C, hs);
            j->rows->score_gradient(s + r * n, dp + r * n, n, D, scale);
        }
        // dq[block] += ds · k[0 ..< n];  dk[0 ..< n] += dsᵀ · q[block]
        cdz_sgemm(false, false, m, hs, n, 1.0f, dp, n, k, S, 1.0f, dq + i0 * S, S, 1);
        cdz_sgemm(true, false, n, hs, m, 1.0f, dp, n, q + i0 * S, S, 1.0f, dk, S, 1);
    }
}

// MARK: plain per-task loops: the reference, and the path when scratch memory is missing

static void forward_task_plain(const attention_job *j, long b, long h) {
    const long T = j->T, S = j->S, hs = j->hs, C = j->NH * hs;
    const float scale = 1.0f / __builtin_sqrtf((float)hs);
    for (long i = 0; i < T; i++) {
        const float *q = j->q + (b * T + i) * S + h * hs;
        float maximum = -__builtin_inff();
        for (long c = 0; c < (j->causal ? i + 1 : T); c++) {
            const float *k = j->k + (b * T + c) * S + h * hs;
            float dot = 0.0f;
            for (long d = 0; d < hs; d++) dot += q[d] * k[d];
            maximum = CDZ_MAX(maximum, dot * scale);
        }
        float sum = 0.0f;
        float *o = j->o + (b * T + i) * C + h * hs;
        for (long d = 0; d < hs; d++) o[d] = 0.0f;
        for (long c = 0; c < (j->causal ? i + 1 : T); c++) {
            const float *k = j->k + (b * T + c) * S + h * hs, *v = j->v + (b * T + c) * S + h * hs;
            float dot = 0.0f;
            for (long d = 0; d < hs; d++) dot += q[d] * k[d];
            const float e = __builtin_expf(dot * scale - maximum);
            sum += e;
            for (long d = 0; d < hs; d++) o[d] += e * v[d];
        }
        for (long d = 0; d < hs; d++) o[d] /= sum;
        j->l[(b * j->NH + h) * T + i] = maximum + __builtin_logf(sum);
    }
}

static void backward_task_plain(const attention_job *j, long b, long h) {
    const long T = j->T, S = j->S, hs = j->hs, C = j->NH * hs;
    const float scale = 1.0f / __builtin_sqrtf((float)hs);
    for (long i = 0; i < T; i++) {
        const long row = (b * T + i) * S + h * hs;
        const float *q = j->q + row, *o = j->out + (b * T + i) * C + h * hs;
        const float *dout = j->dout + (b * T + i) * C + h * hs;
        float *dq = j->dq + row;
        float D = 0.0f;
        for (long d = 0; d < hs; d++) D += dout[d] * o[d];
        const float lse = j->lse[(b * j->NH + h) * T + i];
        for (long c = 0; c < (j->causal ? i + 1 : T); c++) {
            const long column = (b * T + c) * S + h * hs;
            const float *k = j->k + column, *v = j->v + column;
            float *dk = j->dk + column, *dv = j->dv + column;
            float dot = 0.0f, dp = 0.0f;
            for (long d = 0; d < hs; d++) {
                dot += q[d] * k[d];
                dp += dout[d] * v[d];
            }
            const float p = __builtin_expf(dot * scale - lse), ds = p * (dp - D) * scale;
            for (long d = 0; d < hs; d++) {
                dv[d] += p * dout[d];
                dq[d] += ds * k[d];
                dk[d] += ds * q[d];
            }
        }
    }
}

// MARK: drivers

static void forward_share(void *ctx, int tid, int nt) {
    const attention_job *j = ctx;
    if (tid > 0) cdz_set_isa(j->isa);
    float *s = cdz_workspace(3, sizeof(float) * ATT_BLOCK * (size_t)j->T);
    (void)nt;
    for (long task; (task = take_task(j)) >= 0;) {
        // Out of memory for the score rows: the plain loop needs none.
        if (s) forward_task(j, task / j->NH, task % j->NH, s);
        else forward_task_plain(j, task / j->NH, task % j->NH);
    }
}

static void backward_share(void *ctx, int tid, int nt) {
    const attention_job *j = ctx;
    if (tid > 0) cdz_set_isa(j->isa);
    float *s = cdz_workspace(3, 2 * sizeof(float) * ATT_BLOCK * (size_t)j->T);
    (void)nt;
    for (long task; (task = take_task(j)) >= 0;) {
        if (s) backward_task(j, task / j->NH, task % j->NH, s, s + ATT_BLOCK * j->T);
        else backward_task_plain(j, task / j->NH, task % j->NH);
    }
}

static void plain_share(void *ctx, int tid, int nt) {
    const attention_job *j = ctx;
    for (long task = tid; task < j->B * j->NH; task += nt) {
        if (j->dq) backward_task_plain(j, task / j->NH, task % j->NH);
        else forward_task_plain(j, task / j->NH, task % j->NH);
    }
}

/// Threads for B·NH tasks of ≈ `macs_per_task` multiply-adds each.
static int attention_threads(int threads, long tasks, double macs_per_task) {
    const int nt = cdz_pick_threads(threads, (double)tasks * macs_per_task / 20.0);
    return (int)CDZ_MIN((long)nt, tasks);
}

void cdz_attention_forward(long B, long T, long NH, long hs, const float *q, const float *k,
                           const float *v, long S, bool causal, float *out, float *lse, int threads) {
    if (B <= 0 || T <= 0 || NH <= 0 || hs <= 0) return;
    attention_job j = {B, T, NH, hs, S, causal, q, k, v, NULL, NULL, NULL, out, lse, NULL, NULL, NULL,
                       rows_for_isa(), cdz_isa_active(), 0};
    cdz_parallel(attention_threads(threads, B * NH, (double)T * T * hs), forward_share, &j);
}

void cdz_attention_backward(long B, long T, long NH, long hs, const float *q, const float *k,
                            const float *v, long S, bool causal, const float *out, const float *lse,
                            const float *dout, float *dq, float *dk, float *dv, int threads) {
    if (B <= 0 || T <= 0 || NH <= 0 || hs <= 0) return;
    attention_job j = {B, T, NH, hs, S, causal, q, k, v, out, lse, dout, NULL, NULL, dq, dk, dv,
                       rows_for_isa(), cdz_isa_active(), 0};
    cdz_parallel(attention_threads(threads, B * NH, 2.0 * T * T * hs), backward_share, &j);
}

void cdz_attention_forward_ref(long B, long T, long NH, long hs, const float *q, const float *k,
                               const float *v, long S, bool causal, float *out, float *lse) {
    if (B <= 0 || T <= 0 || NH <= 0 || hs <= 0) return;
    attention_job j = {B, T, NH, hs, S, causal, q, k, v, NULL, NULL, NULL, out, lse, NULL, NULL, NULL,
                       rows_for_isa(), cdz_isa_active(), 0};
    plain_share(&j, 0, 1);
}

void cdz_attention_backward_ref(long B, long T, long NH, long hs, const float *q,
                                const float *k, const float *v, long S, bool causal,
                                const float *out, const float *lse, const float *dout, float *dq,
                                float *dk, float *dv) {
    if (B <= 0 || T <= 0 || NH <= 0 || hs <= 0) return;
    attention_job j = {B, T, NH, hs, S, causal, q, k, v, out, lse, dout, NULL, NULL, dq, dk, dv,
                       rows_for_isa(), cdz_isa_active(), 0};
    plain_share(&j, 0, 1);
}

// MARK: one query against a cache (generation)

float cdz_softmax(float *x, long n) {
    if (n <= 0) return -__builtin_inff();
    float sum;
    const float max = rows_for_isa()->exp_row(x, n, &sum);
    const float inverse = 1.0f / sum;
    for (long i = 0; i < n; i++) x[i] *= inverse;
    return max + __builtin_logf(sum);
}

typedef struct {
    long T, NH, hs, S;
    int head_major; // the cache of cdz_attention_decode_heads[_f16], `context` positions; S unused
    long context;
    const float *q, *k, *v;
    const uint16_t *kh, *vh; // non-null: that cache in fp16 (k and v unused)
    float *out, *scores; // scores: the caller's T floats, for share 0
    float *extra;        // T floats for each further share
    cdz_isa isa;
} decode_job;

static void decode_share(void *ctx, int tid, int nt) {
    const decode_job *j = ctx;
    if (tid > 0) cdz_set_isa(j->isa);
    float *scores = tid == 0 ? j->scores : j->extra + (tid - 1) * j->T;
    const float scale = 1.0f / __builtin_sqrtf((float)j->hs);
    for (long h = j->NH * tid / nt; h < j->NH * (tid + 1) / nt; h++) {
        // scores (T) = scale · K_h · q_h;  out_h (hs) = V_hᵀ · softmax(scores)
        const float *qh = j->q + h * j->hs;
        if (j->kh) {
            cdz_hgemv_t(j->hs, j->T, scale, j->kh + h * j->hs * j->context, j->context, qh, scores);
            cdz_softmax(scores, j->T);
            cdz_hgemv_t(j->T, j->hs, 1.0f, j->vh + h * j->context * j->hs, j->hs, scores, j->out + h * j->hs);
            continue;
        }
        if (j->head_major) { // K_hᵀ is hs rows of `context`; V_h is T rows of hs
            cdz_sgemv(true, j->hs, j->T, scale, j->k + h * j->hs * j->context, j->context, qh, 0.0f, scores, 1);
            cdz_softmax(scores, j->T);
            cdz_sgemv(true, j->T, j->hs, 1.0f, j->v + h * j->context * j->hs, j->hs, scores, 0.0f, j->out + h * j->hs, 1);
            continue;
        }
        cdz_sgemv(false, j->T, j->hs, scale, j->k + h * j->hs, j->S, qh, 0.0f, scores, 1);
        cdz_softmax(scores, j->T);
        cdz_sgemv(true, j->T, j->hs, 1.0f, j->v + h * j->hs, j->S, scores, 0.0f, j->out + h * j->hs, 1);
    }
}

static void fill_nan(float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = __builtin_nanf("");
}

static void decode(decode_job j, int threads) {
    if (j.T <= 0 || j.NH <= 0 || j.hs <= 0) return;
    if (j.head_major && j.T > j.context) { // a cache shorter than T: a caller error
        fill_nan(j.out, j.NH * j.hs);
        return;
    }
    // The cache streams 2·T·NH·hs values; estimated like cdz_sgemv, by bytes at ~4 GB/s.
    const double bytes = 2.0 * (double)j.T * (double)(j.NH * j.hs) * (j.kh ? 2 : 4);
    int nt = (int)CDZ_MIN((long)cdz_pick_threads(threads, bytes / 4), j.NH);
    j.extra = nt > 1 ? cdz_workspace(3, sizeof(float) * (size_t)j.T * (size_t)(nt - 1)) : NULL;
    if (!j.extra) nt = 1; // out of memory for the other shares' scores: one thread
    j.isa = cdz_isa_active();
    cdz_parallel(nt, decode_share, &j);
}

void cdz_attention_decode(long T, long NH, long hs, const float *q, const float *k,
                          const float *v, long S, float *out, float *scores, int threads) {
    decode((decode_job){.T = T, .NH = NH, .hs = hs, .S = S, .q = q, .k = k, .v = v, .out = out, .scores = scores}, threads);
}

void cdz_attention_decode_heads(long T, long NH, long hs, const float *q, const float *kt,
                                const float *v, long context, float *out, float *scores,
                                int threads) {
    decode((decode_job){.T = T, .NH = NH, .hs = hs, .head_major = 1, .context = context, .q = q, .k = kt, .v = v, .out = out, .scores = scores},
           threads);
}

void cdz_attention_decode_heads_f16(long T, long NH, long hs, const float *q,
                                    const uint16_t *kt, const uint16_t *v, long context,
                                    float *out, float *scores, int threads) {
    decode((decode_job){.T = T, .NH = NH, .hs = hs, .head_major = 1, .context = context, .q = q, .kh = kt, .vh = v, .out = out, .scores = scores},
           threads);
}
