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
// Partial edge tiles are computed into a small local tile and copied. One exception: when C
// is at most two micro-panels wide, each packed A panel would serve one or two kernel calls,
// so whole MR-row panels of op(A) are read where they lie (use_unpacked_a).
//
// Threads split C into row bands (or column bands when N > M), each thread running the
// serial loops on its band with its own packing buffers. Each element is then computed by
// the same sequence of operations whatever the thread count: results are bit-identical.
// The price is that each thread packs the shared operand itself (B for row bands), which
// costs K·N copies per thread against M·N·K/threads multiply-adds.
#include <stdlib.h>
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

/// The loops inside one (jc, pc) block: C[0 ..< M, jr0 ..< jr1] (+)= alpha·op(A)[:, pc ..< pc+kc]
/// · Bp, where Bp is the packed block whose first panel holds column 0 of C as passed.
/// jr0 is a multiple of NR. `b` is the beta in force for this pc block. With `ua`, whole
/// MR-row panels of op(A) are read in place (im->kernel_ua) and only a last partial panel is
/// packed (at Ap), so that the kernel never reads past op(A)'s rows.
static void block_product(const cdz_gemm_impl *im, int tA, int ua, long M, long jr0, long jr1,
                          long pc, long kc, float alpha, const float *A, long lda,
                          const char *Bp, float b, float *C, long ldc, char *Ap, float *tile) {
    const int MR = im->MR, NR = im->NR;
    const long kcp = (kc + im->kpack - 1) / im->kpack * im->kpack;
    const long rs = tA ? 1 : lda, cs = tA ? lda : 1; // op(A)[i, k] = A[i·rs + k·cs]
    for (long ic = 0; ic < M; ic += im->MC) {
        const long mc = CDZ_MIN((long)im->MC, M - ic);
        const long inplace = ua ? mc / MR * MR : 0; // rows read where they lie
        if (inplace < mc)
            im->pack_a(tA, A, lda, ic + inplace, pc, mc - inplace, kc, Ap);
        for (long jr = jr0; jr < jr1; jr += NR) {
            const int nr = (int)CDZ_MIN((long)NR, jr1 - jr);
            const char *bp = Bp + (size_t)(jr / NR) * kcp * NR * im->esize;
            for (long ir = 0; ir < mc; ir += MR) {
                const int mr = (int)CDZ_MIN((long)MR, mc - ir);
                float *c = C + (ic + ir) * ldc + jr;
                if (ir < inplace) {
                    const float *a = A + (ic + ir) * rs + pc * cs;
                    if (nr == NR) {
                        im->kernel_ua(kc, a, rs, cs, bp, c, ldc, alpha, b);
                        continue;
                    }
                    im->kernel_ua(kc, a, rs, cs, bp, tile, NR, 1.0f, 0.0f);
                } else {
                    const char *ap = Ap + (size_t)((ir - inplace) / MR) * kcp * MR * im->esize;
                    if (mr == MR && nr == NR) {
                        im->kernel(kcp, ap, bp, c, ldc, alpha, b);
                        continue;
                    }
                    im->kernel(kcp, ap, bp, tile, NR, 1.0f, 0.0f);
                }
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

/// Whether to read op(A) in place for a product whose C block is `n` columns wide. A packed
/// A panel is used once per NR columns; with one or two uses packing costs more than the
/// strided reads it saves. Measured on Zen 3 (Scripts/kernels/bench/bench_gemm, one
/// thread): attention's per-head products with N = 32 gain 5–15% (64×32×512, 512×32×64 with
/// Aᵀ); at N = 64 it is even within noise, and large products lose up to half their speed
/// (2048×512×511 with Aᵀ: the strided rows leave L1 on every k).
enum { UA_MAX_PANELS = 2 };
static int use_unpacked_a(const cdz_gemm_impl *im, long n) {
    return im->kernel_ua && n <= (long)UA_MAX_PANELS * im->NR;
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
            im->pack_b(tB, B, ldb, pc, jc, kc, nc, Bp);
            block_product(im, tA, use_unpacked_a(im, nc), M, 0, nc, pc, kc, alpha, A, lda, Bp,
                          pc == 0 ? beta : 1.0f, C + jc, ldc, Ap, tile);
        }
    }
    return 1;
}

// MARK: op(B) packed once

struct cdz_packed_b {
    const cdz_gemm_impl *im;
    long K, N;
    const float *B; // the source, for the paths that cannot use the packed copy
    long ldb;
    int tB;
    long kblocks, nblocks;
    char *data; // blocks in (jc, pc) order, each as pack_b writes it
    size_t *offset; // nblocks × kblocks byte offsets into data
};

cdz_packed_b *cdz_gemm_pack_b(const cdz_gemm_impl *im, int tB, long K, long N, const float *B,
                              long ldb) {
    if (K <= 0 || N <= 0) return NULL;
    cdz_packed_b *P = calloc(1, sizeof *P);
    if (!P) return NULL;
    P->im = im, P->K = K, P->N = N, P->B = B, P->ldb = ldb, P->tB = tB;
    P->kblocks = (K + im->KC - 1) / im->KC;
    P->nblocks = (N + im->NC - 1) / im->NC;
    P->offset = malloc(sizeof(size_t) * (size_t)(P->kblocks * P->nblocks));
    size_t total = 0;
    if (P->offset)
        for (long jb = 0; jb < P->nblocks; jb++)
            for (long pb = 0; pb < P->kblocks; pb++) {
                const long nc = CDZ_MIN((long)im->NC, N - jb * im->NC);
                const long kc = CDZ_MIN((long)im->KC, K - pb * im->KC);
                const long kcp = (kc + im->kpack - 1) / im->kpack * im->kpack;
                const long ncp = (nc + im->NR - 1) / im->NR * im->NR;
                P->offset[jb * P->kblocks + pb] = total;
                total += (size_t)(kcp * ncp * im->esize + 63) / 64 * 64;
            }
    P->data = P->offset ? aligned_alloc(64, total) : NULL;
    if (!P->data) {
        cdz_sgemm_packed_b_free(P);
        return NULL;
    }
    for (long jb = 0; jb < P->nblocks; jb++)
        for (long pb = 0; pb < P->kblocks; pb++) {
            const long nc = CDZ_MIN((long)im->NC, N - jb * im->NC);
            const long kc = CDZ_MIN((long)im->KC, K - pb * im->KC);
            im->pack_b(tB, B, ldb, pb * im->KC, jb * im->NC, kc, nc,
                       P->data + P->offset[jb * P->kblocks + pb]);
        }
    return P;
}

void cdz_sgemm_packed_b_free(cdz_packed_b *P) {
    if (!P) return;
    free(P->offset);
    free(P->data);
    free(P);
}

const cdz_gemm_impl *cdz_packed_b_impl(const cdz_packed_b *P) { return P->im; }

void cdz_packed_b_source(const cdz_packed_b *P, int *tB, long *K, long *N, const float **B,
                         long *ldb) {
    *tB = P->tB, *K = P->K, *N = P->N, *B = P->B, *ldb = P->ldb;
}

/// C[0 ..< M, j0 ..< j1] from the packed blocks; j0 a multiple of NR.
static int gemm_serial_packed(const cdz_packed_b *P, int tA, long M, long j0, long j1,
                              float alpha, const float *A, long lda, float beta, float *C,
                              long ldc) {
    const cdz_gemm_impl *im = P->im;
    const long kcmax = CDZ_MIN((long)im->KC, (P->K + im->kpack - 1) / im->kpack * im->kpack);
    const long mcmax = CDZ_MIN((long)im->MC, (M + im->MR - 1) / im->MR * im->MR);
    char *Ap = cdz_workspace(0, (size_t)(mcmax * kcmax * im->esize));
    if (!Ap) return 0;
    float tile[32 * 32] __attribute__((aligned(64)));
    for (long jb = j0 / im->NC; jb < P->nblocks && jb * im->NC < j1; jb++) {
        const long jc = jb * im->NC, nc = CDZ_MIN((long)im->NC, P->N - jc);
        const long lo = CDZ_MAX(j0, jc) - jc, hi = CDZ_MIN(j1, jc + nc) - jc;
        for (long pb = 0; pb < P->kblocks; pb++) {
            const long pc = pb * im->KC, kc = CDZ_MIN((long)im->KC, P->K - pc);
            block_product(im, tA, 0, M, lo, hi, pc, kc, alpha, A, lda,
                          P->data + P->offset[jb * P->kblocks + pb], pc == 0 ? beta : 1.0f,
                          C + jc, ldc, Ap, tile);
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
    const cdz_packed_b *packed; // op(B) packed once (then B is unused), or NULL
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
    if (j->packed) {
        // Row bands read every column; column bands start on a multiple of NR (unit).
        const long j0 = j->split_rows ? 0 : lo, j1 = j->split_rows ? j->N : hi;
        float *Cb = j->split_rows ? C : j->C;
        // Out of memory for packing A: the plain loop on the source of the packed B.
        if (!gemm_serial_packed(j->packed, j->tA, M, j0, j1, j->alpha, A, j->lda, j->beta, Cb, j->ldc))
            cdz_sgemm_ref(j->tA, j->tB, M, j1 - j0, j->K, j->alpha, A, j->lda,
                          j->tB ? j->B + j0 * j->ldb : j->B + j0, j->ldb, j->beta, Cb + j0, j->ldc);
        return;
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
    gemm_job j = {im, tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, M >= N, NULL};
    // Work estimate in ns at ~40 multiply-adds per ns (≈ 80 GFLOP/s).
    const int nt = cdz_pick_threads(threads, (double)M * N * K / 40.0);
    cdz_parallel(nt, gemm_share, &j);
}

void cdz_gemm_run_packed(const cdz_packed_b *P, int transA, long M, float alpha, const float *A,
                         long lda, float beta, float *C, long ldc, int threads) {
    const long N = P->N, K = P->K;
    if (M <= 0) return;
    if (alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    gemm_job j = {P->im, transA, P->tB, M, N, K, alpha, A, lda, P->B, P->ldb, beta, C, ldc, M >= N, P};
    const int nt = cdz_pick_threads(threads, (double)M * N * K / 40.0);
    cdz_parallel(nt, gemm_share, &j);
}
