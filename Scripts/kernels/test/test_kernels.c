// Compares every fast kernel with its reference loop, on every path this machine (or the
// emulation build) can run: portable, AVX2, AVX-512 (+ bf16 / VNNI). Prints one line per
// failure and ends with "N passed, N failed".
//
// Shapes include 1, odd sizes, sizes across every cache block (KC 256/1024, MC 120/144),
// padded leading dimensions, all four transposes, alpha/beta (accumulation as in backward
// passes) and beta = 0 on a C full of NaN (C must not be read).
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "CKernels.h"

static int passed, failed;
static const char *isa_name[] = {"portable", "avx2", "avx512"};
static cdz_isa cur_isa;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (cond) passed++;                                                                \
        else {                                                                             \
            failed++;                                                                      \
            if (failed <= 40) {                                                            \
                printf("FAIL [%s] ", isa_name[cur_isa]);                                   \
                printf(__VA_ARGS__);                                                       \
                printf("\n");                                                              \
            }                                                                              \
        }                                                                                  \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float frand(void) { // uniform in [-1, 1)
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng >> 40) & 0xffffff) / 8388608.0f - 1.0f;
}
static float *randv(long n) {
    float *v = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (long i = 0; i < n; i++) v[i] = frand();
    return v;
}
static void absv(float *d, const float *s, long n) {
    for (long i = 0; i < n; i++) d[i] = fabsf(s[i]);
}

// MARK: GEMM (fp32 and bf16)

typedef void (*gemm_fn)(bool, bool, long, long, long, float, const float *, long, const float *,
                        long, float, float *, long, int);
typedef void (*gemm_ref_fn)(bool, bool, long, long, long, float, const float *, long,
                            const float *, long, float, float *, long);

/// One GEMM case against `ref`:
/// |C − Cref| ≤ (2⁻²³·(K + 8) + rel) · (|alpha|·|A|·|B| + |beta·C0|) + 1e-30,
/// threads 1 and 2 bit-identical, beta = 0 never reads C.
static void gemm_case(const char *what, gemm_fn fast, gemm_ref_fn ref, double rel, bool tA,
                      bool tB, long M, long N, long K, float alpha, float beta, long pad) {
    // One row or column is a GEMV, which the bf16 entry point runs in fp32 (documented).
    if (fast == cdz_gemm_bf16 && (M == 1 || N == 1)) rel = 1.0 / 128;
    const long rowsA = tA ? K : M, colsA = tA ? M : K;
    const long rowsB = tB ? N : K, colsB = tB ? K : N;
    const long lda = colsA + pad, ldb = colsB + pad, ldc = N + pad;
    float *A = randv(rowsA * lda), *B = randv(rowsB * ldb), *C0 = randv(M * ldc);
    float *C1 = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    float *C2 = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    float *R = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    float *Aa = malloc(sizeof(float) * (size_t)(rowsA * lda + 1));
    float *Ba = malloc(sizeof(float) * (size_t)(rowsB * ldb + 1));
    float *Ra = malloc(sizeof(float) * (size_t)(M * ldc + 1));
    absv(Aa, A, rowsA * lda);
    absv(Ba, B, rowsB * ldb);
    absv(Ra, C0, M * ldc);
    memcpy(R, C0, sizeof(float) * (size_t)(M * ldc));
    ref(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, R, ldc);
    cdz_sgemm_ref(tA, tB, M, N, K, fabsf(alpha), Aa, lda, Ba, ldb, fabsf(beta), Ra, ldc);

    const float nan = NAN;
    for (int t = 1; t <= 2; t++) {
        float *C = t == 1 ? C1 : C2;
        if (beta == 0.0f)
            for (long i = 0; i < M * ldc; i++) C[i] = nan;
        else memcpy(C, C0, sizeof(float) * (size_t)(M * ldc));
        fast(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, t);
    }
    double worst = 0.0;
    long bad = -1, pad_touched = 0;
    for (long i = 0; i < M; i++) {
        for (long j = 0; j < N; j++) {
            const long ij = i * ldc + j;
            const double err = fabs((double)C1[ij] - R[ij]);
            const double tol = (1.2e-7 * (K + 8) + rel) * Ra[ij] + 1e-30;
            if (!(err <= tol) && bad < 0) bad = ij;
            if (tol > 0 && err / tol > worst) worst = err / tol;
        }
        for (long j = N; j < ldc && beta != 0.0f; j++) // padding must stay untouched
            if (C1[i * ldc + j] != C0[i * ldc + j]) pad_touched++;
    }
    CHECK(bad < 0, "%s tA=%d tB=%d M=%ld N=%ld K=%ld alpha=%g beta=%g pad=%ld: C[%ld]=%g ref %g (worst %.2g of tol)",
          what, tA, tB, M, N, K, alpha, beta, pad, bad, bad < 0 ? 0.0 : C1[bad], bad < 0 ? 0.0 : R[bad], worst);
    CHECK(pad_touched == 0, "%s M=%ld N=%ld K=%ld: %ld padding elements of C changed", what, M, N, K, pad_touched);
    bool same = true;
    for (long i = 0; i < M && same; i++) same = memcmp(C1 + i * ldc, C2 + i * ldc, sizeof(float) * (size_t)N) == 0;
    CHECK(same, "%s tA=%d tB=%d M=%ld N=%ld K=%ld: 1 and 2 threads differ", what, tA, tB, M, N, K);
    free(A), free(B), free(C0), free(C1), free(C2), free(R), free(Aa), free(Ba), free(Ra);
}

