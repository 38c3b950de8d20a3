/* relative.c -- relative projection r(x) = [psi(x, a_k)]_k, batched with sgemm.
 *
 * See relative.h. All three psi share one product G = X A^T (N,K); cosine
 * uses pre-normalised anchors and rescales each row by 1/|x_i|, euclidean
 * turns G into distances with the precomputed |a_k|^2.
 */
#include "anchors/relative.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct anchor_relative {
    size_t k, d;
    anchor_psi psi;
    float *raw;   /* (K,d) anchors as given */
    float *basis; /* (K,d) what multiplies X: unit rows (cosine) or raw */
    float *sqn;   /* (K) |a_k|^2, euclidean only */
    float *mu;    /* (d) origin, cosine-centered only */
    float *mub;   /* (K) <mu, basis_k>, cosine-centered only */
};

static const char *const psi_names[ANCHOR_PSI_COUNT + 1] = {"cosine", "euclidean", "inner",
                                                            "cosine-centered", NULL};

const char *const *anchor_psi_names(void)
{
    return psi_names;
}

base_status anchor_psi_parse(const char *name, anchor_psi *psi, base_err *err)
{
    for (int i = 0; name && i < ANCHOR_PSI_COUNT; i++)
        if (strcmp(name, psi_names[i]) == 0) {
            *psi = (anchor_psi)i;
            return BASE_OK;
        }
    return base_err_set(err, BASE_EINVAL, NULL, 0,
                        "unknown anchors.psi '%s' (expected cosine, euclidean, inner or "
                        "cosine-centered)",
                        name ? name : "(null)");
}

const char *anchor_psi_name(anchor_psi psi)
{
    return (unsigned)psi < ANCHOR_PSI_COUNT ? psi_names[psi] : "?";
}

anchor_relative *anchor_relative_create(const float *anchors, size_t k, size_t d, anchor_psi psi,
                                        base_err *err)
{
    anchor_relative *q = NULL;
    if (k == 0) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "anchor count K must be > 0");
        return NULL;
    }
    if (d == 0 || !anchors) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "anchors must be a non-empty (K,d) array");
        return NULL;
    }
    if ((unsigned)psi >= ANCHOR_PSI_COUNT) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "unknown psi %d", (int)psi);
        return NULL;
    }
    for (size_t i = 0; i < k * d; i++)
        if (!isfinite(anchors[i])) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "anchor %zu, component %zu is not finite",
                         i / d, i % d);
            return NULL;
        }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->k = k;
    q->d = d;
    q->psi = psi;
    q->raw = malloc(k * d * sizeof *q->raw);
    q->basis = malloc(k * d * sizeof *q->basis);
    if (!q->raw || !q->basis) goto nomem;
    memcpy(q->raw, anchors, k * d * sizeof *q->raw);
    memcpy(q->basis, anchors, k * d * sizeof *q->basis);
    if (psi == ANCHOR_PSI_COSINE_CENTERED) {
        q->mu = malloc(d * sizeof *q->mu);
        q->mub = malloc(k * sizeof *q->mub);
        if (!q->mu || !q->mub) goto nomem;
        for (size_t c = 0; c < d; c++) {
            double s = 0;
            for (size_t j = 0; j < k; j++) s += anchors[j * d + c];
            q->mu[c] = (float)(s / (double)k);
        }
        for (size_t j = 0; j < k; j++)
            for (size_t c = 0; c < d; c++) q->basis[j * d + c] -= q->mu[c];
    }
    if (psi == ANCHOR_PSI_COSINE || psi == ANCHOR_PSI_COSINE_CENTERED) {
        for (size_t j = 0; j < k; j++) {
            float *a = q->basis + j * d;
            double s = 0;
            for (size_t c = 0; c < d; c++) s += (double)a[c] * a[c];
            if (!(s > 0)) {
                base_err_set(err, BASE_EINVAL, NULL, 0,
                             psi == ANCHOR_PSI_COSINE
                                 ? "anchor %zu is the zero vector: cosine psi is undefined for it"
                                 : "anchor %zu equals the anchors' mean: cosine-centered psi is "
                                   "undefined for it",
                             j);
                goto fail;
            }
            float inv = (float)(1.0 / sqrt(s));
            for (size_t c = 0; c < d; c++) a[c] *= inv;
            if (q->mub) {
                double mb = 0;
                for (size_t c = 0; c < d; c++) mb += (double)q->mu[c] * a[c];
                q->mub[j] = (float)mb;
            }
        }
    } else if (psi == ANCHOR_PSI_EUCLIDEAN) {
        q->sqn = malloc(k * sizeof *q->sqn);
        if (!q->sqn) goto nomem;
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            for (size_t c = 0; c < d; c++) s += (double)anchors[j * d + c] * anchors[j * d + c];
            q->sqn[j] = (float)s;
        }
    }
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory for %zu anchors of dimension %zu", k, d);
fail:
    anchor_relative_destroy(q);
    return NULL;
}

base_status anchor_relative_execute(const anchor_relative *q, const float *x, size_t n, float *r,
                                    base_err *err)
{
    if (!q) return base_err_set(err, BASE_EINVAL, NULL, 0, "relative projection is NULL");
    if (n == 0) return BASE_OK;
    if (!x || !r) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL frame or output buffer");
    const size_t k = q->k, d = q->d;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return base_err_set(err, BASE_EINVAL, NULL, 0, "frame %zu, component %zu is not finite",
                                i / d, i % d);
    /* G (N,K) = X (N,d) * B^T (d,K) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0f, x, (int)d,
                q->basis, (int)d, 0.0f, r, (int)k);
    if (q->psi == ANCHOR_PSI_INNER) return BASE_OK;
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * d;
        float *ri = r + i * k;
        double s = 0;
        if (q->mu) {
            /* <x - mu, b_k> = <x, b_k> - <mu, b_k>; |x - mu|^2 directly */
            for (size_t c = 0; c < d; c++) {
                double e = (double)xi[c] - q->mu[c];
                s += e * e;
            }
            for (size_t j = 0; j < k; j++) ri[j] -= q->mub[j];
        } else {
            for (size_t c = 0; c < d; c++) s += (double)xi[c] * xi[c];
        }
        if (q->psi == ANCHOR_PSI_COSINE || q->psi == ANCHOR_PSI_COSINE_CENTERED) {
            /* A zero frame has no direction: define its similarities as 0. */
            float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
            for (size_t j = 0; j < k; j++) ri[j] *= inv;
        } else {
            float xs = (float)s;
            for (size_t j = 0; j < k; j++) {
                float d2 = xs + q->sqn[j] - 2.0f * ri[j];
                ri[j] = d2 > 0 ? sqrtf(d2) : 0.0f; /* rounding can make d2 slightly < 0 */
            }
        }
    }
    return BASE_OK;
}

size_t anchor_relative_count(const anchor_relative *q)
{
    return q->k;
}
size_t anchor_relative_dim(const anchor_relative *q)
{
    return q->d;
}
anchor_psi anchor_relative_psi(const anchor_relative *q)
{
    return q->psi;
}
const float *anchor_relative_anchors(const anchor_relative *q)
{
    return q->raw;
}
const float *anchor_relative_origin(const anchor_relative *q)
{
    return q->mu;
}

void anchor_relative_destroy(anchor_relative *q)
{
    if (!q) return;
    free(q->raw);
    free(q->basis);
    free(q->sqn);
    free(q->mu);
    free(q->mub);
    free(q);
}
