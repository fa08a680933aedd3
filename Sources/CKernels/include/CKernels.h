// CKernels: the hot loops of Cadenza's engine (GEMM, GEMV, bf16 GEMM, int8 GEMV).
//
// Conventions (all functions):
// - Matrices are row-major. `ld*` is the distance in elements between two rows as stored.
//   op(X) is X, or Xᵀ when the matching `trans*` flag is true; shapes are given for op(X).
// - Dimensions and strides are `long` (Swift `Int`); zero-sized problems are allowed and
//   only apply beta. When beta == 0 the output is written without being read (NaN-safe).
// - `threads`: how many threads to use, 0 = all online cores. Work is split over output
//   rows or columns only, so the result is bit-identical for every thread count. Threads
//   come from one small persistent pool (workers pinned to cores, spinning ~0.5 ms after a
//   job before sleeping). If the pool is busy (another caller, or a nested call) the call
//   runs on the calling thread alone.
// - Workspace: packing buffers are internal and per thread (grown on demand, 64-byte
//   aligned, freed when the thread exits; cdz_release_workspace frees the caller's now).
// - Every fast function has a plain reference `*_ref` (reference.c) that the tests compare
//   against. The CPU path is chosen once at run time (cdz_isa_active), never by build flags.
// - The library never prints, allocates only its workspaces (and the blocks a caller asks
//   for with cdz_zeroed_alloc), and is thread-safe.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - CPU features and path selection (cpu.c)

/// Bits of cdz_cpu_features(): what this CPU and OS can execute.
enum {
    CDZ_CPU_AVX2 = 1u << 0,        ///< AVX2 + FMA3 + F16C (+ OS saves ymm state)
    CDZ_CPU_AVX512 = 1u << 1,      ///< AVX-512 F, BW, VL (+ OS saves zmm and mask state)
    CDZ_CPU_AVX512_BF16 = 1u << 2, ///< AVX512_BF16 (vdpbf16ps): Zen 4, Sapphire Rapids
    CDZ_CPU_AVX512_VNNI = 1u << 3, ///< AVX512_VNNI (vpdpbusd): Ice Lake, Zen 4
};

/// Feature bits of this machine (cached after the first call).
uint32_t cdz_cpu_features(void);

/// Kernel families, in order of preference.
typedef enum {
    CDZ_ISA_PORTABLE = 0, ///< plain C (any CPU, arm64 included)
    CDZ_ISA_AVX2 = 1,     ///< AVX2 + FMA
    CDZ_ISA_AVX512 = 2,   ///< AVX-512 (+ BF16 / VNNI kernels when the CPU has them)
} cdz_isa;

/// The path in force: the best the CPU supports, lowered by the environment variable
/// CDZ_ISA=portable|avx2|avx512 (read once) or by cdz_set_isa.
cdz_isa cdz_isa_active(void);

/// Caps the path at `isa` (never above what the CPU supports) for calls that start afterwards
/// on the calling thread (and the work they hand to the pool), and returns the path now in
/// force there. For tests and comparisons: other threads keep their path.
cdz_isa cdz_set_isa(cdz_isa isa);

/// Number of online cores the thread pool may use (≥ 1).
int cdz_max_threads(void);

/// Frees the calling thread's packing buffers (they are re-created on demand).
void cdz_release_workspace(void);

/// A zero-filled block of `bytes` (NULL when memory is exhausted), aligned as malloc aligns
/// (16 bytes; 2 MiB for blocks from 8 MiB up, which use transparent huge pages on Linux),
/// whose pages cost nothing until first touched. Free with cdz_zeroed_free and the same `bytes`.
void *cdz_zeroed_alloc(size_t bytes);
void cdz_zeroed_free(void *p, size_t bytes);

/// This machine's fp32 multiply-add peak in GFLOP/s on `threads` threads (0 = all), measured:
/// independent vector FMA chains on the widest path in force, best of `repeats` runs of about
/// 0.2 s. What a benchmark's "% of peak" should divide by (peak.c).
double cdz_fma_peak_gflops(int threads, int repeats);

// MARK: - fp32 GEMM (gemm.c, gemm_f32_*.c)

/// C[M×N] = alpha·op(A)·op(B) + beta·C, fp32.
/// op(A) is M×K (A stored M×K with lda ≥ K, or K×M with lda ≥ M when transA),
/// op(B) is K×N (B stored K×N with ldb ≥ N, or N×K with ldb ≥ K when transB), ldc ≥ N.
/// Training uses A·B (forward), A·Bᵀ (input gradient with weights stored (out, in)) and
/// Aᵀ·B (weight gradient, beta = 1 to accumulate). M == 1 or N == 1 goes to GEMV.
void cdz_sgemm(bool transA, bool transB, long M, long N, long K,
               float alpha, const float *A, long lda, const float *B, long ldb,
               float beta, float *C, long ldc, int threads);