static void test_gemm(const char *what, gemm_fn fast, gemm_ref_fn ref, double rel) {
    static const long small[] = {1, 2, 3, 5, 7, 12, 16, 17, 33};
    const int ns = sizeof small / sizeof *small;
    // Every transpose on a grid of small shapes (edges of every tile size).
    for (int t = 0; t < 4; t++)
        for (int a = 0; a < ns; a++)
            for (int b = 0; b < ns; b++) {
                const long M = small[a], N = small[b], K = small[(a * 7 + b * 3 + t) % ns];
                gemm_case(what, fast, ref, rel, t & 1, t >> 1, M, N, K, 1.0f, 0.0f, (a + b) % 3);
            }
    // alpha / beta, accumulation, larger and block-crossing shapes.
    static const struct { long M, N, K; } big[] = {
        {255, 257, 129}, {64, 64, 64}, {31, 100, 700}, {400, 40, 390}, {150, 33, 257},
        {3, 4200, 20}, {1, 300, 77}, {300, 1, 77}, {97, 65, 1}, {13, 1000, 385}, {130, 70, 1100},
        // Two threads sharing a packed block over several (jc, pc) blocks: B shared (M ≥ N)
        // with N past one NC block, and A shared (M < N) with N past NC and K past KC.
        {4100, 4090, 4}, {50, 4200, 300}, {40, 4200, 1030},
    };
    static const float ab[][2] = {{1.0f, 0.0f}, {0.5f, 1.0f}, {-1.5f, 0.25f}, {2.0f, -1.0f}};
    for (int s = 0; s < (int)(sizeof big / sizeof *big); s++)
        for (int t = 0; t < 4; t++) {
            const float *x = ab[(s + t) % 4];
            gemm_case(what, fast, ref, rel, t & 1, t >> 1, big[s].M, big[s].N, big[s].K, x[0], x[1], s % 2 ? 5 : 0);
        }
    // Zero-sized K and alpha = 0: C = beta·C only.
    gemm_case(what, fast, ref, rel, false, false, 7, 9, 0, 1.0f, 0.5f, 0);
    gemm_case(what, fast, ref, rel, true, false, 7, 9, 5, 0.0f, 0.0f, 1);
}

// MARK: GEMV

static void gemv_case(bool trans, long M, long N, float alpha, float beta, long pad) {
    const long lda = N + pad, n_in = trans ? M : N, n_out = trans ? N : M;
    float *A = randv(M * lda), *x = randv(n_in), *y0 = randv(n_out);
    float *y1 = malloc(sizeof(float) * (size_t)(n_out + 1)), *y2 = malloc(sizeof(float) * (size_t)(n_out + 1));
    float *r = malloc(sizeof(float) * (size_t)(n_out + 1)), *ra = malloc(sizeof(float) * (size_t)(n_out + 1));
    float *Aa = malloc(sizeof(float) * (size_t)(M * lda + 1)), *xa = malloc(sizeof(float) * (size_t)(n_in + 1));
    absv(Aa, A, M * lda), absv(xa, x, n_in), absv(ra, y0, n_out);
    memcpy(r, y0, sizeof(float) * (size_t)n_out);
    cdz_sgemv_ref(trans, M, N, alpha, A, lda, x, beta, r);
    cdz_sgemv_ref(trans, M, N, fabsf(alpha), Aa, lda, xa, fabsf(beta), ra);
    for (int t = 1; t <= 2; t++) {
        float *y = t == 1 ? y1 : y2;
        if (beta == 0.0f)
            for (long i = 0; i < n_out; i++) y[i] = NAN;
        else memcpy(y, y0, sizeof(float) * (size_t)n_out);
        cdz_sgemv(trans, M, N, alpha, A, lda, x, beta, y, t);
    }
    long bad = -1;
    for (long i = 0; i < n_out && bad < 0; i++)
        if (!(fabs((double)y1[i] - r[i]) <= 2e-6 * (n_in + 4) * ra[i] + 1e-30)) bad = i;
    CHECK(bad < 0, "sgemv trans=%d M=%ld N=%ld alpha=%g beta=%g: y[%ld]=%g ref %g", trans, M, N, alpha, beta, bad,
          bad < 0 ? 0.0 : y1[bad], bad < 0 ? 0.0 : r[bad]);
    CHECK(memcmp(y1, y2, sizeof(float) * (size_t)n_out) == 0, "sgemv trans=%d M=%ld N=%ld: 1 and 2 threads differ", trans, M, N);
    free(A), free(x), free(y0), free(y1), free(y2), free(r), free(ra), free(Aa), free(xa);
}

