// Shared by the kernel files, not part of the public API.
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "CKernels.h"

// Vector types through the compiler's vector extensions (clang and gcc), not intrinsics:
// the same source then compiles for AVX-512, AVX2, SSE2 or NEON depending only on the
// function's target attribute, and clang emits the same instructions the intrinsics would.
// aligned(4): loads and stores through these types are unaligned.
typedef float v4f __attribute__((vector_size(16), aligned(4)));
typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef float v16f __attribute__((vector_size(64), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4)));
typedef int32_t v16i __attribute__((vector_size(64), aligned(4)));
typedef uint32_t v8u __attribute__((vector_size(32), aligned(4)));
typedef uint32_t v16u __attribute__((vector_size(64), aligned(4)));
typedef _Float16 v8h __attribute__((vector_size(16), aligned(2)));
typedef _Float16 v16h __attribute__((vector_size(32), aligned(2)));

// x86 kernels exist only where their instructions can run. CDZ_EMULATE_AVX512 is the test
// build for machines without AVX-512: the AVX-512 kernels are compiled for AVX2 (16-lane
// vectors become ymm pairs) and vdpbf16ps / vpdpbusd are replaced by scalar models, so
// their indexing, packing and edge handling are checked everywhere. cpu.c then reports
// AVX-512 as present. Never define it in a product build.
#if defined(__x86_64__)
#define CDZ_X86 1
#define CDZ_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#if defined(CDZ_EMULATE_AVX512)
#define CDZ_TARGET_AVX512 __attribute__((target("avx2,fma,f16c")))
#else
#define CDZ_TARGET_AVX512 \
    __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx512vnni,fma")))
#endif
#else
#define CDZ_X86 0
#endif

/// Full unrolling of a constant-count loop over register tiles (clang only; gcc unrolls these
/// by itself). Without it clang may keep a 12×32 tile's accumulators on the stack.
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL
#endif

#define CDZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CDZ_MAX(a, b) ((a) > (b) ? (a) : (b))

/// Batch-1 generation streams each weight matrix once, four rows at a time. Rows of 256–2048
/// bytes make streams too short for the hardware prefetcher to ramp up, so the GEMV kernels
/// ask for the line this far ahead themselves: int8 GEMV over transformer-medium's 25 MB
/// went from 10–14 GB/s to 18–27 GB/s on two cores (Scripts/kernels/README.md, "Prefetch").
enum { CDZ_STREAM_AHEAD = 8192 };
/// A prefetch of p + bytes; integer arithmetic because the line may lie past the array
/// (prefetches never fault, but forming such a pointer would be undefined).
static inline void cdz_prefetch_ahead(const void *p, long bytes) {
    __builtin_prefetch((const void *)((uintptr_t)p + (uintptr_t)bytes));
}

// MARK: half.c
/// binary16 bits → fp32, exact (the portable path's load of an fp16 cache).
float cdz_half_to_float(uint16_t h);

// MARK: cpu.c
/// True when the bf16 / VNNI kernels may run now (path AVX-512 and the CPU has the feature).
int cdz_use_bf16(void);
int cdz_use_vnni(void);

// MARK: threads.c
enum { CDZ_POOL_MAX = 8 }; ///< threads of one parallel job at most, the caller included
/// One share of a parallel job: thread `tid` of `nt` (tid 0 is the caller).
typedef void (*cdz_task_fn)(void *ctx, int tid, int nt);
/// Runs fn(ctx, t, nt) for t in 0..<nt, the caller taking t = 0, and returns when all are
/// done. nt is clamped to the pool; a busy pool runs fn(ctx, 0, 1) on the caller alone.
void cdz_parallel(int nt, cdz_task_fn fn, void *ctx);
/// Threads to use for a job of `work` multiply-adds when the caller asked for `threads`.
int cdz_pick_threads(int threads, double work);
/// A spinning barrier for the nt threads of one cdz_parallel job; zero-initialized. Each
/// thread keeps its own `phase` (starting at 0) and passes it to every wait. nt ≤ 1 returns
/// at once, so a job that the pool ran on the caller alone still works.
typedef struct {
    _Atomic int arrived, phase;
} cdz_barrier;
void cdz_barrier_wait(cdz_barrier *b, int nt, int *phase);

// MARK: workspace.c
/// Per-thread, 64-byte aligned scratch buffers, grown on demand. Slot 0: packed A,
/// slot 1: packed B, slot 2: small temporaries (GEMV vectors), slot 3: attention score rows,
/// slot 4: the operand a parallel GEMM's threads pack together (the caller's).
void *cdz_workspace(int slot, size_t bytes);