void cdz_sgemm_ref(bool transA, bool transB, long M, long N, long K,
                   float alpha, const float *A, long lda, const float *B, long ldb,
                   float beta, float *C, long ldc);

/// op(B) packed once for many products that share it: an LSTM's recurrent weights meet 512
/// products of only B rows each per layer, which would otherwise repack all of W_hh each time.
typedef struct cdz_packed_b cdz_packed_b;

/// Packs op(B) (K×N; B stored K×N with ldb ≥ N, or N×K with ldb ≥ K when transB) for the
/// fp32 path in force. B itself must stay valid and unchanged while the result is used (a
/// product on another path, or with one row, reads it directly). NULL when K or N is not
/// positive or memory is out; free with cdz_sgemm_packed_b_free.
cdz_packed_b *cdz_sgemm_pack_b(bool transB, long K, long N, const float *B, long ldb);
void cdz_sgemm_packed_b_free(cdz_packed_b *P);

/// cdz_sgemm with op(B) from P: C[M×N] = alpha·op(A)·op(B) + beta·C, op(A) M×K.
void cdz_sgemm_packed(bool transA, long M, float alpha, const float *A, long lda,
                      const cdz_packed_b *P, float beta, float *C, long ldc, int threads);

// MARK: - bf16 GEMM with fp32 accumulation (gemm_bf16.c)

/// Same contract as cdz_sgemm, but the products use bfloat16 inputs: A and B are fp32 in
/// memory and are rounded to bf16 (round to nearest even) while packed; products are summed
/// in fp32 (vdpbf16ps, pairs along K) and C stays fp32. Relative error per product ≈ 2⁻⁸.
/// Without AVX512_BF16 (or on a lower cdz_isa) this runs cdz_sgemm: the same contract with
/// exact fp32 inputs, i.e. a more accurate result.
void cdz_gemm_bf16(bool transA, bool transB, long M, long N, long K,
                   float alpha, const float *A, long lda, const float *B, long ldb,
                   float beta, float *C, long ldc, int threads);

/// Reference: inputs rounded to bf16, products summed in double, then alpha/beta in fp32.
void cdz_gemm_bf16_ref(bool transA, bool transB, long M, long N, long K,
                       float alpha, const float *A, long lda, const float *B, long ldb,
                       float beta, float *C, long ldc);

/// fp32 → bf16 bits, round to nearest even (NaN stays NaN). bf16 → fp32 is exact.
uint16_t cdz_f32_to_bf16(float x);
float cdz_bf16_to_f32(uint16_t h);

// MARK: - fp32 GEMV (gemv.c)

/// A is M×N (lda ≥ N). trans == false: y[M] = alpha·A·x[N] + beta·y.
/// trans == true: y[N] = alpha·Aᵀ·x[M] + beta·y. x and y are contiguous and must not overlap.
void cdz_sgemv(bool trans, long M, long N, float alpha, const float *A, long lda,
               const float *x, float beta, float *y, int threads);

void cdz_sgemv_ref(bool trans, long M, long N, float alpha, const float *A, long lda,
                   const float *x, float beta, float *y);

/// fp32 → IEEE binary16 bits, round to nearest even (overflow to ±inf, NaN stays NaN), and
/// back (exact). n values; plain loops: generation stores a few hundred per layer per token.
void cdz_f32_to_f16(long n, const float *x, uint16_t *h);
void cdz_f16_to_f32(long n, const uint16_t *h, float *x);

/// y[N] = alpha·Aᵀ·x[M] with A M×N in binary16 (lda ≥ N), summed in fp32, on this thread.
/// Each column is one multiply-add chain over the rows in order, so the result does not
/// depend on N or on how callers split the columns (the portable path rounds the product
/// and the sum separately, so paths differ in the last bits).
void cdz_hgemv_t(long M, long N, float alpha, const uint16_t *A, long lda, const float *x,
                 float *y);

// MARK: - int8 GEMV for inference (qgemv.c)

/// Quantizes the rows of W[M×K] (ldw ≥ K) symmetrically: scale[i] = max|W[i,:]| / 127,
/// Q[i,k] = round(W[i,k] / scale[i]) in [-127, 127] (ldq ≥ K), rowsum[i] = Σ_k Q[i,k]
/// (the VNNI kernel needs it). An all-zero row gets scale 0.
void cdz_quantize_rows_q8(long M, long K, const float *W, long ldw,
                          int8_t *Q, long ldq, float *scale, int32_t *rowsum);