static void test_gemv(void) {
    static const long sz[] = {1, 3, 4, 7, 17, 64, 255, 513};
    for (int t = 0; t < 2; t++)
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++)
                gemv_case(t, sz[a], sz[b], (a + b) % 2 ? 1.0f : -0.75f, (a + b) % 3 ? 0.0f : 0.5f, a % 2);
    gemv_case(false, 2048, 512, 1.0f, 0.0f, 0);
    gemv_case(true, 512, 2048, 1.0f, 1.0f, 0);
}

// MARK: int8 GEMV

static void q8_case(long M, long K, long pad) {
    const long ld = K + pad;
    float *W = randv(M * ld), *x = randv(K);
    if (M > 2) for (long k = 0; k < K; k++) W[1 * ld + k] = 0.0f; // an all-zero row: scale 0
    int8_t *Q = malloc((size_t)(M * ld + 1));
    float *scale = malloc(sizeof(float) * (size_t)(M + 1));
    int32_t *rowsum = malloc(sizeof(int32_t) * (size_t)(M + 1));
    float *y = malloc(sizeof(float) * (size_t)(M + 1)), *y2 = malloc(sizeof(float) * (size_t)(M + 1));
    float *r = malloc(sizeof(float) * (size_t)(M + 1));
    cdz_quantize_rows_q8(M, K, W, ld, Q, ld, scale, rowsum);
    cdz_q8gemv_ref(M, K, Q, ld, scale, x, r);
    cdz_q8gemv(M, K, Q, ld, scale, rowsum, x, y, 1);
    cdz_q8gemv(M, K, Q, ld, scale, rowsum, x, y2, 2);
    long bad = -1;
    for (long i = 0; i < M && bad < 0; i++)
        if (y[i] != r[i] || y2[i] != r[i]) bad = i;
    CHECK(bad < 0, "q8gemv M=%ld K=%ld: y[%ld]=%g ref %g", M, K, bad, bad < 0 ? 0.0 : y[bad], bad < 0 ? 0.0 : r[bad]);
    // The quantized product approximates the fp32 one: |error| ≲ 1% of Σ|w||x| here.
    double worst = 0;
    for (long i = 0; i < M; i++) {
        double e = 0, s = 0;
        for (long k = 0; k < K; k++) e += (double)W[i * ld + k] * x[k], s += fabs((double)W[i * ld + k] * x[k]);
        if (s > 0) worst = fmax(worst, fabs(e - y[i]) / s);
    }
    CHECK(K < 31 || worst < 0.02, "q8gemv M=%ld K=%ld: relative error %.3g vs fp32", M, K, worst);
    free(W), free(x), free(Q), free(scale), free(rowsum), free(y), free(y2), free(r);
}

static void test_q8(void) {
    static const long sz[] = {1, 3, 31, 64, 65, 200, 512};
    for (int a = 0; a < 7; a++)
        for (int b = 0; b < 7; b++) q8_case(sz[a], sz[b], (a + b) % 2 ? 3 : 0);
    q8_case(2048, 512, 0);
}

// MARK: bf16 conversion

static void test_bf16_bits(void) {
    CHECK(cdz_f32_to_bf16(1.0f) == 0x3f80, "bf16(1)");
    CHECK(cdz_f32_to_bf16(1.00390625f) == 0x3f80, "bf16 ties to even (down)");  // 1 + 2^-8
    CHECK(cdz_f32_to_bf16(1.01171875f) == 0x3f82, "bf16 ties to even (up)");    // 1 + 3·2^-8
    CHECK(cdz_f32_to_bf16(-2.0f) == 0xc000, "bf16(-2)");
    CHECK(isnan(cdz_bf16_to_f32(cdz_f32_to_bf16(NAN))), "bf16(NaN) is NaN");
    CHECK(cdz_bf16_to_f32(cdz_f32_to_bf16(INFINITY)) == INFINITY, "bf16(inf)");
}

// MARK: fp16 (generation's KV cache)

