// No include guard: a template, included once per path with different parameters.
// fp32 GEMV template, instantiated once per path by gemv.c with:
//   GV_N (name of the A·x kernel), GV_T (name of the Aᵀ·x kernel), GV_TH (Aᵀ·x with an fp16
//   A), GV_TARGET, GV_VEC (vector type), GV_VW (its lanes), GV_FMA(a, b, c) = a·b + c,
//   GV_LOADH(p) = GV_VW halves at p as a GV_VEC.
// Both compute a band of y so that threads can split the output.

/// y[i] = alpha·Σ_k A[i,k]·x[k] + beta·y[i] for rows i in r0 ..< r1; A is ·×N.
/// Four rows at a time share each load of x; two accumulators per row hide FMA latency;
/// the rows' lines CDZ_STREAM_AHEAD bytes on are prefetched (see internal.h).
GV_TARGET static void GV_N(long r0, long r1, long N, float alpha, const float *A, long lda,
                           const float *x, float beta, float *y) {
    enum { W = GV_VW, R = 4 };
    long i = r0;
    for (; i + R <= r1; i += R) {
        const float *a[R];
        for (int r = 0; r < R; r++) a[r] = A + (i + r) * lda;
        GV_VEC acc[R][2];
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = (GV_VEC){0};
        long k = 0;
        for (; k + 2 * W <= N; k += 2 * W) {
            const GV_VEC x0 = *(const GV_VEC *)(x + k), x1 = *(const GV_VEC *)(x + k + W);
            for (int r = 0; r < R; r++) // a step reads 2·W floats of a row: 32–128 bytes
                for (long b = 0; b < 8 * W; b += 64) cdz_prefetch_ahead(a[r] + k + b / 4, CDZ_STREAM_AHEAD);
            for (int r = 0; r < R; r++) {
                acc[r][0] = GV_FMA(*(const GV_VEC *)(a[r] + k), x0, acc[r][0]);
                acc[r][1] = GV_FMA(*(const GV_VEC *)(a[r] + k + W), x1, acc[r][1]);
            }
        }
        for (int r = 0; r < R; r++) {
            const GV_VEC v = acc[r][0] + acc[r][1];
            float s = 0.0f;
            for (int l = 0; l < W; l++) s += v[l];
            for (long kk = k; kk < N; kk++) s += a[r][kk] * x[kk];
            y[i + r] = beta == 0.0f ? alpha * s : alpha * s + beta * y[i + r];
        }
    }
    for (; i < r1; i++) {
        const float *a = A + i * lda;
        GV_VEC acc0 = {0}, acc1 = {0};
        long k = 0;
        for (; k + 2 * W <= N; k += 2 * W) {
            acc0 = GV_FMA(*(const GV_VEC *)(a + k), *(const GV_VEC *)(x + k), acc0);
            acc1 = GV_FMA(*(const GV_VEC *)(a + k + W), *(const GV_VEC *)(x + k + W), acc1);
        }
        const GV_VEC v = acc0 + acc1;
        float s = 0.0f;
        for (int l = 0; l < W; l++) s += v[l];
        for (; k < N; k++) s += a[k] * x[k];
        y[i] = beta == 0.0f ? alpha * s : alpha * s + beta * y[i];
    }
}

#define GV_CAT_(a, b) a##b
#define GV_CAT(a, b) GV_CAT_(a, b)
#define GV_T_BLOCK GV_CAT(GV_T, _block)
#define GV_T_ANY GV_CAT(GV_T, _any)
/// W elements of A (fp32, or fp16 widened in registers) from element `at` on.
#define GV_T_LOAD(half, A, at)                                                              \
    ((half) ? GV_LOADH((const uint16_t *)(A) + (at)) : *(const GV_VEC *)((const float *)(A) + (at)))

