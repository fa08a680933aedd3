// CPU feature detection and the choice of kernel path, made once at run time.
//
// Detection reads CPUID and XGETBV directly rather than __builtin_cpu_supports: the
// builtin depends on the runtime library's copy of the feature table (libgcc or
// compiler-rt, whichever the final link uses), and some copies predate AVX512_BF16.
// XGETBV matters too: a CPU may have AVX-512 while the OS (or hypervisor) does not save
// zmm state, and then the instructions fault.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#if CDZ_X86
#include <cpuid.h>

static uint32_t detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    const int f16c = (c >> 29) & 1; // every AVX2 CPU has it; the AVX2 path uses it for fp16
    if (!osxsave || !avx) return 0;
    unsigned xlo, xhi;
    __asm__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    const int ymm_state = (xlo & 0x6) == 0x6;     // SSE + AVX state
    const int zmm_state = (xlo & 0xe6) == 0xe6;   // + opmask, ZMM_Hi256, Hi16_ZMM
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1;
    const int f512 = (b >> 16) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    const int vnni = (c >> 11) & 1;
    unsigned a1, b1, c1, d1;
    __cpuid_count(7, 1, a1, b1, c1, d1);
    const int bf16 = (a1 >> 5) & 1;

    uint32_t f = 0;
    if (avx2 && fma && f16c && ymm_state) f |= CDZ_CPU_AVX2;
    if ((f & CDZ_CPU_AVX2) && f512 && bw && vl && zmm_state) {
        f |= CDZ_CPU_AVX512;
        if (bf16) f |= CDZ_CPU_AVX512_BF16;
        if (vnni) f |= CDZ_CPU_AVX512_VNNI;
    }
#if defined(CDZ_EMULATE_AVX512)
    // Test build: AVX-512 kernels are compiled for AVX2 with scalar bf16/VNNI models.
    if (f & CDZ_CPU_AVX2) f |= CDZ_CPU_AVX512 | CDZ_CPU_AVX512_BF16 | CDZ_CPU_AVX512_VNNI;
#endif
    return f;
}
#else
static uint32_t detect(void) { return 0; }
#endif

// -1: not yet detected. Detection is idempotent, so a race only repeats it.
static _Atomic int64_t features_cache = -1;
static _Atomic int isa_cap = -1;
// cdz_set_isa's cap, per thread: tests that compare paths must not change the path under
// other threads' feet (Swift Testing runs suites in parallel in one process).
static _Thread_local int thread_cap = -1;

uint32_t cdz_cpu_features(void) {
    int64_t f = atomic_load_explicit(&features_cache, memory_order_relaxed);
    if (f < 0) {
        f = detect();
        atomic_store_explicit(&features_cache, f, memory_order_relaxed);
    }
    return (uint32_t)f;
}

static cdz_isa isa_supported(void) {
    const uint32_t f = cdz_cpu_features();
    if (f & CDZ_CPU_AVX512) return CDZ_ISA_AVX512;
    if (f & CDZ_CPU_AVX2) return CDZ_ISA_AVX2;
    return CDZ_ISA_PORTABLE;
}

static int isa_from_env(void) {
    const char *s = getenv("CDZ_ISA");
    if (!s) return CDZ_ISA_AVX512;
    if (!strcmp(s, "portable") || !strcmp(s, "scalar")) return CDZ_ISA_PORTABLE;
    if (!strcmp(s, "avx2")) return CDZ_ISA_AVX2;
    return CDZ_ISA_AVX512;
}

cdz_isa cdz_isa_active(void) {
    int cap = atomic_load_explicit(&isa_cap, memory_order_relaxed);
    if (cap < 0) {
        cap = isa_from_env();
        atomic_store_explicit(&isa_cap, cap, memory_order_relaxed);
    }
    if (thread_cap >= 0) cap = CDZ_MIN(cap, thread_cap);
    const cdz_isa sup = isa_supported();
    return (cdz_isa)CDZ_MIN((int)sup, cap);
}

cdz_isa cdz_set_isa(cdz_isa isa) {
    thread_cap = (int)isa;
    return cdz_isa_active();
}

int cdz_use_bf16(void) {
    return cdz_isa_active() == CDZ_ISA_AVX512 && (cdz_cpu_features() & CDZ_CPU_AVX512_BF16);
}

int cdz_use_vnni(void) {
    return cdz_isa_active() == CDZ_ISA_AVX512 && (cdz_cpu_features() & CDZ_CPU_AVX512_VNNI);
}
