/* quant.h -- scalar quantisers for the digital link: uniform with clipping, Lloyd-Max.
 *
 * Part of channel/: the digital link (channel/digital.h) turns each real semantic
 * symbol into a b-bit index here before packing, and back after decoding.
 *
 *  - Uniform: 2^b cells of width D = 2*clip/2^b covering [-clip, clip]; inputs
 *    outside are clipped to the end cells; reconstruction at the cell midpoint,
 *    so levels are -clip + (i + 1/2) D (mid-rise, no level at 0).
 *  - Lloyd-Max (Lloyd 1957/1982, Max 1960): levels fitted to training data by
 *    Lloyd's iteration (thresholds at midpoints of neighbouring levels, levels at
 *    the centroids of their cells) starting from the data quantiles (i+1/2)/2^b,
 *    until the training MSE improves by less than a relative 1e-12 or 500 iterations.
 *    Cells that end up empty keep their previous level.
 * b is 1..16. Indices are uint32_t in [0, 2^b); index order follows level order.
 */
#ifndef CHAN_QUANT_H
#define CHAN_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum chan_quant_kind { CHAN_QUANT_UNIFORM = 0, CHAN_QUANT_LLOYDMAX } chan_quant_kind;

#define CHAN_QUANT_MAX_BITS 16

typedef struct chan_quant chan_quant;

/* bits in 1..16, clip > 0 and finite. */
chan_quant *chan_quant_create_uniform(unsigned bits, float clip, base_err *err);

/* bits in 1..16; train[n] finite values, n >= 1 (n >= 2^bits gives every cell data). */
chan_quant *chan_quant_create_lloydmax(unsigned bits, const float *train, size_t n, base_err *err);

void chan_quant_destroy(chan_quant *q);

unsigned chan_quant_bits(const chan_quant *q);
chan_quant_kind chan_quant_kind_of(const chan_quant *q);
/* Reconstruction level of index i < 2^bits. */
float chan_quant_level(const chan_quant *q, uint32_t i);

/* x[n] -> idx[n]. NaN is BASE_EINVAL (idx untouched from that element on); +-inf clip. */
base_status chan_quant_encode(const chan_quant *q, const float *x, uint32_t *idx, size_t n);
/* idx[n] -> y[n]; an index >= 2^bits is BASE_EINVAL. */
base_status chan_quant_decode(const chan_quant *q, const uint32_t *idx, float *y, size_t n);

#endif
