// The machine's fp32 multiply-add peak, measured: what "% of peak" in the benchmarks divides by.
//
// Twelve independent chains of vector FMAs per thread (enough to cover the FMA latency of
// both pipes), nothing loaded or stored in the loop, on the widest path the CPU runs. A kernel
// cannot beat this loop, and on a shared VM the clock (and so the peak) moves from one run to
// the next: hence measured in the same run as the figures it judges, not quoted.
#define _POSIX_C_SOURCE 200809L // clock_gettime under -std=c2x
#include <stdatomic.h>
#include <time.h>
#include "internal.h"

enum { CHAINS = 12 };
static volatile float peak_sink;

#define PEAK_LOOP(name, target, vec, lanes)                                             \
    target static double name(long iterations) {                                         \
        vec acc[CHAINS];                                                                 \
        const vec b = (vec){0} + 0.999999f, c = (vec){0} + 1e-7f;                        \
        for (int i = 0; i < CHAINS; i++) acc[i] = (vec){0} + (float)i;                   \
        for (long k = 0; k < iterations; k++) {                                          \
            UNROLL for (int i = 0; i < CHAINS; i++) acc[i] = FMA_PEAK(acc[i], b, c);     \
        }                                                                                \
        vec sum = acc[0];                                                                \
        for (int i = 1; i < CHAINS; i++) sum += acc[i];                                  \
        peak_sink = sum[0]; /* the chains' results are used: none can be dropped */      \
        return 2.0 * lanes * CHAINS * (double)iterations;                                \
    }

#if defined(__clang__)
#define FMA_PEAK(a, b, c) __builtin_elementwise_fma(a, b, c)
#else
#define FMA_PEAK(a, b, c) ((a) * (b) + (c))
#endif

#if CDZ_X86
PEAK_LOOP(peak_avx2, CDZ_TARGET_AVX2, v8f, 8)
PEAK_LOOP(peak_avx512, CDZ_TARGET_AVX512, v16f, 16)
#endif

/// Portable: plain multiply-adds on 4-lane vectors (contracted to FMA where the target has it).
static double peak_portable(long iterations) {
    v4f acc[CHAINS];
    const v4f b = (v4f){0} + 0.999999f, c = (v4f){0} + 1e-7f;
    for (int i = 0; i < CHAINS; i++) acc[i] = (v4f){0} + (float)i;
    for (long k = 0; k < iterations; k++) {
        for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * b + c;
    }
    v4f sum = acc[0];
    for (int i = 1; i < CHAINS; i++) sum += acc[i];
    peak_sink = sum[0];
    return 2.0 * 4 * CHAINS * (double)iterations;
}

typedef struct {
    double (*loop)(long);
    long iterations;
    _Atomic int ran; // shares that ran: a busy pool runs the caller's alone
} peak_job;

static void peak_share(void *ctx, int tid, int nt) {
    (void)tid, (void)nt;
    peak_job *j = ctx;
    j->loop(j->iterations);
    atomic_fetch_add(&j->ran, 1);
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cdz_fma_peak_gflops(int threads, int repeats) {
    peak_job j = {peak_portable, 0, 0};
    double flops_per_iteration = 2.0 * 4 * CHAINS;
#if CDZ_X86
    switch (cdz_isa_active()) {
    case CDZ_ISA_AVX512: j.loop = peak_avx512, flops_per_iteration = 2.0 * 16 * CHAINS; break;
    case CDZ_ISA_AVX2: j.loop = peak_avx2, flops_per_iteration = 2.0 * 8 * CHAINS; break;
    default: break;
    }
#endif
    const int nt = threads <= 0 ? cdz_max_threads() : CDZ_MIN(threads, cdz_max_threads());
    // About 0.2 s per repeat at 100 GFLOP/s per thread.
    j.iterations = (long)(2e10 / flops_per_iteration);
    double best = 0.0;
    for (int r = 0; r < CDZ_MAX(repeats, 1); r++) {
        atomic_store(&j.ran, 0);
        const double t0 = seconds_now();
        cdz_parallel(nt, peak_share, &j);
        const double t = seconds_now() - t0;
        const double gflops = atomic_load(&j.ran) * flops_per_iteration * (double)j.iterations / t / 1e9;
        best = CDZ_MAX(best, gflops);
    }
    return best;
}
