// A tiny persistent thread pool: one worker per extra core, pinned, spinning ~0.5 ms after
// each job before it sleeps on a condition variable.
//
// Why not Dispatch or a task group: their workers park, and waking one costs 5–35 µs, as
// much as a whole GEMV of one generated token (PERFORMANCE-FACTS, "Threads"). A spinning
// worker starts within a microsecond; pinning keeps it off the caller's core (unpinned,
// tails reached 0.5–5 ms); sleeping after the spin keeps an idle engine from stealing a core.
// The caller always takes share 0, so a 2-core machine has exactly one worker.
#if defined(__linux__)
#define _GNU_SOURCE // sched_getaffinity, pthread_setaffinity_np, CPU_SET
#endif
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>
#include "internal.h"

static const int64_t SPIN_NS = 500000; // spin this long after a job before sleeping

static struct {
    pthread_mutex_t busy; // held by the caller for a whole job; trylock → nesting runs alone
    int nworkers;
    _Atomic uint64_t generation; // bumped once per job
    _Atomic int pending;         // workers still running their share
    _Atomic int sleepers;
    pthread_mutex_t sleep_mu;
    pthread_cond_t sleep_cv;
    cdz_task_fn fn; // the job, written before `generation` is bumped
    void *ctx;
    int nt;
} pool = {
    .busy = PTHREAD_MUTEX_INITIALIZER,
    .sleep_mu = PTHREAD_MUTEX_INITIALIZER,
    .sleep_cv = PTHREAD_COND_INITIALIZER,
};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// One turn of a wait on another thread of the pool: pause, and once the wait has lasted
/// 65,536 turns, yield (the other thread may have been descheduled: let it run).
static inline void wait_turn(int i) {
    cpu_relax();
    if (i > (1 << 16)) sched_yield();
}

#if defined(__linux__)
static int cpu_count_and_nth(int n) { // n < 0: count the allowed CPUs; else the n-th's id
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return n < 0 ? 1 : -1;
    int seen = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &set)) continue;
        if (seen == n) return c;
        seen++;
    }
    return n < 0 ? CDZ_MAX(seen, 1) : -1;
}
#endif

int cdz_max_threads(void) {
    static _Atomic int cached = 0;
    int n = atomic_load_explicit(&cached, memory_order_relaxed);
    if (n == 0) {
#if defined(__linux__)
        n = cpu_count_and_nth(-1);
#else
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
#endif
        n = CDZ_MAX(1, CDZ_MIN(n, CDZ_POOL_MAX));
        atomic_store_explicit(&cached, n, memory_order_relaxed);
    }
    return n;
}

static void *worker_main(void *arg) {
    const int tid = (int)(intptr_t)arg; // 1 ... nworkers
    // 0, not the current value: the first job may be published before this thread runs.
    uint64_t seen = 0;
    for (;;) {
        // Wait for the next job: spin first, then sleep.
        int64_t deadline = now_ns() + SPIN_NS;
        uint64_t g;
        for (int i = 0;; i++) {
            g = atomic_load_explicit(&pool.generation, memory_order_acquire);
            if (g != seen) break;
            cpu_relax();
            if ((i & 255) == 255 && now_ns() > deadline) {
                pthread_mutex_lock(&pool.sleep_mu);
                atomic_fetch_add(&pool.sleepers, 1); // seq_cst: pairs with the bump in cdz_parallel
                while ((g = atomic_load(&pool.generation)) == seen)
                    pthread_cond_wait(&pool.sleep_cv, &pool.sleep_mu);
                atomic_fetch_sub(&pool.sleepers, 1);
                pthread_mutex_unlock(&pool.sleep_mu);
                break;
            }
        }
        seen = g;
        if (tid < pool.nt) {
            pool.fn(pool.ctx, tid, pool.nt);
            atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_release);
        }
    }
    return NULL;
}

static void pool_start(void) {
    const int n = cdz_max_threads() - 1;
    for (int w = 1; w <= n; w++) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&th, &attr, worker_main, (void *)(intptr_t)w) != 0) {
            pthread_attr_destroy(&attr);
            break;
        }
        pthread_attr_destroy(&attr);
#if defined(__linux__)
        // Worker w on the w-th allowed CPU; the caller (share 0) keeps the first free.
        const int cpu = cpu_count_and_nth(w);
        if (cpu >= 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            pthread_setaffinity_np(th, sizeof one, &one);
        }
#endif
        pool.nworkers = w;
    }
}

void cdz_parallel(int nt, cdz_task_fn fn, void *ctx) {
    if (nt > 1) {
        pthread_once(&pool_once, pool_start);
        nt = CDZ_MIN(nt, pool.nworkers + 1);
    }
    if (nt <= 1 || pthread_mutex_trylock(&pool.busy) != 0) {
        fn(ctx, 0, 1);
        return;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    pool.nt = nt;
    atomic_store_explicit(&pool.pending, nt - 1, memory_order_relaxed);
    atomic_fetch_add(&pool.generation, 1); // seq_cst: publishes the job, then read sleepers
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_mu);
        pthread_cond_broadcast(&pool.sleep_cv);
        pthread_mutex_unlock(&pool.sleep_mu);
    }
    fn(ctx, 0, nt);
    for (int i = 0; atomic_load_explicit(&pool.pending, memory_order_acquire) > 0; i++) wait_turn(i);
    pthread_mutex_unlock(&pool.busy);
}

void cdz_barrier_wait(cdz_barrier *b, int nt, int *phase) {
    if (nt <= 1) return;
    const int next = *phase + 1;
    *phase = next;
    // The last to arrive reopens the count before it releases the others, who may reach the
    // next barrier at once; acq_rel / release / acquire make every write before any thread's
    // arrival visible to every thread after it.
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == nt - 1) {
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&b->phase, next, memory_order_release);
        return;
    }
    for (int i = 0; atomic_load_explicit(&b->phase, memory_order_acquire) != next; i++) wait_turn(i);
}

int cdz_pick_threads(int threads, double work_ns) {
    const int max = cdz_max_threads();
    int n = threads <= 0 ? max : CDZ_MIN(threads, max);
    // A share shorter than ~10 µs is not worth the hand-off (≈1 µs to a spinning worker,
    // up to 35 µs to a sleeping one).
    const int by_work = (int)(work_ns / 10000.0);
    return CDZ_MAX(1, CDZ_MIN(n, by_work));
}