/// y[M] = scale[i] · sx · Σ_k Q[i,k]·xq[k], where x[K] is quantized on each call:
/// sx = max|x| / 127, xq[k] = round(x[k] / sx) in [-127, 127]. Sums are exact int32
/// (K ≤ 65536). Q, scale and rowsum come from cdz_quantize_rows_q8.
void cdz_q8gemv(long M, long K, const int8_t *Q, long ldq, const float *scale,
                const int32_t *rowsum, const float *x, float *y, int threads);

void cdz_q8gemv_ref(long M, long K, const int8_t *Q, long ldq, const float *scale,
                    const float *x, float *y);

// MARK: - Causal multi-head attention (attention.c)

/// Softmax attention per head, PyTorch's `scaled_dot_product_attention(is_causal=causal)`:
/// with `causal` query t sees keys 0...t, without it every key (an encoder).
/// Element d of head h at position t of sequence b of q, k and v is at
/// `x[(b·T + t)·S + h·hs + d]` (S ≥ NH·hs: q, k, v may be interleaved thirds of one qkv row).
/// out (B, T, NH·hs) contiguous; lse (B, NH, T) receives each query row's log Σ exp of its
/// scaled scores, which backward uses to recompute probabilities without storing them.
/// Work is split over (b, h) pairs: bit-identical for every thread count.
void cdz_attention_forward(long B, long T, long NH, long hs, const float *q, const float *k,
                           const float *v, long S, bool causal, float *out, float *lse, int threads);

/// Accumulates (+=) the gradients of q, k and v (same layout and stride S as the inputs)
/// from dout (B, T, NH·hs), given forward's inputs, out and lse.
void cdz_attention_backward(long B, long T, long NH, long hs, const float *q, const float *k,
                            const float *v, long S, bool causal, const float *out, const float *lse,
                            const float *dout, float *dq, float *dk, float *dv, int threads);

/// Plain loops, one query and one key at a time (and libm's expf): the references.
void cdz_attention_forward_ref(long B, long T, long NH, long hs, const float *q, const float *k,
                               const float *v, long S, bool causal, float *out, float *lse);
void cdz_attention_backward_ref(long B, long T, long NH, long hs, const float *q,
                                const float *k, const float *v, long S, bool causal,
                                const float *out, const float *lse, const float *dout, float *dq,
                                float *dk, float *dv);

/// x ← softmax(x) over n ≥ 1 values (vectorized exp); returns log Σ exp of the input.
float cdz_softmax(float *x, long n);

/// Generation's attention: one query (NH·hs, contiguous) against T cached positions of k and
/// v (position t, head h at `x[t·S + h·hs]`); out (NH·hs). `scores` is scratch of T floats.
/// Heads are split over threads once the cache is long enough to be worth it (the cache is
/// read from memory like the weights; a head's result does not depend on the thread count).
void cdz_attention_decode(long T, long NH, long hs, const float *q, const float *k,
                          const float *v, long S, float *out, float *scores, int threads);

/// The same against a head-major cache with room for `context` ≥ T positions (T > context
/// writes NaN to out: a caller error, loud in the logits): keys transposed,
/// kt[(h·hs + d)·context + t], and values v[(h·context + t)·hs + d]. Scores are then one
/// Aᵀ·x over contiguous rows of positions and the values one block per head, with no
/// per-position horizontal sums (a head of 32 floats left those dominating), and each head's
/// cache is read as a few long streams.
void cdz_attention_decode_heads(long T, long NH, long hs, const float *q, const float *kt,
                                const float *v, long context, float *out, float *scores,
                                int threads);

/// The same with the cache in binary16 (cdz_f32_to_f16), the int8 decoder's: half the bytes
/// of a cache that, at 512 positions, outweighs transformer-small's int8 weights.
void cdz_attention_decode_heads_f16(long T, long NH, long hs, const float *q,
                                    const uint16_t *kt, const uint16_t *v, long context,
                                    float *out, float *scores, int threads);


// MARK: - Layer kernels for training (layers.c, lstm_cell.c)
//
// Elementwise and row kernels of the layers, beside the GEMMs that dominate a step: in plain
// Swift they ran on one thread with scalar libm calls (a third of a transformer step).
// Rows (or elements) are split over threads; reductions across rows (weight and bias
// gradients) sum fixed blocks of rows and then the blocks in a fixed order, so results are
// bit-identical for every thread count. Accumulating outputs (+=) say so.

