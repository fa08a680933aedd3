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
// Threads work together on each (jc, pc) block (gemm_coop_share): they pack the operand
// every thread reads, the B block when M ≥ N or the A block's rows when M < N, once, half
// each, into one shared buffer; after a barrier they take row blocks (or column chunks) of
// C from a shared counter, packing their own A (or B) for each, so a thread slowed by the
// shared machine has the last of its blocks taken by the other instead of keeping it waiting;
// a second barrier ends the block. Each element is computed by the same sequence of operations whatever the
// thread count and whoever takes its block: results are bit-identical.
// Products with an op(B) packed once (cdz_packed_b: an LSTM's recurrent weights, M = batch)
// split C into static row or column bands instead.
#include <stdatomic.h>
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

/// The micro-tiles of one A block against packed B panels: C[0 ..< mc, jr0 ..< jr1] (+)=
/// alpha·op(A)[block rows, pc ..< pc+kc]·Bp, where Bp's first panel holds column 0 of C as
/// passed and jr0 is a multiple of NR. The block's first `inplace` rows (whole MR panels)
/// are read where they lie, op(A)[i, k] at a[i·rs + k·cs] (im->kernel_ua); the others come
/// packed at Ap. `b` is the beta in force for this pc block.
static void macro_kernel(const cdz_gemm_impl *im, long mc, long inplace, const float *a, long rs,
                         long cs, const char *Ap, long jr0, long jr1, long kc, const char *Bp,
                         float alpha, float b, float *C, long ldc, float *tile) {
    const int MR = im->MR, NR = im->NR;
    const long kcp = (kc + im->kpack - 1) / im->kpack * im->kpack;
    for (long jr = jr0; jr < jr1; jr += NR) {
        const int nr = (int)CDZ_MIN((long)NR, jr1 - jr);
        const char *bp = Bp + (size_t)(jr / NR) * kcp * NR * im->esize;
        for (long ir = 0; ir < mc; ir += MR) {
            const int mr = (int)CDZ_MIN((long)MR, mc - ir);
            float *c = C + ir * ldc + jr;
            if (ir < inplace) {
                if (nr == NR) {
                    im->kernel_ua(kc, a + ir * rs, rs, cs, bp, c, ldc, alpha, b);
                    continue;
                }
                im->kernel_ua(kc, a + ir * rs, rs, cs, bp, tile, NR, 1.0f, 0.0f);
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

/// The loops inside one (jc, pc) block: C[0 ..< M, jr0 ..< jr1] (+)= alpha·op(A)[:, pc ..< pc+kc]
/// · Bp, A packed block by block at Ap. With `ua`, whole MR-row panels of op(A) are read in
/// place (im->kernel_ua) and only a last partial panel is packed, so that the kernel never
/// reads past op(A)'s rows.
static void block_product(const cdz_gemm_impl *im, int tA, int ua, long M, long jr0, long jr1,
                          long pc, long kc, float alpha, const float *A, long lda,
                          const char *Bp, float b, float *C, long ldc, char *Ap, float *tile) {
    const long rs = tA ? 1 : lda, cs = tA ? lda : 1; // op(A)[i, k] = A[i·rs + k·cs]
    for (long ic = 0; ic < M; ic += im->MC) {
        const long mc = CDZ_MIN((long)im->MC, M - ic);
        const long inplace = ua ? mc / im->MR * im->MR : 0; // rows read where they lie
        if (inplace < mc)
            im->pack_a(tA, A, lda, ic + inplace, pc, mc - inplace, kc, Ap);
        macro_kernel(im, mc, inplace, A + ic * rs + pc * cs, rs, cs, Ap, jr0, jr1, kc, Bp, alpha,
                     b, C + ic * ldc, ldc, tile);
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
static int gemm_serial_packed(const cdz_gemm_impl *im, const cdz_packed_b *P, int tA, long M,
                              long j0, long j1, float alpha, const float *A, long lda,
                              float beta, float *C, long ldc) {
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
    int split_rows;             // rows: bands of rows, or B shared; else columns, or A shared
    const cdz_packed_b *packed; // op(B) packed once (then B is unused), or NULL
    // gemm_coop_share only:
    char *shared; // the shared operand's packed block (the caller's workspace slot 4)
    // Each thread's units left in a (jc, pc) block, front << 32 | back, for consecutive
    // blocks in turn (see take_unit).
    _Atomic uint64_t units[2][CDZ_POOL_MAX];
    _Atomic int failed; // a thread could not get its own packing buffer
    cdz_barrier barrier;
} gemm_job;

/// Static bands: thread tid of nt computes C's tid-th row (or column) band on its own.
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
        if (!gemm_serial_packed(j->im, j->packed, j->tA, M, j0, j1, j->alpha, A, j->lda, j->beta,
                                Cb, j->ldc))
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

/// Rows (a multiple of MR, at most MC) or columns (a multiple of NR) per unit of work: about
/// four units per thread where the size allows, so that the threads can even out by taking
/// each other's last units while each unit stays large against its packing.
static long unit_size(long total, long align, long cap, int nt) {
    long u = (total + 4L * nt - 1) / (4L * nt);
    u = (u + align - 1) / align * align;
    return CDZ_MAX(align, CDZ_MIN(u, cap));
}

/// The next unit for thread tid: its own from the front, else one of another thread's from
/// the back; -1 when none is left. Threads own the same units in every (jc, pc) block, so
/// C's rows (or columns) stay in one core's cache from block to block; a thread slowed by
/// the shared machine loses only its last units to the others.
static long take_unit(_Atomic uint64_t *range, int tid, int nt) {
    for (int i = 0; i < nt; i++) {
        const int t = (tid + i) % nt, own = i == 0;
        uint64_t r = atomic_load_explicit(&range[t], memory_order_relaxed);
        for (;;) {
            const uint64_t front = r >> 32, back = r & 0xffffffffu;
            if (front >= back) break;
            const uint64_t taken = own ? (front + 1) << 32 | back : front << 32 | (back - 1);
            if (atomic_compare_exchange_weak_explicit(&range[t], &r, taken, memory_order_relaxed,
                                                      memory_order_relaxed))
                return (long)(own ? front : back - 1);
        }
    }
    return -1;
}

/// This thread's share [p0, p1) of `panels` packing panels (or units).
static void panel_share(long panels, int tid, int nt, long *p0, long *p1) {
    *p0 = panels * tid / nt, *p1 = panels * (tid + 1) / nt;
}

/// The threads of one product together, block by block (see the header): split_rows shares
/// the packed B block and hands out row units, else it shares the packed rows of A and hands
/// out column chunks.
static void gemm_coop_share(void *ctx, int tid, int nt) {
    gemm_job *j = ctx;
    const cdz_gemm_impl *im = j->im;
    const int MR = im->MR, NR = im->NR, rows = j->split_rows;
    const long M = j->M, N = j->N, K = j->K;
    const long kcmax = CDZ_MIN((long)im->KC, (K + im->kpack - 1) / im->kpack * im->kpack);
    const long mcmax = CDZ_MIN((long)im->MC, (M + MR - 1) / MR * MR);
    const long ncmax = CDZ_MIN((long)im->NC, (N + NR - 1) / NR * NR);
    const long row_unit = unit_size(M, MR, im->MC, nt), col_unit = unit_size(ncmax, NR, ncmax, nt);
    char *own = rows ? cdz_workspace(0, (size_t)(mcmax * kcmax * im->esize))
                     : cdz_workspace(1, (size_t)(kcmax * col_unit * im->esize));
    if (!own) atomic_store(&j->failed, 1);
    int phase = 0;
    cdz_barrier_wait(&j->barrier, nt, &phase);
    if (atomic_load(&j->failed)) { // C is untouched: each thread its own band, plain loop
        const long i0 = M * tid / nt, i1 = M * (tid + 1) / nt;
        if (i0 < i1)
            cdz_sgemm_ref(j->tA, j->tB, i1 - i0, N, K, j->alpha, j->tA ? j->A + i0 : j->A + i0 * j->lda,
                          j->lda, j->B, j->ldb, j->beta, j->C + i0 * j->ldc, j->ldc);
        return;
    }
    float tile[32 * 32] __attribute__((aligned(64))); // MR×NR ≤ 32×32 for every impl
    const long rs = j->tA ? 1 : j->lda;
    long step = 0;
    for (long jc = 0; jc < N; jc += im->NC) {
        const long nc = CDZ_MIN((long)im->NC, N - jc);
        for (long pc = 0; pc < K; pc += im->KC, step++) {
            const long kc = CDZ_MIN((long)im->KC, K - pc);
            const long kcp = (kc + im->kpack - 1) / im->kpack * im->kpack;
            const float b = pc == 0 ? j->beta : 1.0f;
            long p0, p1;
            if (rows) {
                panel_share((nc + NR - 1) / NR, tid, nt, &p0, &p1);
                if (p0 < p1)
                    im->pack_b(j->tB, j->B, j->ldb, pc, jc + p0 * NR, kc, CDZ_MIN(nc, p1 * NR) - p0 * NR,
                               j->shared + (size_t)p0 * kcp * NR * im->esize);
            } else {
                panel_share((M + MR - 1) / MR, tid, nt, &p0, &p1);
                if (p0 < p1)
                    im->pack_a(j->tA, j->A, j->lda, p0 * MR, pc, CDZ_MIN(M, p1 * MR) - p0 * MR, kc,
                               j->shared + (size_t)p0 * kcp * MR * im->esize);
            }
            // This thread's units of this block. Their slot was last used two blocks ago,
            // before a barrier every thread has passed; none is read before the next one.
            const long units = rows ? (M + row_unit - 1) / row_unit : (nc + col_unit - 1) / col_unit;
            _Atomic uint64_t *range = j->units[step & 1];
            long u0, u1, u;
            panel_share(units, tid, nt, &u0, &u1);
            atomic_store_explicit(&range[tid], (uint64_t)u0 << 32 | (uint64_t)u1, memory_order_relaxed);
            cdz_barrier_wait(&j->barrier, nt, &phase); // the shared block is packed
            if (rows) {
                const int ua = use_unpacked_a(im, nc);
                while ((u = take_unit(range, tid, nt)) >= 0) {
                    const long i0 = u * row_unit;
                    block_product(im, j->tA, ua, CDZ_MIN(row_unit, M - i0), 0, nc, pc, kc, j->alpha,
                                  j->A + i0 * rs, j->lda, j->shared, b, j->C + i0 * j->ldc + jc, j->ldc,
                                  own, tile);
                }
            } else {
                while ((u = take_unit(range, tid, nt)) >= 0) {
                    const long j0 = u * col_unit, w = CDZ_MIN(col_unit, nc - j0);
                    im->pack_b(j->tB, j->B, j->ldb, pc, jc + j0, kc, w, own);
                    for (long ic = 0; ic < M; ic += im->MC)
                        macro_kernel(im, CDZ_MIN((long)im->MC, M - ic), 0, NULL, 0, 0,
                                     j->shared + (size_t)(ic / MR) * kcp * MR * im->esize, 0, w, kc,
                                     own, j->alpha, b, j->C + ic * j->ldc + jc + j0, j->ldc, tile);
                }
            }
            cdz_barrier_wait(&j->barrier, nt, &phase); // C done for this pc; the block is free
        }
    }
}

const cdz_gemm_impl *cdz_gemm_rows(const cdz_gemm_impl *im, long M) {
    const cdz_gemm_impl *s = im->short_rows;
    if (!s) return im;
    // Rows computed, padding included. AVX-512 8×32 ran as fast as 12×32 where both fill
    // (bench_gemm M = 24 and 48, N = 2048, K = 512) and gained 27% at M = 16, 10% at 64;
    // the long products were tuned with 12×32, so the short tile must save 5% of the rows.
    const long rows = (M + im->MR - 1) / im->MR * im->MR;
    const long short_rows = (M + s->MR - 1) / s->MR * s->MR;
    return short_rows * 20 < rows * 19 ? s : im;
}

void cdz_gemm_run(const cdz_gemm_impl *im, int tA, int tB, long M, long N, long K, float alpha,
                  const float *A, long lda, const float *B, long ldb, float beta, float *C,
                  long ldc, int threads) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    im = cdz_gemm_rows(im, M);
    gemm_job j = {.im = im, .tA = tA, .tB = tB, .M = M, .N = N, .K = K, .alpha = alpha, .A = A, .lda = lda,
                  .B = B, .ldb = ldb, .beta = beta, .C = C, .ldc = ldc, .split_rows = M >= N};
    // Work estimate in ns at ~40 multiply-adds per ns (≈ 80 GFLOP/s).
    const int nt = cdz_pick_threads(threads, (double)M * N * K / 40.0);
    if (nt > 1) {
        // The shared block: B's kc×nc, or every row of A by kc (up to SHARED_A_MAX rows; taller
        // A with M < N is rare enough to keep the static bands).
        enum { SHARED_A_MAX = 4096 };
        const long kcmax = CDZ_MIN((long)im->KC, (K + im->kpack - 1) / im->kpack * im->kpack);
        const long mp = (M + im->MR - 1) / im->MR * im->MR, np = CDZ_MIN((long)im->NC, (N + im->NR - 1) / im->NR * im->NR);
        if (j.split_rows || mp <= SHARED_A_MAX) {
            j.shared = cdz_workspace(4, (size_t)(kcmax * (j.split_rows ? np : mp) * im->esize));
            if (j.shared) {
                cdz_parallel(nt, gemm_coop_share, &j);
                return;
            }
        }
    }
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
    gemm_job j = {.im = cdz_gemm_rows(P->im, M), .tA = transA, .tB = P->tB, .M = M, .N = N, .K = K, .alpha = alpha, .A = A,
                  .lda = lda, .B = P->B, .ldb = P->ldb, .beta = beta, .C = C, .ldc = ldc,
                  .split_rows = M >= N, .packed = P};
    const int nt = cdz_pick_threads(threads, (double)M * N * K / 40.0);
    cdz_parallel(nt, gemm_share, &j);
}