/// Columns j ..< j + NV·W of Aᵀ·x: NV vectors (a constant after inlining) stay in registers
/// while the rows stream past, so A is read once, row by row, in order (what the prefetchers
/// like best), and NV independent FMA chains hide the FMA latency. `half`, also a constant:
/// A holds fp16.
static inline __attribute__((always_inline)) GV_TARGET void
GV_T_BLOCK(const int half, const int NV, long j, long M, float alpha, const void *A, long lda,
           const float *x, float beta, float *y) {
    enum { W = GV_VW };
    GV_VEC acc[8];
    for (int v = 0; v < NV; v++) acc[v] = (GV_VEC){0};
    for (long i = 0; i < M; i++) {
        const GV_VEC xi = x[i] - (GV_VEC){0};
        for (int v = 0; v < NV; v++) acc[v] = GV_FMA(GV_T_LOAD(half, A, i * lda + j + v * W), xi, acc[v]);
    }
    for (int v = 0; v < NV; v++) {
        GV_VEC *yv = (GV_VEC *)(y + j + v * W);
        *yv = beta == 0.0f ? alpha * acc[v] : alpha * acc[v] + beta * *yv;
    }
}

/// y[j] = alpha·Σ_i A[i,j]·x[i] + beta·y[j] for columns j in c0 ..< c1; A is M×·, fp32 or
/// (half) fp16. Blocks of 8 vectors, then one block of the 1–7 vectors left (a head of 32
/// columns in generation's attention is 4 AVX2 vectors: four chains, not one chain four
/// times), then the last columns as one vector. Every column is one FMA chain over the rows
/// in order, wherever it falls, so a thread split of the columns cannot change a result.
static inline __attribute__((always_inline)) GV_TARGET void
GV_T_ANY(const int half, long c0, long c1, long M, float alpha, const void *A, long lda,
         const float *x, float beta, float *y) {
    enum { W = GV_VW, V = 8 };
    long j = c0;
    for (; j + V * W <= c1; j += V * W) GV_T_BLOCK(half, V, j, M, alpha, A, lda, x, beta, y);
    switch ((c1 - j) / W) {
    case 7: GV_T_BLOCK(half, 7, j, M, alpha, A, lda, x, beta, y); break;
    case 6: GV_T_BLOCK(half, 6, j, M, alpha, A, lda, x, beta, y); break;
    case 5: GV_T_BLOCK(half, 5, j, M, alpha, A, lda, x, beta, y); break;
    case 4: GV_T_BLOCK(half, 4, j, M, alpha, A, lda, x, beta, y); break;
    case 3: GV_T_BLOCK(half, 3, j, M, alpha, A, lda, x, beta, y); break;
    case 2: GV_T_BLOCK(half, 2, j, M, alpha, A, lda, x, beta, y); break;
    case 1: GV_T_BLOCK(half, 1, j, M, alpha, A, lda, x, beta, y); break;
    default: break;
    }
    j += (c1 - j) / W * W;
    if (j < c1) { // the last 1 ..< W columns: one vector over a zero-padded copy of each row
        const long n = c1 - j;
        const size_t bytes = (size_t)n * (half ? sizeof(uint16_t) : sizeof(float));
        float pad_f[W] = {0};
        uint16_t pad_h[W] = {0};
        GV_VEC acc = {0};
        for (long i = 0; i < M; i++) {
            const char *row = (const char *)A + (size_t)(i * lda + j) * (half ? sizeof(uint16_t) : sizeof(float));
            __builtin_memcpy(half ? (void *)pad_h : (void *)pad_f, row, bytes);
            acc = GV_FMA(half ? GV_LOADH(pad_h) : *(const GV_VEC *)pad_f, x[i] - (GV_VEC){0}, acc);
        }
        for (long l = 0; l < n; l++) y[j + l] = beta == 0.0f ? alpha * acc[l] : alpha * acc[l] + beta * y[j + l];
    }
}

GV_TARGET static void GV_T(long c0, long c1, long M, float alpha, const float *A, long lda,
                           const float *x, float beta, float *y) {
    GV_T_ANY(0, c0, c1, M, alpha, A, lda, x, beta, y);
}

/// y[j] = alpha·Σ_i A[i,j]·x[i] for j < N, A in fp16.
GV_TARGET static void GV_TH(long N, long M, float alpha, const uint16_t *A, long lda,
                            const float *x, float *y) {
    GV_T_ANY(1, 0, N, M, alpha, A, lda, x, 0.0f, y);
}
#undef GV_T_LOAD
#undef GV_T_ANY
#undef GV_T_BLOCK
#undef GV_CAT
#undef GV_CAT_
#undef GV_N
#undef GV_T
#undef GV_TH
#undef GV_LOADH
#undef GV_TARGET
#undef GV_VEC
#undef GV_VW
#undef GV_FMA
