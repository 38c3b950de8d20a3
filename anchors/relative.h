/* relative.h -- relative projection of latent frames onto K anchors.
 *
 * Where it sits: anchors/ turns an agent's absolute latents (its encoder
 * output, one vector per frame) into the relative representation that crosses
 * the channel (Hüttebräucker et al. 2024; Moschella et al., ICLR 2023, eq. 1):
 *
 *     r(x) = [ psi(x, a_1), ..., psi(x, a_K) ]          (K real symbols per frame)
 *
 * with the agent's own anchor latents a_k (built by anchors/select.h). The
 * projection is batched over frames: X (N,d) and A (K,d) give R (N,K) with
 * one cblas_sgemm. See docs/anchors.md.
 *
 * psi:
 *   cosine     r_ik = <x_i, a_k> / (|x_i| |a_k|)   (no centring, no softmax; a zero
 *                                                    frame x_i gives r_i = 0)
 *   euclidean  r_ik = |x_i - a_k|_2                 (via |x|^2 + |a|^2 - 2<x,a>, clamped >= 0)
 *   inner      r_ik = <x_i, a_k>
 *   cosine-centered
 *              r_ik = <x_i - m, a_k - m> / (|x_i - m| |a_k - m|), m = the mean of
 *              the K anchors: cosine after moving the origin to the anchors'
 *              centroid, so that r is also unchanged by a translation of the
 *              latent space (an encoder's output bias), not only by rotation and
 *              scaling. Each side centres with its own anchors: nothing more is sent.
 */
#ifndef ANCHOR_RELATIVE_H
#define ANCHOR_RELATIVE_H

#include <stddef.h>

#include "base/status.h"

typedef enum anchor_psi {
    ANCHOR_PSI_COSINE = 0,
    ANCHOR_PSI_EUCLIDEAN,
    ANCHOR_PSI_INNER,
    ANCHOR_PSI_COSINE_CENTERED,
} anchor_psi;

#define ANCHOR_PSI_COUNT 4

/* "cosine" | "euclidean" | "inner" | "cosine-centered" -> psi. BASE_EINVAL (message lists the
 * choices) otherwise. */
base_status anchor_psi_parse(const char *name, anchor_psi *psi, base_err *err);
/* Scenario spelling of psi ("cosine", ...); "?" for an unknown value. */
const char *anchor_psi_name(anchor_psi psi);
/* Every anchors.psi, NULL-terminated, in enum order: the scenario key's allowed values. */
const char *const *anchor_psi_names(void);

typedef struct anchor_relative anchor_relative;

/* Copies the anchors A (K,d), row-major, and precomputes what psi needs
 * (unit-norm rows for cosine, squared norms for euclidean).
 * Errors (NULL returned, err filled): K == 0, d == 0, A NULL, a non-finite
 * entry, unknown psi, a zero anchor with cosine psi (its direction is undefined). */
anchor_relative *anchor_relative_create(const float *anchors, size_t k, size_t d, anchor_psi psi,
                                        base_err *err);

/* R (N,K) = psi(X (N,d), A). Allocates nothing; thread-safe on one object.
 * BASE_EINVAL when X or R is NULL (with N > 0) or X holds a non-finite value
 * (R is then left unspecified). N == 0 is a no-op. */
base_status anchor_relative_execute(const anchor_relative *q, const float *x, size_t n, float *r,
                                    base_err *err);

size_t anchor_relative_count(const anchor_relative *q); /* K */
size_t anchor_relative_dim(const anchor_relative *q);   /* d */
anchor_psi anchor_relative_psi(const anchor_relative *q);
/* The anchors as given to create (K,d). */
const float *anchor_relative_anchors(const anchor_relative *q);
/* The origin psi measures from (d): the anchors' mean for cosine-centered, NULL otherwise. */
const float *anchor_relative_origin(const anchor_relative *q);

void anchor_relative_destroy(anchor_relative *q);

#endif
