/* ucache.h -- the run's cache of per-utterance work that no sweep point
 * changes: an agent's encoding of an utterance's audio (the transmitter's
 * latents, the receiver's own reference encoding, the anchor corpus'
 * encodings) and the transmitter's own recognition of it (wer_tx_own).
 *
 * Where it sits: owned by the run's resources (sim/resources.h), created on
 * the main thread before the workers start and shared by every job of the
 * run; sim/pipe_semantic.c asks it for values and says how to compute one
 * that is missing. A value is an opaque byte string under a string key that
 * must name everything the value depends on (model file, audio path, source
 * settings fingerprint, decoder settings): the cache never looks inside.
 *
 * Determinism: a value is computed by the same code whether it is cached or
 * not, so results are bit-identical with the cache, without it (budget 0)
 * and on any number of threads.
 *
 * Threads: every call is safe from any number of threads. When several
 * workers ask for the same missing key at once, one computes it and the
 * others wait for its value (so the work is done once).
 *
 * Memory: values are kept until the cache is destroyed, while their bytes
 * (plus keys and bookkeeping) stay within the budget; a value that does not
 * fit is computed, handed out and not kept. Nothing is ever evicted, so what
 * a caller got never changes.
 */
#ifndef SIM_UCACHE_H
#define SIM_UCACHE_H

#include <stddef.h>

#include "base/status.h"

typedef struct sim_ucache sim_ucache;

/* Default memory budget (scenario.cache_mb), MiB. */
#define SIM_UCACHE_DEFAULT_MB 256

/* A cache holding at most budget_bytes (0: keeps nothing, every get computes). */
sim_ucache *sim_ucache_create(size_t budget_bytes, base_err *err);
void sim_ucache_destroy(sim_ucache *c); /* NULL is a no-op */

/* Raises the budget to budget_bytes when larger (the run's points may name
 * different scenario.cache_mb: the largest wins). Main thread, before workers. */
void sim_ucache_grow_budget(sim_ucache *c, size_t budget_bytes);

/* Computes a missing value: *val (malloc'd, taken over by the cache) of *bytes
 * bytes; an error leaves nothing behind. */
typedef base_status (*sim_ucache_fill_fn)(void *ctx, void **val, size_t *bytes, base_err *err);

/* The value of key, computed by fill(ctx) when missing: *val is a malloc'd
 * copy of *bytes bytes the caller frees. c NULL: fill is called directly.
 * Errors are fill's (a waiter on a failed fill computes it itself and gets
 * its own error), or BASE_ENOMEM. */
base_status sim_ucache_get(sim_ucache *c, const char *key, sim_ucache_fill_fn fill, void *ctx,
                           void **val, size_t *bytes, base_err *err);

/* Counters for tests, logs and the benchmarks. */
typedef struct sim_ucache_stats {
    size_t entries, bytes, budget;
    size_t hits, misses, waits, not_kept;
} sim_ucache_stats;
sim_ucache_stats sim_ucache_get_stats(sim_ucache *c);

#endif