// MARK: gemm.c — one BLIS-style driver, several packed formats and microkernels
/// A GEMM implementation: micro-tile MR×NR, cache blocks, packers and the microkernel.
/// Packed A: ceil(mc/MR) panels, each kcp×MR elements (k-major, zero padded).
/// Packed B: ceil(nc/NR) panels, each kcp×NR elements. kcp = kc rounded up to kpack.
typedef struct cdz_gemm_impl_s {
    int MR, NR;
    int MC, KC, NC; ///< MC % MR == 0, NC % NR == 0, KC % kpack == 0
    int kpack;      ///< K granularity of the packed format (bf16 packs K in pairs)
    int esize;      ///< bytes per packed element
    /// Packs op(A)[i0 ..< i0+mc, k0 ..< k0+kc].
    void (*pack_a)(int transA, const float *A, long lda, long i0, long k0, long mc, long kc,
                   void *dst);
    /// Packs op(B)[k0 ..< k0+kc, j0 ..< j0+nc].
    void (*pack_b)(int transB, const float *B, long ldb, long k0, long j0, long kc, long nc,
                   void *dst);
    /// C[MR×NR] = alpha·(Ap·Bp) + beta·C over kcp packed k; beta == 0: C is not read.
    void (*kernel)(long kcp, const void *Ap, const void *Bp, float *C, long ldc, float alpha,
                   float beta);
    /// The kernel with op(A) unpacked, element (i, k) at A[i·rs + k·cs] (ukernel_f32_template.h);
    /// NULL for formats whose kernel needs A converted (bf16).
    void (*kernel_ua)(long kc, const float *A, long rs, long cs, const void *Bp, float *C,
                      long ldc, float alpha, float beta);
    /// The same B format (NR, blocks, packer) with a shorter tile, for products with few
    /// rows that this tile would leave partly empty (cdz_gemm_rows); NULL if none.
    const struct cdz_gemm_impl_s *short_rows;
} cdz_gemm_impl;

/// `im`, or its short_rows variant when M rows fill that variant's tiles enough better
/// to pay for its lower rate (more loads per multiply-add). Either gives bit-identical C:
/// every element sees the same multiply-adds in the same order whatever the tile.
const cdz_gemm_impl *cdz_gemm_rows(const cdz_gemm_impl *im, long M);

void cdz_gemm_run(const cdz_gemm_impl *impl, int transA, int transB, long M, long N, long K,
                  float alpha, const float *A, long lda, const float *B, long ldb, float beta,
                  float *C, long ldc, int threads);

/// op(B) packed once with `im`'s packer (cdz_sgemm_pack_b); NULL when K or N is 0 or memory is out.
cdz_packed_b *cdz_gemm_pack_b(const cdz_gemm_impl *im, int tB, long K, long N, const float *B,
                              long ldb);
/// The implementation a packed B was made for, and its source operand.
const cdz_gemm_impl *cdz_packed_b_impl(const cdz_packed_b *P);
void cdz_packed_b_source(const cdz_packed_b *P, int *tB, long *K, long *N, const float **B,
                         long *ldb);
/// cdz_gemm_run with op(B) from P (made with the same implementation).
void cdz_gemm_run_packed(const cdz_packed_b *P, int transA, long M, float alpha, const float *A,
                         long lda, float beta, float *C, long ldc, int threads);

/// fp32 implementations (gemm_f32_*.c); NULL when not compiled for this architecture.
extern const cdz_gemm_impl cdz_sgemm_portable;
#if CDZ_X86
extern const cdz_gemm_impl cdz_sgemm_avx2;
extern const cdz_gemm_impl cdz_sgemm_avx512;
extern const cdz_gemm_impl cdz_gemm_bf16_avx512;
#endif

/// Generic fp32 packers (pack_f32.c), for any MR / NR.
void cdz_pack_a_f32(int MR, int transA, const float *A, long lda, long i0, long k0, long mc,
                    long kc, float *dst);
void cdz_pack_b_f32(int NR, int transB, const float *B, long ldb, long k0, long j0, long kc,
                    long nc, float *dst);

/// fp32 → bf16 bits, round to nearest even, NaN kept NaN (quiet bit forced).
static inline uint32_t cdz_bf16_bits(float x) {
    union { float f; uint32_t u; } v = {x};
    if ((v.u & 0x7fffffffu) > 0x7f800000u) return (v.u >> 16) | 0x40u;
    return (v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16;
}

#endif
