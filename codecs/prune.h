/* prune.h -- CTC blank-frame pruning (link.prune = blank): which latent frames
 * a transmitter sends, how their positions are coded, and how a receiver
 * rebuilds the full-length sequence.
 *
 * Where it sits: sim/pipe_semantic.c's transmitter decides with its own CTC
 * head (codec_prune_mask on its own log-probabilities), sends only the kept
 * frames and the run-length code of the mask (codec_prune_rle_*: its bits are
 * counted as channel symbols by sim/ -- see sim/pipe_semantic.h); the
 * receiver puts its own fill vector at the pruned positions
 * (codec_prune_expand) before its decoder reads the sequence.
 *
 * Mask: latent frame i (its `up` CTC rows, up = the agent's CTC frames per
 * latent frame) is pruned when every one of its rows gives the blank a
 * posterior >= threshold. At least one frame is kept (the one with the
 * lowest blank posterior when all would go), so a packet always exists.
 *
 * Run-length code of a mask of t frames (MSB first):
 *   gamma(t + 1), then the run lengths r of alternating runs, starting with a
 *   run of pruned frames (which may be empty), each as gamma(r + 1), until the
 *   runs cover t frames; gamma(n) is Elias gamma: floor(log2 n) zeros, then n
 *   in binary (2 floor(log2 n) + 1 bits).
 */
#ifndef CODEC_PRUNE_H
#define CODEC_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* keep[t] from log-probabilities logp (t * up, v), blank index blank; returns
 * the frames kept (>= 1 when t >= 1). threshold in [0, 1]; above 1 keeps all. */
size_t codec_prune_mask(const float *logp, size_t t, size_t up, size_t v, int blank,
                        double threshold, uint8_t *keep);

/* Bits of the run-length code of keep[t]. */
size_t codec_prune_rle_bits(const uint8_t *keep, size_t t);

/* Writes the code (one bit per byte) into bits[cap]; returns its length, or 0
 * when cap is too small. */
size_t codec_prune_rle_encode(const uint8_t *keep, size_t t, uint8_t *bits, size_t cap);

/* Reads a code of nbits bits: *t frames into keep[cap]. BASE_EFORMAT for a
 * malformed or truncated code, BASE_ERANGE when t > cap. */
base_status codec_prune_rle_decode(const uint8_t *bits, size_t nbits, uint8_t *keep, size_t cap,
                                   size_t *t, base_err *err);

/* out (t, d) = the n_keep rows of in (n_keep, d) at the positions keep marks,
 * fill (d) elsewhere. in and out may be the same buffer (rows move backwards).
 * BASE_EINVAL when keep marks a number of frames other than n_keep. */
base_status codec_prune_expand(const float *in, size_t n_keep, size_t d, const uint8_t *keep,
                               size_t t, const float *fill, float *out, base_err *err);

/* Moves the rows of x (t, d) that keep marks to the front, in order; returns
 * how many. */
size_t codec_prune_compact(float *x, size_t t, size_t d, const uint8_t *keep);

#endif
