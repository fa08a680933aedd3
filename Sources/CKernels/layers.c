// The training layers' elementwise and row kernels: LayerNorm, GELU, residual add, bias
// gradient, softmax cross-entropy (see CKernels.h for each contract).
//
// Threads take contiguous ranges of rows or elements, so the per-row results do not depend on
// the thread count. Sums across rows (dw, db of LayerNorm; bias gradients) would: they go
// through fixed blocks instead, whose number depends only on N. Each block sums its rows from
// zero into a scratch row, and the caller adds the blocks in order once every thread is done.
#include <stdlib.h>
#include "internal.h"

typedef struct {
    void (*gelu_forward)(const float *x, float *out, long n);
    void (*gelu_backward)(const float *x, const float *dout, float *dx, long n);
    void (*add)(const float *a, const float *b, float *out, long n);
    void (*accumulate)(float *sum, const float *x, long n);
    void (*layernorm_row)(const float *x, const float *w, const float *b, long C, float eps,
                          float *out, float *mean, float *rstd);
    void (*layernorm_backward_row)(const float *dout, const float *x, const float *w, float m,
                                   float s, long C, float *dx, float *dw, float *db);
    float (*cross_entropy_row)(const float *z, long V, long target, float scale, float *d);
} layer_rows;

#define LY_SUFFIX portable
#define LY_TARGET
#include "layers_template.h"

#if CDZ_X86
#define LY_SUFFIX avx2
#define LY_TARGET CDZ_TARGET_AVX2
#include "layers_template.h"

#define LY_SUFFIX avx512
#define LY_TARGET CDZ_TARGET_AVX512
#include "layers_template.h"
#endif

static const layer_rows *rows_for_isa(void) {
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: return &rows_avx512;
    case CDZ_ISA_AVX2: return &rows_avx2;
    default: break;
    }
#endif
    return &rows_portable;
}

/// Rows per reduction block: at most 64 blocks, so the final pass over them stays small.
enum { MAX_BLOCKS = 64 };

typedef struct {
    const layer_rows *rows;
    long N, C;           // rows × channels (elementwise kernels: N elements, C = 1)
    long block, nblocks; // reduction blocks of `block` rows
    const float *x, *w, *b, *dout, *mean_in, *rstd_in, *a2;
    float *out, *mean, *rstd, *dx, *partial; // partial: nblocks × 2C (dw then db) or × C
    float eps, scale;
    const int32_t *targets;
    int32_t ignored;
    float *loss;
} layer_job;

/// [begin, end) of `count` items for share tid of nt; edges on multiples of 16 items.
static void share_range(long count, int tid, int nt, long *begin, long *end) {
    const long chunk = ((count + nt - 1) / nt + 15) / 16 * 16;
    *begin = CDZ_MIN(count, chunk * tid);
    *end = CDZ_MIN(count, *begin + chunk);
}

// MARK: LayerNorm

static void layernorm_forward_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    long r0, r1;
    share_range(j->N, tid, nt, &r0, &r1);
    for (long r = r0; r < r1; r++)
        j->rows->layernorm_row(j->x + r * j->C, j->w, j->b, j->C, j->eps, j->out + r * j->C,
                               j->mean + r, j->rstd + r);
}

void cdz_layernorm_forward(long N, long C, const float *x, const float *w, const float *b,
                           float eps, float *out, float *mean, float *rstd, int threads) {
    if (N <= 0 || C <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = N, .C = C, .x = x, .w = w, .b = b, .eps = eps,
                   .out = out, .mean = mean, .rstd = rstd};
    cdz_parallel(cdz_pick_threads(threads, 0.4 * (double)N * C), layernorm_forward_share, &j);
}

static long blocks_for(long N, long *block) {
    *block = (N + MAX_BLOCKS - 1) / MAX_BLOCKS;
    return (N + *block - 1) / *block;
}

static void layernorm_backward_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    // Whole blocks per thread (block edges need not be multiples of 16 here).
    const long k0 = j->nblocks * tid / nt, k1 = j->nblocks * (tid + 1) / nt, C = j->C;
    for (long k = k0; k < k1; k++) {
        float *dw = j->partial + k * 2 * C, *db = dw + C;
        for (long c = 0; c < 2 * C; c++) dw[c] = 0.0f;
        const long r1 = CDZ_MIN(j->N, (k + 1) * j->block);
        for (long r = k * j->block; r < r1; r++)
            j->rows->layernorm_backward_row(j->dout + r * C, j->x + r * C, j->w, j->mean_in[r],
                                            j->rstd_in[r], C, j->dx + r * C, dw, db);
    }
}

