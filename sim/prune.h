/* prune.h -- link.prune = blank for the semantic kind: the transmitter's
 * decision (its own CTC head on its own latents, codecs/prune.h), what the
 * positions cost on the link, and the receiver's fill vectors.
 *
 * Where it sits: sim/pipe_semantic.c creates one when a user has
 * link.prune = blank and calls it from small hooks: encode (decide, compact
 * the symbols to the kept frames, before packetising), transmit (the
 * positions' channel uses on the utterance's first packet) and decode (put the
 * fill at the pruned positions before the receiver's decoder or head).
 *
 * Positions: the run-length code of the mask (codecs/prune.h) is side
 * information sent once per utterance, protected like the digital link's
 * default (rate-1/2 code on QPSK: 1 bit per complex channel use) and assumed
 * received without error; its ceil(bits) channel uses are added to the first
 * packet's, on analog and digital links alike, so sym_per_s counts them.
 * Fill (receiver-only): the receiver's own encoder on one second of silence
 * (zeros at its sample rate), averaged over the latent frames: its "nothing
 * said" latent. With the relative head (equalizer.type = relative) the fill is
 * that latent's relative representation over the receiver's own anchors.
 * The decision is made on the transmitter's latents before equalisation;
 * the receiver knows the positions, so any equalizer works on the kept
 * frames (per-frame maps) or on the rebuilt sequence (the relative head).
 */
#ifndef SIM_PRUNE_H
#define SIM_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "anchors/relative.h"
#include "base/status.h"
#include "codecs/recognizer.h"
#include "sim/scenario.h"

typedef struct sim_prune sim_prune;

/* 1 when some user of cfg has link.prune = blank. */
int sim_prune_wanted(const sim_config *cfg);

/* The receiver's fill: rx (its agent and a work space) encodes silence; rel
 * (nullable) gives the relative fill. */
sim_prune *sim_prune_create(const sim_config *cfg, const codec_recognizer *rx,
                            codec_recognizer_ws *rx_ws, const anchor_relative *rel, base_err *err);
void sim_prune_destroy(sim_prune *p); /* NULL is a no-op */

/* Is user u pruning? */
int sim_prune_active(const sim_prune *p, size_t user);

/* Transmitter: its decoder (r, ws) on its latents z (t, d) -> keep[t];
 * returns the frames kept in *n_keep, the positions' channel uses in *uses and
 * the decoder FLOPs (2 x decoder parameters x t) in *flops. */
base_status sim_prune_decide(const sim_prune *p, size_t user, const codec_recognizer *r,
                             codec_recognizer_ws *ws, const float *z, size_t t, uint8_t *keep,
                             size_t *n_keep, size_t *uses, double *flops, base_err *err);

/* Compacts the symbols s (t, w) to the kept frames; with link.prune_fill =
 * prototype appends the mean of the pruned frames' symbols as one more row
 * (when any frame was pruned). Returns the rows appended (0 or 1). Out of
 * memory: no prototype (0). */
size_t sim_prune_compact(const sim_prune *p, size_t user, float *s, size_t t, size_t w,
                         const uint8_t *keep);

/* Receiver: x holds n_keep received rows of d (then the prototype row when
 * n_proto = 1), room for t; rebuilds the t rows with the prototype, or fill,
 * at the pruned positions. */
#define SIM_PRUNE_MAX_DIM 4096
base_status sim_prune_expand(const uint8_t *keep, size_t n_keep, size_t n_proto, size_t t,
                             const float *fill, float *x, size_t d, base_err *err);

/* The receiver's fill: a latent (d_rx) or a relative representation (K; NULL
 * without a relative head). */
const float *sim_prune_fill_latent(const sim_prune *p);
const float *sim_prune_fill_relative(const sim_prune *p);

#endif
