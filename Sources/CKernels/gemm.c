// The GEMM driver shared by every path (fp32 portable / AVX2 / AVX-512, bf16): BLIS loops.
//
//   for jc in N step NC:                 op(B) block  KC×NC → packed, lives in L3
//     for pc in K step KC:
//       pack op(B)[pc:, jc:]
//       for ic in M step MC:             op(A) block  MC×KC → packed, lives in L2
//         pack op(A)[ic:, pc:]
//         for jr in NC step NR:          B micro-panel KC×NR stays in L1 ...
//           for ir in MC step MR:        ... while the A micro-panels stream past it
//             microkernel: C[MR×NR] = alpha·Ap·Bp + (pc == 0 ? beta : 1)·C
//
// Packing makes every operand contiguous and zero-padded to MR / NR, so transposes,
// strides and odd sizes cost only in the packers; the microkernel sees one format.
// Partial edge tiles are computed into a small local tile and copied.
//
// Threads split C into row bands (or column bands when N > M), each thread running the
// serial loops on its band with its own packing buffers. Each element is then computed by
// the same sequence of operations whatever the thread count: results are bit-identical.
// The price is that each thread packs the shared operand itself (B for row bands), which
// costs K·N copies per thread against M·N·K/threads multiply-adds.
#include <string.h>
#include "internal.h"

static void scale_c(long M, long N, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (beta == 0.0f) memset(c, 0, (size_t)N * sizeof(float));
        else if (beta != 1.0f)
            for (long j = 0; j < N; j++) c[j] *= beta;
    }
}

static int gemm_serial(const cdz_gemm_impl *im, int tA, int tB, long M, long N, long K,
                       float alpha, const float *A, long lda, const float *B, long ldb,
                       float beta, float *C, long ldc) {
    const int MR = im->MR, NR = im->NR;
    const long kcmax = CDZ_MIN((long)im->KC, (K + im->kpack - 1) / im->kpack * im->kpack);
    const long mcmax = CDZ_MIN((long)im->MC, (M + MR - 1) / MR * MR);
    const long ncmax = CDZ_MIN((long)im->NC, (N + NR - 1) / NR * NR);
    char *Ap = cdz_workspace(0, (size_t)(mcmax * kcmax * im->esize));
    char *Bp = cdz_workspace(1, (size_t)(kcmax * ncmax * im->esize));
    if (!Ap || !Bp) return 0;
    float tile[32 * 32] __attribute__((aligned(64))); // MR×NR ≤ 32×32 for every impl

    for (long jc = 0; jc < N; jc += im->NC) {
        const long nc = CDZ_MIN((long)im->NC, N - jc);
        for (long pc = 0; pc < K; pc += im->KC) {
            const long kc = CDZ_MIN((long)im->KC, K - pc);
            const long kcp = (kc + im->kpack - 1) / im->kpack * im->kpack;
            const float b = pc == 0 ? beta : 1.0f;
            im->pack_b(tB, B, ldb, pc, jc, kc, nc, Bp);
            for (long ic = 0; ic < M; ic += im->MC) {
                const long mc = CDZ_MIN((long)im->MC, M - ic);
                im->pack_a(tA, A, lda, ic, pc, mc, kc, Ap);
                for (long jr = 0; jr < nc; jr += NR) {
                    const int nr = (int)CDZ_MIN((long)NR, nc - jr);
                    const char *bp = Bp + (size_t)(jr / NR) * kcp * NR * im->esize;
                    for (long ir = 0; ir < mc; ir += MR) {
                        const int mr = (int)CDZ_MIN((long)MR, mc - ir);
                        const char *ap = Ap + (size_t)(ir / MR) * kcp * MR * im->esize;
                        float *c = C + (ic + ir) * ldc + jc + jr;
                        if (mr == MR && nr == NR) {
                            im->kernel(kcp, ap, bp, c, ldc, alpha, b);
                            continue;
                        }
                        im->kernel(kcp, ap, bp, tile, NR, 1.0f, 0.0f);
                        for (int i = 0; i < mr; i++)
                            for (int j = 0; j < nr; j++) {
                                float *cij = c + i * ldc + j;
                                const float t = alpha * tile[i * NR + j];
                                *cij = b == 0.0f ? t : t + b * *cij;
                            }
                    }
                }
            }
        }
    }
    return 1;
}

typedef struct {
    const cdz_gemm_impl *im;
    int tA, tB;
    long M, N, K;
    float alpha;
    const float *A;
    long lda;
    const float *B;
    long ldb;
    float beta;
    float *C;
    long ldc;
    int split_rows;
} gemm_job;

static void gemm_share(void *ctx, int tid, int nt) {
    const gemm_job *j = ctx;
    const long total = j->split_rows ? j->M : j->N;
    const long unit = j->split_rows ? j->im->MR : j->im->NR;
    const long units = (total + unit - 1) / unit;
    const long u0 = units * tid / nt, u1 = units * (tid + 1) / nt;
    const long lo = u0 * unit, hi = CDZ_MIN(u1 * unit, total);
    if (lo >= hi) return;
    long M = j->M, N = j->N;
    const float *A = j->A, *B = j->B;
    float *C = j->C;
    if (j->split_rows) {
        M = hi - lo;
        A += j->tA ? lo : lo * j->lda;
        C += lo * j->ldc;
    } else {
        N = hi - lo;
        B += j->tB ? lo * j->ldb : lo;
        C += lo;
    }
    // Out of memory for the packing buffers (detected before C is touched): plain loop.
    if (!gemm_serial(j->im, j->tA, j->tB, M, N, j->K, j->alpha, A, j->lda, B, j->ldb, j->beta,
                     C, j->ldc))
        cdz_sgemm_ref(j->tA, j->tB, M, N, j->K, j->alpha, A, j->lda, B, j->ldb, j->beta, C,
                      j->ldc);
}

void cdz_gemm_run(const cdz_gemm_impl *im, int tA, int tB, long M, long N, long K, float alpha,
                  const float *A, long lda, const float *B, long ldb, float beta, float *C,
                  long ldc, int threads) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    gemm_job j = {im, tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, M >= N};
    // Work estimate in ns at ~40 multiply-adds per ns (≈ 80 GFLOP/s).
    const int nt = cdz_pick_threads(threads, (double)M * N * K / 40.0);
    cdz_parallel(nt, gemm_share, &j);
}
