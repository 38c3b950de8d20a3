/* metrics.h -- latent alignment metrics on N paired vectors.
 *
 * Where it sits: the simulator measures how well the transmitter's frames,
 * after an equalizer, line up with what the receiver's own encoder makes of
 * the same held-out audio (the /summary columns cosine, cka, jaccard, mrr,
 * foscttm). Row i of U (N,d1) and row i of V (N,d2) are the same frame seen
 * by the two spaces. Formulas (see docs/anchors.md and REFERENCES.md):
 *
 *   cosine   (1/N) sum_i cos(u_i, v_i); a zero vector has cosine 0 with anything.
 *   cka      linear CKA (Kornblith et al. 2019) on column-centred U, V:
 *            |V^T U|_F^2 / (|U^T U|_F |V^T V|_F). 0 when either is constant.
 *   jaccard  Jaccard@k: mean over i of |N_U(i) ∩ N_V(i)| / |N_U(i) ∪ N_V(i)|, where
 *            N_U(i) are the k nearest neighbours of u_i among the other rows of U by
 *            cosine similarity (ties: lower index), likewise N_V(i) in V.
 *   mrr      cross-space retrieval by cosine similarity S_ij = cos(u_i, v_j):
 *            rank_i = 1 + #{j != i : S_ij > S_ii} + #{j != i : S_ij == S_ii}/2,
 *            MRR = mean of 1/rank over both directions (u_i among V's rows by row i
 *            of S, v_i among U's rows by column i), i.e. over 2N queries.
 *   foscttm  mean of (rank - 1)/(N - 1) over the same 2N queries: the fraction of
 *            samples closer than the true match (Liu et al. 2019); 0 perfect,
 *            ~0.5 chance.
 *
 * Dimensions: cosine, mrr and foscttm compare vectors ACROSS the two spaces,
 * so they need d1 == d2 and are NaN otherwise. Spaces of different width are
 * compared by passing vectors that live in one space: either both agents'
 * relative representations (N,K) (anchor_relative_execute with each agent's own
 * anchors), or the equalized transmitter frames (anchor_equalizer_execute,
 * width d_rx) against the receiver's own frames. cka and jaccard compare
 * structure WITHIN each space and accept d1 != d2.
 *
 * These are one-shot analysis functions: they allocate their work (the N x N
 * similarity matrix, 4 N^2 bytes) and return BASE_ENOMEM if that fails.
 */
#ifndef ANCHOR_METRICS_H
#define ANCHOR_METRICS_H

#include <stddef.h>

#include "base/status.h"

typedef struct anchor_metrics {
    double cosine, cka, jaccard, mrr, foscttm; /* NaN where not defined (see above) */
} anchor_metrics;

/* Default neighbourhood size for Jaccard@k. */
#define ANCHOR_JACCARD_K 10

/* All five on U (N,d1), V (N,d2); knn is k of Jaccard@k (1 <= knn <= N-1).
 * Errors: N < 2, d1 or d2 == 0, NULL inputs, knn out of range, non-finite values
 * (BASE_EINVAL). A result NaN is not an error (dims differ). */
base_status anchor_metrics_compute(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                   size_t knn, anchor_metrics *out, base_err *err);

/* The single metrics (same arguments and errors). mean cosine is NaN when d1 != d2. */
base_status anchor_metric_cosine(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                 double *out, base_err *err);
base_status anchor_metric_cka(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                              double *out, base_err *err);
base_status anchor_metric_jaccard(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                  size_t knn, double *out, base_err *err);
/* MRR and FOSCTTM together (one N x N matrix); both NaN when d1 != d2. */
base_status anchor_metric_matching(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                   double *mrr, double *foscttm, base_err *err);

#endif
