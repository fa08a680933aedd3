// Zero-filled blocks for the engine's buffers (parameters, gradients, optimizer state,
// activations, KV caches): fresh pages, never written with zeros, so a block costs nothing
// until touched; big ones on Linux in transparent huge pages.
//
// Why huge pages: a loaded model's 20 MB of parameters were ~5,000 4 KiB page faults,
// 12 ms of the first note; with 2 MiB pages they are ten. Training's large operands also
// need 512× fewer TLB entries. The kernel honours MADV_HUGEPAGE in its default "madvise"
// mode and ignores it in "never"; elsewhere (macOS) plain calloc.
#if defined(__linux__)
#define _GNU_SOURCE
#include <sys/mman.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include "internal.h"

enum { HUGE_PAGE = 2 << 20, HUGE_FROM = 8 << 20 }; // rounding waste stays below 25%

#if defined(__linux__)
static size_t mapped_size(size_t bytes) { return (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1); }
#endif

void *cdz_zeroed_alloc(size_t bytes) {
    if (bytes == 0) bytes = 1;
#if defined(__linux__)
    if (bytes >= HUGE_FROM) {
        // Map one huge page more than needed and cut the ends so that the block starts on a
        // 2 MiB boundary (the kernel backs only aligned 2 MiB ranges with huge pages).
        const size_t size = mapped_size(bytes);
        char *raw = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED) return NULL;
        char *start = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
        if (start > raw) munmap(raw, (size_t)(start - raw));
        const size_t tail = (size_t)(raw + size + HUGE_PAGE - (start + size));
        if (tail > 0) munmap(start + size, tail);
        madvise(start, size, MADV_HUGEPAGE); // advice only: without it, ordinary pages
        return start;
    }
#endif
    return calloc(1, bytes);
}

void cdz_zeroed_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes == 0) bytes = 1;
#if defined(__linux__)
    if (bytes >= HUGE_FROM) {
        munmap(p, mapped_size(bytes));
        return;
    }
#endif
    free(p);
}