void cdz_layernorm_backward(long N, long C, const float *dout, const float *x, const float *w,
                            const float *mean, const float *rstd, float *dx, float *dw,
                            float *db, int threads) {
    if (N <= 0 || C <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = N, .C = C, .dout = dout, .x = x, .w = w,
                   .mean_in = mean, .rstd_in = rstd, .dx = dx};
    j.nblocks = blocks_for(N, &j.block);
    j.partial = cdz_workspace(2, (size_t)j.nblocks * 2 * C * sizeof(float));
    if (!j.partial) { // out of memory for the block sums: one row at a time, straight into dw, db
        for (long r = 0; r < N; r++)
            j.rows->layernorm_backward_row(dout + r * C, x + r * C, w, mean[r], rstd[r], C,
                                           dx + r * C, dw, db);
        return;
    }
    const int nt = (int)CDZ_MIN((long)cdz_pick_threads(threads, 0.8 * (double)N * C), j.nblocks);
    cdz_parallel(nt, layernorm_backward_share, &j);
    for (long k = 0; k < j.nblocks; k++) {
        j.rows->accumulate(dw, j.partial + k * 2 * C, C);
        j.rows->accumulate(db, j.partial + k * 2 * C + C, C);
    }
}

// MARK: Elementwise

static void gelu_forward_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    long i0, i1;
    share_range(j->N, tid, nt, &i0, &i1);
    j->rows->gelu_forward(j->x + i0, j->out + i0, i1 - i0);
}

void cdz_gelu_forward(long n, const float *x, float *out, int threads) {
    if (n <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = n, .x = x, .out = out};
    cdz_parallel(cdz_pick_threads(threads, 1.0 * (double)n), gelu_forward_share, &j);
}

static void gelu_backward_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    long i0, i1;
    share_range(j->N, tid, nt, &i0, &i1);
    j->rows->gelu_backward(j->x + i0, j->dout + i0, j->dx + i0, i1 - i0);
}

void cdz_gelu_backward(long n, const float *x, const float *dout, float *dx, int threads) {
    if (n <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = n, .x = x, .dout = dout, .dx = dx};
    cdz_parallel(cdz_pick_threads(threads, 1.2 * (double)n), gelu_backward_share, &j);
}

static void add_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    long i0, i1;
    share_range(j->N, tid, nt, &i0, &i1);
    j->rows->add(j->x + i0, j->a2 + i0, j->out + i0, i1 - i0);
}

void cdz_add(long n, const float *a, const float *b, float *out, int threads) {
    if (n <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = n, .x = a, .a2 = b, .out = out};
    cdz_parallel(cdz_pick_threads(threads, 0.25 * (double)n), add_share, &j);
}

static void sum_rows_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    const long k0 = j->nblocks * tid / nt, k1 = j->nblocks * (tid + 1) / nt, C = j->C;
    for (long k = k0; k < k1; k++) {
        float *sum = j->partial + k * C;
        for (long c = 0; c < C; c++) sum[c] = 0.0f;
        const long r1 = CDZ_MIN(j->N, (k + 1) * j->block);
        for (long r = k * j->block; r < r1; r++) j->rows->accumulate(sum, j->x + r * C, C);
    }
}

void cdz_sum_rows(long N, long C, const float *x, float *sum, int threads) {
    if (N <= 0 || C <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = N, .C = C, .x = x};
    j.nblocks = blocks_for(N, &j.block);
    j.partial = cdz_workspace(2, (size_t)j.nblocks * C * sizeof(float));
    if (!j.partial) { // out of memory for the block sums: row by row, straight into sum
        for (long r = 0; r < N; r++) j.rows->accumulate(sum, x + r * C, C);
        return;
    }
    const int nt = (int)CDZ_MIN((long)cdz_pick_threads(threads, 0.2 * (double)N * C), j.nblocks);
    cdz_parallel(nt, sum_rows_share, &j);
    for (long k = 0; k < j.nblocks; k++) j.rows->accumulate(sum, j.partial + k * C, C);
}

// MARK: Cross-entropy

static void cross_entropy_share(void *ctx, int tid, int nt) {
    const layer_job *j = ctx;
    long r0, r1;
    share_range(j->N, tid, nt, &r0, &r1);
    const long V = j->C;
    for (long r = r0; r < r1; r++) {
        float *d = j->dx ? j->dx + r * V : NULL;
        if (j->targets[r] == j->ignored) {
            j->loss[r] = 0.0f;
            if (d)
                for (long v = 0; v < V; v++) d[v] = 0.0f;
            continue;
        }
        j->loss[r] = j->rows->cross_entropy_row(j->x + r * V, V, j->targets[r], j->scale, d);
    }
}

void cdz_cross_entropy(long N, long V, const float *logits, const int32_t *targets,
                       int32_t ignored, float scale, float *loss, float *dlogits, int threads) {
    if (N <= 0 || V <= 0) return;
    layer_job j = {.rows = rows_for_isa(), .N = N, .C = V, .x = logits, .targets = targets,
                   .ignored = ignored, .scale = scale, .loss = loss, .dx = dlogits};
    cdz_parallel(cdz_pick_threads(threads, 1.0 * (double)N * V), cross_entropy_share, &j);
}
