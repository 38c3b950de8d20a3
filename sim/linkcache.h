/* linkcache.h -- the run's anchor links (anchors/link.h), built once per
 * distinct key and shared by the jobs that need the same one: an SNR sweep's
 * points all use the link of their anchor and equalizer keys, their models
 * and their repeat's seed, which no SNR changes.
 *
 * Where it sits: owned by the run's resources (sim/resources.h) and shared by
 * every job of the run; sim/pipe_semantic.c acquires a pair's link under a
 * key naming everything the link depends on (anchor_link_config_key, and the
 * two model files) and says how to build one that is missing. The cache
 * never looks inside a key.
 *
 * Determinism: a link is built by the same code whether shared or not, from
 * inputs its key names, and is read-only once built (its equalizer, head and
 * projection are used through const pointers, any number of threads at once),
 * so results are bit-identical with sharing, without it and on any number of
 * threads or MPI ranks (each rank has its own cache).
 *
 * Threads: every call is safe from any number of threads. When several jobs
 * ask for the same missing key at once, one builds it and the others wait for
 * it. A failed build is not kept: a waiter then builds it itself and gets its
 * own error.
 *
 * Memory: a link in use is never freed. When the last user releases it, it
 * stays (idle) for later jobs; at most `keep` idle links are held, the least
 * recently released one is freed first, and a later job needing it builds it
 * again (the same link). So the cache holds at most (links in use: jobs in
 * flight x agent pairs) + keep links. A link with a relative head holds about
 * 5 MB (the head's decoder for B-sized receivers; 1.6 MB for smaller ones),
 * one without a head the anchors and the fitted maps (K x d floats, tens of
 * kB); so at most about (2 + 16) x 5 MB = 90 MB at -j 2 (docs/performance.md).
 */
#ifndef SIM_LINKCACHE_H
#define SIM_LINKCACHE_H

#include <stddef.h>

#include "anchors/link.h"
#include "base/status.h"

typedef struct sim_linkcache sim_linkcache;

/* Idle links a run keeps by default (scenario.cache_mb > 0): enough for a
 * sweep whose faster axes (anchors, equalizers, repeats) span up to this many
 * links around a slower SNR axis. */
#define SIM_LINKCACHE_KEEP 16

/* A cache keeping at most keep idle links (0: a link lives while some job
 * uses it: only jobs running at once share it). */
sim_linkcache *sim_linkcache_create(size_t keep, base_err *err);
/* Frees every link; none may be in use. NULL is a no-op. */
void sim_linkcache_destroy(sim_linkcache *c);

/* Raises keep when larger. Main thread, before workers. */
void sim_linkcache_grow_keep(sim_linkcache *c, size_t keep);

/* Builds a missing link (NULL with err filled on failure). */
typedef anchor_link *(*sim_linkcache_build_fn)(void *ctx, base_err *err);

/* The link of key, built by build(ctx) when missing; *link is valid until
 * sim_linkcache_release. c NULL: build is called directly and release frees
 * the link. Errors are build's (err filled), or BASE_ENOMEM. */
base_status sim_linkcache_acquire(sim_linkcache *c, const char *key, sim_linkcache_build_fn build,
                                  void *ctx, const anchor_link **link, base_err *err);
/* Gives back a link acquire handed out (NULL is a no-op). */
void sim_linkcache_release(sim_linkcache *c, const anchor_link *link);

/* Counters for tests, logs and the benchmarks. */
typedef struct sim_linkcache_stats {
    size_t held;      /* links held now (in use or idle) */
    size_t peak_held; /* the most held at once */
    size_t keep;      /* idle links kept at most */
    size_t builds;    /* links built (a failed build counts too) */
    size_t hits;      /* acquires served by a held link */
    size_t waits;     /* acquires that waited for another job's build */
    size_t evicted;   /* idle links freed to stay within keep */
} sim_linkcache_stats;
sim_linkcache_stats sim_linkcache_get_stats(sim_linkcache *c);

#endif
