// Times one Cadenza kernel call shape: median of repeats, as GFLOP/s (2·M·N·K per call).
// Usage: bench_gemm KIND M N K transA transB threads [seconds]
//   KIND: sgemm | bf16 (cdz_gemm_bf16) | q8gemv (M×K int8 weights · x, N ignored)
// Prints one line: "<gflops> <median_us> <path> <best_gflops>" (best: for tuning on a noisy
// machine; the reports use the median). Run it under the project's CPU lock.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CKernels.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static int cmp(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s sgemm|bf16|q8gemv M N K transA transB threads [seconds]\n", argv[0]);
        return 2;
    }
    const char *kind = argv[1];
    const long M = atol(argv[2]), N = atol(argv[3]), K = atol(argv[4]);
    const int tA = atoi(argv[5]), tB = atoi(argv[6]), threads = atoi(argv[7]);
    const double budget = argc > 8 ? atof(argv[8]) : 1.0;
    const int q8 = !strcmp(kind, "q8gemv");

    const long nA = q8 ? M * K : M * K, nB = q8 ? K : K * N, nC = q8 ? M : M * N;
    float *A = aligned_alloc(64, (size_t)(nA * 4 + 64)), *B = aligned_alloc(64, (size_t)(nB * 4 + 64));
    float *C = aligned_alloc(64, (size_t)(nC * 4 + 64));
    for (long i = 0; i < nA; i++) A[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    for (long i = 0; i < nB; i++) B[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
    for (long i = 0; i < nC; i++) C[i] = 0.0f;
    int8_t *Q = NULL;
    float *scale = NULL;
    int32_t *rowsum = NULL;
    if (q8) {
        Q = malloc((size_t)nA), scale = malloc((size_t)M * 4), rowsum = malloc((size_t)M * 4);
        cdz_quantize_rows_q8(M, K, A, K, Q, K, scale, rowsum);
    }
    const long lda = tA ? M : K, ldb = tB ? K : N;

    double times[1000];
    int n = 0;
    const double start = now();
    for (int it = -2; n < 1000; it++) { // two warm-up calls
        const double t0 = now();
        if (q8) cdz_q8gemv(M, K, Q, K, scale, rowsum, B, C, threads);
        else if (!strcmp(kind, "bf16")) cdz_gemm_bf16(tA, tB, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N, threads);
        else cdz_sgemm(tA, tB, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N, threads);
        const double t = now() - t0;
        if (it >= 0) times[n++] = t;
        if (n >= 5 && now() - start > budget) break;
    }
    qsort(times, (size_t)n, sizeof *times, cmp);
    const double med = times[n / 2];
    const double flops = 2.0 * M * (q8 ? 1 : N) * K;
    static const char *isa[] = {"portable", "avx2", "avx512"};
    const int bf16 = !strcmp(kind, "bf16") && cdz_isa_active() == CDZ_ISA_AVX512 &&
                     (cdz_cpu_features() & CDZ_CPU_AVX512_BF16);
    printf("%.2f %.2f %s%s %.2f\n", flops / med * 1e-9, med * 1e6, isa[cdz_isa_active()], bf16 ? "+bf16" : "",
           flops / times[0] * 1e-9);
    return 0;
}
