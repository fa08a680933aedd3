// No include guard: a template, included once per path with different parameters.
// fp32 microkernel template: C[MR×NR] = alpha·(Ap·Bp) + beta·C, over kc packed k.
// Ap: kc×MR (one MR-column of op(A) per k); Bp: kc×NR. beta == 0: C is not read.
// Each k: NR/VW vector loads of B, MR broadcasts of A, MR·NR/VW FMAs into accumulators
// that stay in registers (MR·NR/VW + NR/VW + 1 ≤ the register file: 16 ymm or 32 zmm).
//
// Included by gemm_f32.c once per path, with these macros defined (and undefined after):
//   UK_NAME, UK_TARGET (a target attribute or nothing), UK_VEC (vector type), UK_VW (its
//   lanes), UK_MR, UK_NR, UK_FMA(a, b, c) = a·b + c, UK_KUNROLL (k unroll count).
// C = alpha·c + beta·C from the accumulators c[UK_MR][NV]: both kernels end so. A macro, not
// a function, so that the accumulators never leave the registers.
#define UK_STORE_C()                                                                            \
    UNROLL for (int i = 0; i < UK_MR; i++) {                                                    \
        UK_VEC *ci = (UK_VEC *)(C + i * ldc);                                                   \
        UNROLL for (int v = 0; v < NV; v++) {                                                   \
            UK_VEC r = alpha * c[i][v];                                                         \
            if (beta != 0.0f) r += beta * ci[v];                                                \
            ci[v] = r;                                                                          \
        }                                                                                       \
    }
// C is touched only at the end: start bringing its rows in now. A row of the tile spans
// NR/VW vectors, two or three lines when NR = 32: each vector's first element and the row's
// last one name every line it touches.
#define UK_PREFETCH_C()                                                                         \
    for (int i = 0; i < UK_MR; i++) {                                                           \
        UNROLL for (int v = 0; v < UK_NR / UK_VW; v++)                                          \
            __builtin_prefetch(C + i * ldc + v * UK_VW, 1);                                     \
        __builtin_prefetch(C + i * ldc + UK_NR - 1, 1);                                         \
    }
UK_TARGET static void UK_NAME(long kc, const void *Ap, const void *Bp, float *C, long ldc,
                              float alpha, float beta) {
    enum { NV = UK_NR / UK_VW };
    const float *a = Ap, *b = Bp;
    UK_VEC c[UK_MR][NV];
    UNROLL for (int i = 0; i < UK_MR; i++)
        UNROLL for (int v = 0; v < NV; v++) c[i][v] = (UK_VEC){0};
    UK_PREFETCH_C();
    // Every i / v loop must unroll fully, or the accumulators live on the stack (seen at
    // 12×32): say so explicitly.
#if defined(__clang__)
#pragma clang loop unroll_count(UK_KUNROLL)
#endif
    for (long k = 0; k < kc; k++, a += UK_MR, b += UK_NR) {
        UK_VEC bv[NV];
        UNROLL for (int v = 0; v < NV; v++) bv[v] = *(const UK_VEC *)(b + v * UK_VW);
        UNROLL for (int i = 0; i < UK_MR; i++) {
            const UK_VEC ai = a[i] - (UK_VEC){0}; // broadcast (x - 0 == x, folds away)
            UNROLL for (int v = 0; v < NV; v++) c[i][v] = UK_FMA(ai, bv[v], c[i][v]);
        }
    }
    UK_STORE_C();
}

#if defined(UK_UA_NAME)
/// The same product with op(A) read where it lies instead of from a packed panel: element
/// (i, k) of the MR×kc micro-panel at A[i·rs + k·cs]. For products whose packed A would be
/// used only a few times (N of one or two micro-panels: attention's per-head products),
/// packing costs as much as the arithmetic. Same operations in the same order as UK_NAME,
/// so the results are bit-identical. Every one of the MR rows must exist.
UK_TARGET static void UK_UA_NAME(long kc, const float *A, long rs, long cs, const void *Bp,
                                 float *C, long ldc, float alpha, float beta) {
    enum { NV = UK_NR / UK_VW };
    const float *b = Bp;
    UK_VEC c[UK_MR][NV];
    UNROLL for (int i = 0; i < UK_MR; i++)
        UNROLL for (int v = 0; v < NV; v++) c[i][v] = (UK_VEC){0};
    UK_PREFETCH_C();
#define UK_UA_LOOP(ELEMENT)                                                                     \
    for (long k = 0; k < kc; k++, b += UK_NR) {                                                 \
        UK_VEC bv[NV];                                                                          \
        UNROLL for (int v = 0; v < NV; v++) bv[v] = *(const UK_VEC *)(b + v * UK_VW);           \
        UNROLL for (int i = 0; i < UK_MR; i++) {                                                \
            const UK_VEC ai = (ELEMENT) - (UK_VEC){0};                                          \
            UNROLL for (int v = 0; v < NV; v++) c[i][v] = UK_FMA(ai, bv[v], c[i][v]);          \
        }                                                                                       \
    }
    if (cs == 1) { // rows of op(A) contiguous along k: MR streams
#if defined(__clang__)
#pragma clang loop unroll_count(UK_KUNROLL)
#endif
        UK_UA_LOOP(A[i * rs + k])
    } else { // op(A) = Aᵀ: the MR values of one k side by side, one line per k
        const float *a = A;
#if defined(__clang__)
#pragma clang loop unroll_count(UK_KUNROLL)
#endif
        UK_UA_LOOP((a + k * cs)[i])
    }
#undef UK_UA_LOOP
    UK_STORE_C();
}
#undef UK_UA_NAME
#endif
#undef UK_STORE_C
#undef UK_PREFETCH_C
#undef UK_NAME
#undef UK_TARGET
#undef UK_VEC
#undef UK_VW
#undef UK_MR
#undef UK_NR
#undef UK_FMA
#undef UK_KUNROLL
