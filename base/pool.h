/* pool.h -- the one worker pool: run fn(ctx, worker, item) for every item of
 * [0, n) on up to n_workers threads, items claimed one at a time from an
 * atomic counter (a slow item never idles the others).
 *
 * Determinism is the caller's: a worker must write only to item-indexed
 * output or to its own worker-indexed scratch, so results do not depend on
 * which thread ran which item. Threads that cannot be started are simply not
 * used (at worst the calling thread runs every item).
 *
 *   base_pool_run(jobs, n, fn, ctx);         blocking; the caller is worker 0
 *   base_pool *p = base_pool_start(...);     in the background (all workers
 *   ... base_pool_join(p);                   are new threads), then wait
 */
#ifndef BASE_POOL_H
#define BASE_POOL_H

#include <stddef.h>

#include "base/status.h"

/* worker in [0, workers used); item in [0, n). */
typedef void (*base_pool_fn)(void *ctx, int worker, size_t item);

/* Runs every item, the calling thread taking part as worker 0; returns when
 * all are done. Returns the number of workers that ran (>= 1). */
int base_pool_run(int n_workers, size_t n, base_pool_fn fn, void *ctx);

typedef struct base_pool base_pool;

/* Starts min(n_workers, n) background threads over the items; NULL and err
 * when not even one thread starts (or out of memory). */
base_pool *base_pool_start(int n_workers, size_t n, base_pool_fn fn, void *ctx, base_err *err);

/* Waits for every item to finish and frees p (NULL: no-op). */
void base_pool_join(base_pool *p);

#endif