/// LayerNorm over the C channels of each of N contiguous rows (PyTorch `nn.LayerNorm`, biased
/// variance): out = (x − mean)·rstd·w + b with rstd = 1/√(var + eps); keeps mean[N], rstd[N].
/// out may not alias x.
void cdz_layernorm_forward(long N, long C, const float *x, const float *w, const float *b,
                           float eps, float *out, float *mean, float *rstd, int threads);
/// LayerNorm backward (llm.c's form): accumulates dx (N×C) += …, dw (C) += Σ dout·x̂,
/// db (C) += Σ dout, given forward's x, mean and rstd.
void cdz_layernorm_backward(long N, long C, const float *dout, const float *x, const float *w,
                            const float *mean, const float *rstd, float *dx, float *dw,
                            float *db, int threads);

/// Exact GELU, out = x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)) (PyTorch's approximate='none').
/// erf is PyTorch's own vectorized form (Abramowitz–Stegun 7.1.26, |error| ≤ 1.5e-7).
/// out may alias x.
void cdz_gelu_forward(long n, const float *x, float *out, int threads);
/// Accumulates dx += dout·(Φ(x) + x·φ(x)), φ the standard normal density.
void cdz_gelu_backward(long n, const float *x, const float *dout, float *dx, int threads);

/// out = a + b over n floats (out may alias a or b).
void cdz_add(long n, const float *a, const float *b, float *out, int threads);
/// Accumulates sum[C] += Σ over the N rows of x (N×C, contiguous): a bias gradient.
void cdz_sum_rows(long N, long C, const float *x, float *sum, int threads);

/// Softmax cross-entropy of N rows of V logits. For each row whose target is not `ignored`
/// (pass −1 when none is), loss[n] = log Σ exp(logits) − logits[target]; ignored rows get
/// loss 0. When dlogits is not NULL it is written (not accumulated): (softmax − onehot)·scale
/// for counted rows, zeros for ignored ones. Targets must lie in 0 ..< V (the caller checks).
void cdz_cross_entropy(long N, long V, const float *logits, const int32_t *targets,
                       int32_t ignored, float scale, float *loss, float *dlogits, int threads);

/// One time step of an LSTM layer (PyTorch gate order i, f, g, o) for B sequences. Row b of
/// gates (4H floats at gates + b·ldg) holds the pre-activations on entry and the activated
/// gates [σ(i) σ(f) tanh(g) σ(o)] on return; c = f⊙c_prev + i⊙g and h = o⊙tanh(c), row b at
/// c + b·ldc, h + b·ldh, c_prev + b·ldp (c_prev NULL: a zero state). gates, c_prev, c and h
/// must not overlap (no in-place state update: pass the new state's own rows).
void cdz_lstm_cell_forward(long B, long H, float *gates, long ldg, const float *c_prev,
                           long ldp, float *c, long ldc, float *h, long ldh, int threads);
/// Backward of one step, given forward's activated gates, c and c_prev (NULL: zeros).
/// dh (B×H, contiguous) is the gradient reaching h_t (the layer output's plus the carry from
/// step t + 1); dc (B×H, contiguous) holds the carry from step t + 1 on entry and dc_{t−1}
/// (= dc_t ⊙ f) on return. Writes the pre-activation gradients dgates (row b at dgates + b·lddg).
/// dh, dc and dgates must not overlap each other or the inputs.
void cdz_lstm_cell_backward(long B, long H, const float *gates, long ldg, const float *c,
                            long ldc, const float *c_prev, long ldp, const float *dh, float *dc,
                            float *dgates, long lddg, int threads);

/// Plain loops with libm (erff, expf, tanhf), sums in double: the references.
void cdz_layernorm_forward_ref(long N, long C, const float *x, const float *w, const float *b,
                               float eps, float *out, float *mean, float *rstd);
void cdz_layernorm_backward_ref(long N, long C, const float *dout, const float *x,
                                const float *w, const float *mean, const float *rstd, float *dx,
                                float *dw, float *db);
void cdz_gelu_forward_ref(long n, const float *x, float *out);
void cdz_gelu_backward_ref(long n, const float *x, const float *dout, float *dx);
void cdz_cross_entropy_ref(long N, long V, const float *logits, const int32_t *targets,
                           int32_t ignored, float scale, float *loss, float *dlogits);
void cdz_lstm_cell_forward_ref(long B, long H, float *gates, long ldg, const float *c_prev,
                               long ldp, float *c, long ldc, float *h, long ldh);
void cdz_lstm_cell_backward_ref(long B, long H, const float *gates, long ldg, const float *c,
                                long ldc, const float *c_prev, long ldp, const float *dh,
                                float *dc, float *dgates, long lddg);

#ifdef __cplusplus
}
#endif

#endif
