// Per-thread scratch buffers for packing: grown on demand, reused across calls, freed when
// the thread exits (pthread key destructor) or on cdz_release_workspace.
//
// Per thread because every thread of a parallel GEMM packs its own panels, and because
// callers on different threads must not share buffers. Sizes are bounded by the cache
// blocks (≈ 4 MiB for packed B), not by the matrices.
#include <pthread.h>
#include <stdlib.h>
#include "internal.h"

enum { SLOTS = 5 };
typedef struct {
    void *ptr[SLOTS];
    size_t cap[SLOTS];
} workspace;

static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void workspace_free(void *p) {
    workspace *ws = p;
    if (!ws) return;
    for (int i = 0; i < SLOTS; i++) free(ws->ptr[i]);
    free(ws);
}

static void key_make(void) { pthread_key_create(&key, workspace_free); }

void *cdz_workspace(int slot, size_t bytes) {
    pthread_once(&key_once, key_make);
    workspace *ws = pthread_getspecific(key);
    if (!ws) {
        ws = calloc(1, sizeof *ws);
        if (!ws) return NULL;
        pthread_setspecific(key, ws);
    }
    if (ws->cap[slot] < bytes) {
        free(ws->ptr[slot]);
        const size_t cap = (bytes + 4095) & ~(size_t)4095; // aligned_alloc: multiple of 64
        ws->ptr[slot] = aligned_alloc(64, cap);
        ws->cap[slot] = ws->ptr[slot] ? cap : 0;
    }
    return ws->ptr[slot];
}

void cdz_release_workspace(void) {
    pthread_once(&key_once, key_make);
    workspace *ws = pthread_getspecific(key);
    pthread_setspecific(key, NULL);
    workspace_free(ws);
}
