// No include guard: a template, included once per path with different parameters.
// fp32 GEMV template, instantiated once per path by gemv.c with:
//   GV_N (name of the A·x kernel), GV_T (name of the Aᵀ·x kernel), GV_TARGET,
//   GV_VEC (vector type), GV_VW (its lanes), GV_FMA(a, b, c) = a·b + c.
// Both compute a band of y so that threads can split the output.

/// y[i] = alpha·Σ_k A[i,k]·x[k] + beta·y[i] for rows i in r0 ..< r1; A is ·×N.
/// Four rows at a time share each load of x; two accumulators per row hide FMA latency.
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

/// y[j] = alpha·Σ_i A[i,j]·x[i] + beta·y[j] for columns j in c0 ..< c1; A is M×·.
/// A block of 8 vectors of columns stays in registers while the rows stream past, so A is
/// read once, row by row, in order (what the prefetchers like best).
GV_TARGET static void GV_T(long c0, long c1, long M, float alpha, const float *A, long lda,
                           const float *x, float beta, float *y) {
    enum { W = GV_VW, V = 8 };
    long j = c0;
    for (; j + V * W <= c1; j += V * W) {
        GV_VEC acc[V];
        for (int v = 0; v < V; v++) acc[v] = (GV_VEC){0};
        const float *a = A + j;
        for (long i = 0; i < M; i++, a += lda) {
            const GV_VEC xi = x[i] - (GV_VEC){0};
            for (int v = 0; v < V; v++) acc[v] = GV_FMA(*(const GV_VEC *)(a + v * W), xi, acc[v]);
        }
        for (int v = 0; v < V; v++) {
            GV_VEC *yv = (GV_VEC *)(y + j + v * W);
            *yv = beta == 0.0f ? alpha * acc[v] : alpha * acc[v] + beta * *yv;
        }
    }
    for (; j + W <= c1; j += W) {
        GV_VEC acc = {0};
        const float *a = A + j;
        for (long i = 0; i < M; i++, a += lda) acc = GV_FMA(*(const GV_VEC *)a, x[i] - (GV_VEC){0}, acc);
        GV_VEC *yv = (GV_VEC *)(y + j);
        *yv = beta == 0.0f ? alpha * acc : alpha * acc + beta * *yv;
    }
    for (; j < c1; j++) {
        float s = 0.0f;
        for (long i = 0; i < M; i++) s += A[i * lda + j] * x[i];
        y[j] = beta == 0.0f ? alpha * s : alpha * s + beta * y[j];
    }
}
#undef GV_N
#undef GV_T
#undef GV_TARGET
#undef GV_VEC
#undef GV_VW
#undef GV_FMA
