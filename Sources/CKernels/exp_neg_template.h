// No include guard: a template, included once per path by every kernel template that needs
// it, with EN_NAME (the function's name) and EN_TARGET (its target attribute) defined.

/// e^x for x ≤ 0 (x ≥ −87 after the clamp, so the result stays a normal float), relative
/// error ≤ 2.4e-7. Cephes' expf: x = n·ln 2 + r with |r| ≤ ln2/2, a degree-6 polynomial for
/// e^r, 2^n from the exponent bits. n is rounded with the 1.5·2²³ trick rather than floorf,
/// which baseline x86-64 (SSE2, no roundps) would call once per lane.
EN_TARGET static inline float EN_NAME(float x) {
    x = x < -87.0f ? -87.0f : x;
    const float shifted = x * 1.44269504088896341f + 12582912.0f; // round(x·log2 e) + 1.5·2²³
    const float n = shifted - 12582912.0f;
    const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    // The low mantissa bits of `shifted` hold n (−126 ≤ n ≤ 0) in two's complement; unsigned
    // arithmetic keeps a NaN input's garbage bits free of undefined behaviour (p is NaN anyway).
    uint32_t bits;
    __builtin_memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4b400000u + 127u) << 23;
    float two_n;
    __builtin_memcpy(&two_n, &bits, sizeof two_n);
    return p * two_n;
}

#undef EN_NAME
#undef EN_TARGET
