// Batch-1 generation's weight stream alone: one "token" multiplies a vector by every matrix of
// a transformer (per layer QKV 3C×C, projection C×C, MLP 4C×C and C×4C), as cdz_q8gemv (int8)
// or cdz_sgemv (fp32); prints the best and the median of 200 tokens and the bytes per second they imply.
// Build and run from the repository root with clang, as SwiftPM builds the kernels (gcc keeps
// the int8 kernel's accumulators on the stack):
//   flock /tmp/cadenza-swift.lock sh -c 'clang -O2 -pthread -ISources/CKernels/include -ISources/CKernels \
//     Scripts/kernels/bench/gemv_stream.c Sources/CKernels/*.c -lm -o /tmp/gemv_stream'
//   /tmp/gemv_stream int8 512 8 2     # transformer-medium's matrices, 2 threads
//   /tmp/gemv_stream fp32 256 6 2     # transformer-small's
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "CKernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    long M, K;
    float *w, *scale;
    int8_t *q;
    int32_t *rowsum;
} matrix;

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[1], "int8") && strcmp(argv[1], "fp32"))) {
        fprintf(stderr, "usage: gemv_stream int8|fp32 CHANNELS LAYERS THREADS\n");
        return 2;
    }
    const int int8 = !strcmp(argv[1], "int8"), C = atoi(argv[2]), L = atoi(argv[3]), threads = atoi(argv[4]);
    const long F = 4L * C;
    matrix *m = calloc((size_t)L * 4, sizeof *m);
    long n = 0, bytes = 0;
    for (int l = 0; l < L; l++) {
        const long shapes[4][2] = {{3L * C, C}, {C, C}, {F, C}, {C, F}};
        for (int s = 0; s < 4; s++, n++) {
            matrix *x = &m[n];
            x->M = shapes[s][0], x->K = shapes[s][1];
            x->w = malloc(sizeof(float) * (size_t)(x->M * x->K));
            for (long i = 0; i < x->M * x->K; i++) x->w[i] = (float)((i * 7919) % 2001 - 1000) / 1000.0f;
            if (int8) {
                x->q = malloc((size_t)(x->M * x->K));
                x->scale = malloc(sizeof(float) * (size_t)x->M);
                x->rowsum = malloc(sizeof(int32_t) * (size_t)x->M);
                cdz_quantize_rows_q8(x->M, x->K, x->w, x->K, x->q, x->K, x->scale, x->rowsum);
                free(x->w), x->w = NULL;
            }
            bytes += x->M * x->K * (int8 ? 1 : 4);
        }
    }
    float *in = malloc(sizeof(float) * (size_t)F), *out = malloc(sizeof(float) * (size_t)F);
    for (long i = 0; i < F; i++) in[i] = (float)(i % 13) / 13.0f - 0.5f;
    enum { TOKENS = 200 };
    double times[TOKENS], best = 1e9;
    for (int r = 0; r < TOKENS; r++) {
        const double t = now();
        for (long i = 0; i < n; i++) {
            if (int8) cdz_q8gemv(m[i].M, m[i].K, m[i].q, m[i].K, m[i].scale, m[i].rowsum, in, out, threads);
            else cdz_sgemv(false, m[i].M, m[i].K, 1.0f, m[i].w, m[i].K, in, 0.0f, out, threads);
        }
        const double dt = now() - t;
        times[r] = dt;
        if (dt < best) best = dt;
    }
    qsort(times, TOKENS, sizeof times[0], compare_doubles);
    const double median = times[TOKENS / 2];
    printf("%s C=%d layers=%d threads=%d: %.1f MB per token, best %.3f ms (%.1f GB/s), median %.3f ms (%.1f GB/s)\n",
           argv[1], C, L, threads, bytes / 1e6, best * 1e3, bytes / best / 1e9, median * 1e3, bytes / median / 1e9);
    return 0;
}
