// IEEE binary16 ⇄ fp32 with integer operations, so that every path (and a CPU without F16C)
// rounds the same way; the AVX2 path narrows with F16C, which gives the same bits.
// Generation's fp16 KV cache stores through these; its reads convert in registers (vcvtph2ps
// on the AVX2 and AVX-512 paths, half_to_float otherwise).
#include <string.h>
#include "internal.h"

float cdz_half_to_float(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu, bits;
    if (exp == 0x1f) bits = sign | 0x7f800000u | (man << 13);      // inf, NaN
    else if (exp != 0) bits = sign | ((exp + 112) << 23) | (man << 13);
    else if (man == 0) bits = sign;                                 // ±0
    else {                                                          // subnormal: man·2⁻²⁴
        uint32_t e = 113;
        while (!(man & 0x400u)) man <<= 1, e--;
        bits = sign | (e << 23) | ((man & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint16_t float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00u | (uint16_t)((ax >> 13) & 0x3ffu); // NaN
    if (ax >= 0x477ff000u) return sign | 0x7c00u; // ≥ 65520 rounds past 65504: inf
    if (ax >= 0x38800000u) {                      // a normal half (≥ 2⁻¹⁴)
        uint32_t r = ax - 0x38000000u;            // rebias 127 → 15
        r += 0xfffu + ((r >> 13) & 1u);           // round to nearest even on the 13 bits cut
        return sign | (uint16_t)(r >> 13);
    }
    if (ax < 0x33000000u) return sign; // below 2⁻²⁵: rounds to 0 (2⁻²⁵ itself, a tie, below)
    // A subnormal half: round(|f|·2²⁴) with |f| = m·2^(e−150), i.e. m >> (126 − e).
    const uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u, shift = 126 - e;
    uint32_t h = m >> shift;
    const uint32_t rest = m & ((1u << shift) - 1), half_ulp = 1u << (shift - 1);
    if (rest > half_ulp || (rest == half_ulp && (h & 1u))) h++;
    return sign | (uint16_t)h;
}

#if CDZ_X86
#include <immintrin.h>
/// vcvtps2ph with round-to-nearest-even: the same bits as float_to_half for every input
/// (NaNs too: quiet, payload truncated), eight at a time; the KV cache stores through this
/// on every generated token (the scalar loop cost ~3 ns a value).
CDZ_TARGET_AVX2 static void f32_to_f16_f16c(long n, const float *x, uint16_t *h) {
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) h[i] = float_to_half(x[i]);
}
#endif

void cdz_f32_to_f16(long n, const float *x, uint16_t *h) {
#if CDZ_X86
    if (cdz_isa_active() >= CDZ_ISA_AVX2) { // the AVX2 path requires F16C (cpu.c)
        f32_to_f16_f16c(n, x, h);
        return;
    }
#endif
    for (long i = 0; i < n; i++) h[i] = float_to_half(x[i]);
}

void cdz_f16_to_f32(long n, const uint16_t *h, float *x) {
    for (long i = 0; i < n; i++) x[i] = cdz_half_to_float(h[i]);
}
