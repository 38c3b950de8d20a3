/* interleaver.h -- block (row/column) bit interleaver for the digital link.
 *
 * Part of channel/: the digital link interleaves each packet's coded bits before
 * modulation so that a burst of bad symbols (a fade, a 16-QAM symbol error) reaches
 * the decoder as scattered errors. Bits are written row by row into a grid of
 * `depth` rows and ceil(len/depth) columns and read column by column; the last row
 * may be short, and empty cells are skipped, so any length works. Positions that are
 * adjacent at the input are `depth` apart at the output (depth - 1 where they straddle
 * the short last row's end).
 * depth 1 and depth >= len are the identity.
 */
#ifndef CHAN_INTERLEAVER_H
#define CHAN_INTERLEAVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct chan_interleaver chan_interleaver;

/* len >= 1 elements, depth >= 1 rows. */
chan_interleaver *chan_interleaver_create(size_t len, size_t depth, base_err *err);
void chan_interleaver_destroy(chan_interleaver *q);
size_t chan_interleaver_len(const chan_interleaver *q);

/* out[k] = in[perm[k]]; in and out hold len bytes and must not alias. */
void chan_interleaver_forward(const chan_interleaver *q, const uint8_t *in, uint8_t *out);
/* Inverse of forward: out[perm[k]] = in[k]. */
void chan_interleaver_inverse(const chan_interleaver *q, const uint8_t *in, uint8_t *out);

#endif