/// f16 → f32 → f16 returns every non-NaN bit pattern; cdz_hgemv_t against double sums of the
/// widened halves over every tail length and a padded lda, never writing past N.
static void test_half(void) {
    for (uint32_t b = 0; b <= 0xffff; b++) {
        const uint16_t h = (uint16_t)b;
        float f;
        uint16_t back;
        cdz_f16_to_f32(1, &h, &f);
        cdz_f32_to_f16(1, &f, &back);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) CHECK(isnan(f), "f16 NaN %04x widens to NaN", h);
        else if (back != h) { CHECK(0, "f16 %04x round trip gives %04x", h, back); break; }
    }
    passed++;
    const long shapes[][2] = {{1, 1}, {32, 3}, {32, 37}, {7, 64}, {32, 129}, {300, 32}, {5, 143}, {64, 513}};
    for (int c = 0; c < 8; c++) {
        const long M = shapes[c][0], N = shapes[c][1], lda = N + 3;
        float *a = randv(M * lda), *x = randv(M), *y = malloc(sizeof(float) * (size_t)(N + 1));
        uint16_t *h = malloc(sizeof(uint16_t) * (size_t)(M * lda));
        cdz_f32_to_f16(M * lda, a, h);
        cdz_f16_to_f32(M * lda, h, a);
        y[N] = 12345.0f;
        cdz_hgemv_t(M, N, 0.5f, h, lda, x, y);
        double worst = 0;
        for (long j = 0; j < N; j++) {
            double r = 0, mag = 0;
            for (long i = 0; i < M; i++) r += (double)a[i * lda + j] * x[i], mag += fabs((double)a[i * lda + j] * x[i]);
            worst = fmax(worst, fabs(0.5 * r - y[j]) / (0.5 * mag + 1e-30));
        }
        CHECK(worst < 1e-6 * (double)(M + 8), "hgemv_t M=%ld N=%ld: relative error %.3g", M, N, worst);
        CHECK(y[N] == 12345.0f, "hgemv_t M=%ld N=%ld wrote past N", M, N);
        free(a), free(x), free(y), free(h);
    }
}

// MARK: concurrent callers

/// Two threads call cdz_sgemm(threads: 2) at once, many times: one gets the pool, the other
/// must run alone (busy pool), and both must get the single-threaded result bit for bit.
typedef struct { const float *A, *B, *want; long n; int ok; cdz_isa isa; } caller_arg;

static void *caller(void *p) {
    caller_arg *c = p;
    cdz_set_isa(c->isa); // the path is per thread: this one's must be the one `want` used
    float *C = malloc(sizeof(float) * (size_t)(c->n * c->n));
    c->ok = 1;
    for (int it = 0; it < 200; it++) {
        cdz_sgemm(false, it % 2, c->n, c->n, c->n, 1.0f, c->A, c->n, c->B, c->n, 0.0f, C, c->n, 2);
        if (memcmp(C, c->want + (it % 2) * c->n * c->n, sizeof(float) * (size_t)(c->n * c->n))) c->ok = 0;
    }
    free(C);
    return NULL;
}

static void test_concurrent_callers(void) {
    const long n = 96;
    float *A = randv(n * n), *B = randv(n * n), *want = malloc(sizeof(float) * (size_t)(2 * n * n));
    cdz_sgemm(false, false, n, n, n, 1.0f, A, n, B, n, 0.0f, want, n, 1);
    cdz_sgemm(false, true, n, n, n, 1.0f, A, n, B, n, 0.0f, want + n * n, n, 1);
    caller_arg args[2] = {{A, B, want, n, 0, cur_isa}, {A, B, want, n, 0, cur_isa}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, caller, &args[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK(args[0].ok && args[1].ok, "concurrent callers: results differ from one thread");
    free(A), free(B), free(want);
}

int main(void) {
    printf("cpu features 0x%x, max threads %d\n", cdz_cpu_features(), cdz_max_threads());
    test_bf16_bits();
    for (int isa = CDZ_ISA_PORTABLE; isa <= CDZ_ISA_AVX512; isa++) {
        if (cdz_set_isa((cdz_isa)isa) != (cdz_isa)isa) continue; // not on this CPU
        cur_isa = (cdz_isa)isa;
        const int before = passed + failed;
        test_gemm("sgemm", cdz_sgemm, cdz_sgemm_ref, 0.0);
        // bf16 kernels (AVX-512 with BF16) sum exact bf16 products in fp32: the fp32
        // tolerance against the bf16 reference. Elsewhere cdz_gemm_bf16 is fp32 sgemm,
        // within bf16 rounding (2⁻⁸ per input) of the bf16 reference.
        const bool bf16 = isa == CDZ_ISA_AVX512 && (cdz_cpu_features() & CDZ_CPU_AVX512_BF16);
        test_gemm(bf16 ? "gemm_bf16" : "gemm_bf16(fp32 fallback)", cdz_gemm_bf16, cdz_gemm_bf16_ref,
                  bf16 ? 0.0 : 1.0 / 128);
        test_gemv();
        test_q8();
        test_half();
        test_concurrent_callers();
        printf("path %s: %d checks\n", isa_name[isa], passed + failed - before);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
