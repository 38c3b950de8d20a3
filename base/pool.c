/* pool.c -- the worker pool. See pool.h. */
#include "base/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef struct shared {
    atomic_size_t next;
    size_t n;
    base_pool_fn fn;
    void *ctx;
} shared;

typedef struct slot {
    shared *sh;
    int worker;
} slot;

struct base_pool {
    shared sh;
    int n_threads;
    pthread_t *th;
    slot *slots;
};

static void *worker_main(void *arg)
{
    slot *s = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&s->sh->next, 1);
        if (i >= s->sh->n) break;
        s->sh->fn(s->sh->ctx, s->worker, i);
    }
    return NULL;
}

/* Starts threads for workers [first, want); returns how many started (they
 * take consecutive worker numbers from first). */
static int start_threads(pthread_t *th, slot *slots, shared *sh, int first, int want)
{
    int k = first;
    for (; k < want; k++) {
        slots[k] = (slot){sh, k};
        if (pthread_create(&th[k], NULL, worker_main, &slots[k]) != 0) break;
    }
    return k - first;
}

static int clamp_workers(int n_workers, size_t n)
{
    if (n_workers < 1) n_workers = 1;
    if ((size_t)n_workers > n) n_workers = n ? (int)n : 1;
    return n_workers;
}

int base_pool_run(int n_workers, size_t n, base_pool_fn fn, void *ctx)
{
    shared sh = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&sh.next, 0);
    int nw = clamp_workers(n_workers, n);
    pthread_t *th = nw > 1 ? calloc((size_t)nw, sizeof *th) : NULL;
    slot *slots = nw > 1 ? calloc((size_t)nw, sizeof *slots) : NULL;
    int started = th && slots ? start_threads(th, slots, &sh, 1, nw) : 0;
    slot self = {&sh, 0};
    worker_main(&self);
    for (int k = 1; k <= started; k++) pthread_join(th[k], NULL);
    free(th);
    free(slots);
    return started + 1;
}

base_pool *base_pool_start(int n_workers, size_t n, base_pool_fn fn, void *ctx, base_err *err)
{
    base_pool *p = calloc(1, sizeof *p);
    int nw = clamp_workers(n_workers, n);
    if (!p || !(p->th = calloc((size_t)nw, sizeof *p->th)) ||
        !(p->slots = calloc((size_t)nw, sizeof *p->slots))) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    p->sh = (shared){.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&p->sh.next, 0);
    p->n_threads = start_threads(p->th, p->slots, &p->sh, 0, nw);
    if (p->n_threads > 0) return p;
    base_err_set(err, BASE_EINTERNAL, NULL, 0, "cannot start worker threads");
fail:
    if (p) free(p->th), free(p->slots);
    free(p);
    return NULL;
}

void base_pool_join(base_pool *p)
{
    if (!p) return;
    for (int k = 0; k < p->n_threads; k++) pthread_join(p->th[k], NULL);
    free(p->th);
    free(p->slots);
    free(p);
}
