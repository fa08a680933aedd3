// Read bandwidth of one core by buffer size: how fast batch-1 generation can stream weights.
// Build and run (no lock needed beyond the project's usual one):
//   flock /tmp/cadenza-swift.lock sh -c 'cc -O2 Scripts/kernels/bench/bandwidth.c -o /tmp/bandwidth && /tmp/bandwidth'
// Prints GB/s for buffers of 1 MB to 256 MB, best of 20 passes each (AVX2 loads, 4 streams of
// partial sums so the adds do not limit the loop). x86-64 with AVX2 only.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <immintrin.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx2"))) static float sum(const float *a, long n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (long i = 0; i < n; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
    }
    float r[8];
    _mm256_storeu_ps(r, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    return r[0] + r[7];
}

int main(void) {
    for (long mb = 1; mb <= 256; mb *= 2) {
        const long n = mb * 1024 * 1024 / 4;
        float *a = aligned_alloc(64, (size_t)n * 4);
        if (!a) return 1;
        for (long i = 0; i < n; i++) a[i] = 1.0f;
        float x = 0;
        double best = 1e9;
        for (int r = 0; r < 20; r++) {
            const double t = now();
            x += sum(a, n);
            const double dt = now() - t;
            if (dt < best) best = dt;
        }
        printf("%4ld MB: %5.1f GB/s (checksum %g)\n", mb, mb * 1048576.0 / best / 1e9, x);
        free(a);
    }
    return 0;
}
