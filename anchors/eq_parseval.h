/* eq_parseval.h -- the Parseval-frame semantic equalizer (equalizer.type = parseval),
 * fitted on anchor pairs with no training (zero-shot).
 *
 * Where it sits: one row of the equalizer table (anchors/equalizer.c); this
 * module holds its fit and its two halves. After Fiorellino et al. 2025
 * ("Frame-Based Zero-Shot Semantic Channel Equalization for AI-Native
 * Communications", arXiv:2507.17835) as compared by Pannacci et al. 2025
 * ("Semantic Channel Equalization Strategies for Deep Joint Source-Channel
 * Coding", arXiv:2510.04674, the zero-shot PFE aligner):
 *
 *   Each side turns its own K anchors A (K,d) into a Parseval frame: with the
 *   thin SVD A = U S V^T, the frame is F = U V^T (K,d) (its rows satisfy
 *   sum_k <x, f_k>^2 = |x|^2 on the anchors' span: the frame operator
 *   (A^T A)^{-1/2} applied to A, the canonical tight frame of the anchors).
 *   transmitter  c = F_tx x_tx (K frame coefficients), pre-whitened for the
 *                channel: y = L^{-1} (c - m), m and L L^T = C + lambda tr(C)/K I
 *                the mean and covariance of the anchors' own coefficients
 *                (Cholesky; lambda regularises C, which has rank < K over K
 *                points). K reals per frame cross the channel.
 *   receiver     c = L y + m, x_rx = s F_rx^T c, i.e. synthesis with the
 *                receiver's frame; s = |A_rx|_F / |A_tx|_F, the isotropic scale
 *                between the two anchor sets (an addition here: the papers'
 *                agents share a scale; a Parseval frame preserves norms, so
 *                without it the output keeps the transmitter's norm).
 *   Exact for x_rx = s x_tx R with R orthogonal when the anchors span
 *   (K >= d); singular values below 1e-9 s_max are dropped (the rest of U, V
 *   is arbitrary and would not be reproducible).
 *   Handshake: the receiver needs m and L from the transmitter, K + K(K+1)/2
 *   reals; the frames themselves each side builds from its own anchors.
 */
#ifndef ANCHOR_EQ_PARSEVAL_H
#define ANCHOR_EQ_PARSEVAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct anchor_eq_parseval anchor_eq_parseval;

/* Fit on A_tx (K,d_tx), A_rx (K,d_rx), finite, row-major; lambda >= 0 the
 * whitening's ridge relative to tr(C)/K (default 0.1). NULL with err filled on
 * bad arguments, all-zero anchors or a failed factorisation. */
anchor_eq_parseval *anchor_eq_parseval_create(const float *a_tx, const float *a_rx, size_t k,
                                              size_t d_tx, size_t d_rx, double lambda,
                                              base_err *err);
void anchor_eq_parseval_destroy(anchor_eq_parseval *p);

/* Transmitter: x_tx (N,d_tx) -> y (N,K). Allocates nothing. */
void anchor_eq_parseval_encode(const anchor_eq_parseval *p, const float *x_tx, size_t n, float *y);
/* Receiver: y (N,K), as received -> x_rx (N,d_rx). Allocates nothing. */
void anchor_eq_parseval_decode(const anchor_eq_parseval *p, const float *y, size_t n, float *x_rx);

/* Rank of the transmitter's frame (singular values kept). */
size_t anchor_eq_parseval_rank(const anchor_eq_parseval *p);
/* Reals the transmitter sends once: K + K(K+1)/2 (m and L). */
uint64_t anchor_eq_parseval_handshake(const anchor_eq_parseval *p);

#endif
