/* kind.h -- the kind table: one row per `source.kind`, with everything the
 * runner needs to know about it.
 *
 * Where it sits: sim/pipeline.c dispatches through these rows (and nothing
 * else in sim/ names a kind); the rows point at the kinds' own files
 * (sim/kind_bits.c, sim/pipe_semantic.c, sim/pipe_codec.c), which include only
 * sim/kind_common.h for what they share. Adding a kind is one file pair and
 * one row in kind.c.
 *
 * A row's name is matched exactly, or, when it ends in '*' (a family such as
 * "opus-*"), by the prefix before the '*'; the names in table order are the
 * values `source.kind` may take (sim_kind_names).
 */
#ifndef SIM_KIND_H
#define SIM_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/resources.h"
#include "sim/scenario.h"

typedef struct sim_kind {
    const char *name; /* "semantic", "bits", ...; a family ends in '*' ("opus-*") */
    int counts_words; /* 1: speech in, words out (WER); 0: bits (BER) */
    int equalized;    /* 1: the transmitter's latents cross the anchor equalizer */
    /* Can this build run cfg (one resolved point of sc)? Errors name the key's file:line.
     * res: the run's resources, which keep the model files checked (sim_resources_check_agent:
     * each file loaded once per run, not once per point); NULL: load, check and free. */
    base_status (*check)(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                         base_err *err);
    /* Adds to res what every job of cfg shares (agents, lexicons); main thread. */
    base_status (*prepare)(const sim_config *cfg, sim_resources *res, base_err *err);
    /* One object per point x repeat (one worker owns it); res is read-only. */
    void *(*create)(const sim_config *cfg, uint64_t seed, const sim_resources *res, base_err *err);
    void (*ops)(void *k, sim_payload_ops *ops); /* the callbacks for sim_net_create */
    size_t (*available)(const void *k); /* utterances the source holds (SIZE_MAX: unlimited) */
    /* Point-level figures the kind knows (handshake symbols, alignment metrics). */
    void (*point_metrics)(const void *k, sim_point_metrics *m);
    void (*destroy)(void *k); /* NULL is a no-op */
    /* 1: the receiver's outcome is a transcript the link carried (semantic, text), which
     * rx.tts_voice may resynthesise (sim/s2s.h); 0: bits, or a codec that delivers speech */
    int transcript;
} sim_kind;

/* The row for source.kind = name, or NULL when no row matches. */
const sim_kind *sim_kind_find(const char *name);

/* The rows, in table order. */
size_t sim_kind_count(void);
const sim_kind *sim_kind_at(size_t i);

/* The row names in table order, NULL-terminated (source.kind's allowed values). */
const char *const *sim_kind_names(void);

#endif
