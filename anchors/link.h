/* link.h -- the anchor link: everything the two agents set up once, before any
 * utterance, so that the receiver can read the transmitter's symbols.
 *
 * Where it sits: between the two agents of a semantic link, built once per
 * point by the simulator (sim/pipe_semantic.c fills the config from the
 * scenario and hands both agents in as callbacks). In order, create:
 *   1. reads the anchor corpus (config.manifest) and takes config.utterances
 *      of it, evenly spaced;
 *   2. has both agents encode them (side.encode). Index selections (random,
 *      fps, kmeans): the receiver's frames are resampled to the transmitter's
 *      count, so index i means the same instant on both sides. class: each
 *      agent keeps its own frames and labels them itself by CTC forced
 *      alignment with its own decoder (side.logp); nothing is exchanged;
 *   3. selects K anchors on the transmitter's frames (anchors/select.h, RNG
 *      stream (seed, 0, "sim.anchors.select")); each side builds its anchors;
 *   4. for an equalizer that needs a head, gets the receiver's relative head
 *      (anchors/relhead.h: trained on the receiver's own latents of
 *      config.train_manifest, or found in config.cache);
 *   5. fits the equalizer (anchors/equalizer.h) and counts the handshake.
 * The link then owns the equalizer, the head and the receiver's relative
 * projection, which the simulator reads through the accessors below.
 *
 * Handshake, in complex symbols, once per link: the anchor set's index bits
 * at 2 bits per symbol (uncoded QPSK), plus the equalizer's real values two
 * per symbol (analog pairing): bits/2 + anchor_equalizer_handshake_symbols/2.
 * See docs/anchors.md.
 */
#ifndef ANCHOR_LINK_H
#define ANCHOR_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "anchors/equalizer.h"
#include "anchors/relative.h"
#include "anchors/relhead.h"
#include "base/status.h"
#include "codecs/agent.h"

/* One agent as the link sees it. The callbacks run in create only, on the
 * caller's thread; ctx is the caller's. */
typedef struct anchor_link_side {
    size_t dim;               /* latent width d of the agent's encoder */
    const codec_agent *agent; /* the agent: its decoder's CTC frames per latent frame
                               * (selection class) and, receiver, the relative head's start */
    void *ctx;
    /* The agent's latents of the audio file at path: *z malloc'd (*t, dim), *t > 0. */
    base_status (*encode)(void *ctx, const char *path, float **z, int *t, base_err *err);
    /* The agent's CTC log-probabilities of its latents z (t, dim):
     * (t * upsample, CODEC_VOCAB_SIZE), valid until the next call. Only selection
     * class calls it (NULL otherwise allowed). */
    base_status (*logp)(void *ctx, const float *z, int t, const float **logp, base_err *err);
} anchor_link_side;

/* The scenario's anchors.* and equalizer.* keys, as the link needs them.
 * Strings are borrowed for the call. */
typedef struct anchor_link_config {
    const char *equalizer;        /* equalizer.type: a row of the table with uses_anchors */
    const char *selection;        /* anchors.selection: anchor_selection_names() */
    const char *psi;              /* anchors.psi: anchor_psi_names() */
    int64_t count;                /* anchors.count K (class: 0 = every character present) */
    int64_t members;              /* anchors.members */
    int64_t utterances;           /* anchors.utterances taken from the corpus */
    const char *manifest;         /* anchors.manifest: the anchor corpus */
    double ridge_lambda;          /* equalizer.ridge_lambda */
    const char *train_manifest;   /* needs_head: equalizer.train_manifest */
    int64_t train_utterances;     /* needs_head: utterances taken from it */
    int64_t head_steps;           /* needs_head: training steps */
    double head_noise;            /* needs_head: training noise */
    const char *head_pool;        /* needs_head: equalizer.head_pool, the list file naming the pool
                                   * (its name enters the key; NULL or "": no pool) */
    const anchor_link_side *pool; /* needs_head: the pool's encoders (anchor_relhead_pool_member):
                                   * they encode the anchor corpus and the head's training
                                   * utterances like the receiver; index selections only */
    size_t n_pool;
    const char *head_snr_db; /* needs_head: equalizer.head_snr_db, "none" (or NULL, ""), a
                              * number or a range a:b (anchor_relhead_snr_parse) */
    int64_t packet_frames;   /* needs_head with head_snr_db: frames per analog packet */
    int64_t mlp_hidden;      /* mlp: hidden units (<= 0: the default) */
    int64_t mlp_epochs;      /* mlp: fit steps (<= 0: the default) */
    const char *cache;       /* needs_head: head cache folder ("" or NULL: semsim-cache) */
    uint64_t seed;           /* scenario seed */
    const char *rx_model;    /* needs_head: the receiver's model file (its bytes key the
                              * head; NULL or "": the agent's weights only) */
} anchor_link_config;

/* Checks that need no model, before anything is loaded. On an error, *key
 * (when key != NULL) names the scenario key to locate it at (NULL when the
 * error carries its own file, e.g. a manifest's): an unknown name; K < 1 for
 * an anchor-based equalizer (0 only with selection class); class with K >
 * CODEC_VOCAB_SIZE - 1; a head with K > ANCHOR_RELHEAD_MAX_K; an unreadable
 * anchors.manifest or (needs_head) train_manifest, when set. */
base_status anchor_link_config_check(const anchor_link_config *cfg, const char **key,
                                     base_err *err);

/* A string naming every field of cfg (malloc'd; NULL when out of memory):
 * two configurations build the same link from the same two agents and anchor
 * corpus exactly when their keys are equal. For callers that keep links per
 * run (sim/linkcache.h); the caller adds what the config does not hold (the
 * transmitter's model). A field added to anchor_link_config goes in here. */
char *anchor_link_config_key(const anchor_link_config *cfg);

typedef struct anchor_link anchor_link;

/* Builds the link (steps 1-5 above). Errors (NULL, err filled): an equalizer
 * without uses_anchors; no or an unreadable manifest; a callback's error; class
 * with more anchors than the corpus aligns to, or a class the receiver's
 * alignment lacks; the head's and the equalizer's own errors. Concurrent
 * creates that need the same head train it once (a lock around the head cache). */
anchor_link *anchor_link_create(const anchor_link_config *cfg, const anchor_link_side *tx,
                                const anchor_link_side *rx, base_err *err);

/* The fitted equalizer (owned by the link). */
const anchor_equalizer *anchor_link_equalizer(const anchor_link *l);
/* The equalizer's table row. */
const anchor_eq_info *anchor_link_info(const anchor_link *l);
/* The receiver's relative head, or NULL when the equalizer needs none. */
const anchor_relhead *anchor_link_head(const anchor_link *l);
/* The receiver's relative projection psi(., A_rx) (for the alignment figures
 * in relative space), or NULL when the equalizer needs no head. */
const anchor_relative *anchor_link_relative_rx(const anchor_link *l);
size_t anchor_link_k(const anchor_link *l); /* K */
/* Real symbols per frame on the channel (anchor_equalizer_symbols_per_frame). */
size_t anchor_link_symbols_per_frame(const anchor_link *l);
/* The once-only exchange, in complex symbols (see above). */
double anchor_link_handshake_symbols(const anchor_link *l);

void anchor_link_destroy(anchor_link *l);

#endif
