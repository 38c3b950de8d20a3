/* eq_parseval.c -- the Parseval-frame equalizer: each side's canonical tight
 * frame of its anchors, the transmitter's pre-whitening, the receiver's
 * synthesis (see eq_parseval.h). The fit runs in double through LAPACKE (SVD,
 * Cholesky); encode and decode are sgemm/strsm/strmm on fixed stack blocks. */
#include "anchors/eq_parseval.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct anchor_eq_parseval {
    size_t k, d_tx, d_rx, rank;
    float *f_tx; /* (K,d_tx) the transmitter's Parseval frame */
    float *f_rx; /* (K,d_rx) the receiver's, times the scale s */
    float *mean; /* (K) mean coefficient over the anchors */
    float *chol; /* (K,K) lower Cholesky factor L of the regularised covariance */
};

/* Stack block of the decode: rows of K coefficients. */
enum { PF_BLOCK = 8192 };

/* F (K,d) = sum_{s_j > 1e-9 s_max} u_j v_j^T of the thin SVD of a (K,d); returns
 * the rank kept (0 on a LAPACK failure, with *ok = 0). */
static size_t parseval_frame(const float *a, size_t k, size_t d, float *f, int *ok)
{
    size_t r = k < d ? k : d, kept = 0;
    double *m = malloc(k * d * sizeof *m), *u = malloc(k * r * sizeof *u);
    double *s = malloc(r * sizeof *s), *vt = malloc(r * d * sizeof *vt);
    double *sup = malloc((r > 1 ? r - 1 : 1) * sizeof *sup);
    *ok = 0;
    if (!m || !u || !s || !vt || !sup) goto out;
    for (size_t i = 0; i < k * d; i++) m[i] = a[i];
    if (LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', (lapack_int)k, (lapack_int)d, m, (lapack_int)d,
                       s, u, (lapack_int)r, vt, (lapack_int)d, sup) != 0)
        goto out;
    while (kept < r && s[kept] > 1e-9 * s[0]) kept++;
    for (size_t i = 0; i < k; i++)
        for (size_t c = 0; c < d; c++) {
            double acc = 0;
            for (size_t j = 0; j < kept; j++) acc += u[i * r + j] * vt[j * d + c];
            f[i * d + c] = (float)acc;
        }
    *ok = 1;
out:
    free(m), free(u), free(s), free(vt), free(sup);
    return kept;
}

/* m (K) and L (K,K): the anchors' own coefficients F_tx a_k, their mean and
 * the Cholesky factor of their covariance plus lambda tr(C)/K I. */
static base_status whitening(anchor_eq_parseval *p, const float *a_tx, double lambda, base_err *err)
{
    const size_t k = p->k, d = p->d_tx;
    double *c = malloc(k * k * sizeof *c), *cov = calloc(k * k, sizeof *cov);
    double *mu = calloc(k, sizeof *mu);
    base_status st = BASE_ENOMEM;
    if (!c || !cov || !mu) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < k; i++) /* coefficients of anchor i */
        for (size_t j = 0; j < k; j++) {
            double acc = 0;
            for (size_t e = 0; e < d; e++) acc += (double)a_tx[i * d + e] * p->f_tx[j * d + e];
            c[i * k + j] = acc;
            mu[j] += acc / (double)k;
        }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) c[i * k + j] -= mu[j];
    double tr = 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b <= a; b++) {
            double acc = 0;
            for (size_t i = 0; i < k; i++) acc += c[i * k + a] * c[i * k + b];
            cov[a * k + b] = cov[b * k + a] = acc / (double)k;
        }
    for (size_t a = 0; a < k; a++) tr += cov[a * k + a];
    double ridge = lambda * tr / (double)k;
    if (!(ridge > 0)) ridge = 1e-9 * (tr > 0 ? tr / (double)k : 1.0); /* keep it definite */
    for (size_t a = 0; a < k; a++) cov[a * k + a] += ridge;
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)k, cov, (lapack_int)k);
    if (info != 0) {
        st = base_err_set(err, BASE_EINTERNAL, NULL, 0,
                          "parseval: whitening factorisation failed (dpotrf info %d)", (int)info);
        goto out;
    }
    for (size_t a = 0; a < k; a++) {
        p->mean[a] = (float)mu[a];
        for (size_t b = 0; b < k; b++) p->chol[a * k + b] = b <= a ? (float)cov[a * k + b] : 0.0f;
    }
    st = BASE_OK;
out:
    free(c), free(cov), free(mu);
    return st;
}

static double frobenius(const float *a, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * a[i];
    return sqrt(s);
}

anchor_eq_parseval *anchor_eq_parseval_create(const float *a_tx, const float *a_rx, size_t k,
                                              size_t d_tx, size_t d_rx, double lambda,
                                              base_err *err)
{
    if (!a_tx || !a_rx || k == 0 || d_tx == 0 || d_rx == 0 || !(lambda >= 0) || !isfinite(lambda)) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "parseval: needs anchors A_tx (K,d_tx), A_rx (K,d_rx) and lambda >= 0");
        return NULL;
    }
    if (k > PF_BLOCK) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "parseval: K = %zu exceeds %d", k, PF_BLOCK);
        return NULL;
    }
    double nt = frobenius(a_tx, k * d_tx), nr = frobenius(a_rx, k * d_rx);
    if (!(nt > 0) || !(nr > 0)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "parseval: an anchor set is all zeros");
        return NULL;
    }
    anchor_eq_parseval *p = calloc(1, sizeof *p);
    if (!p) goto nomem;
    p->k = k, p->d_tx = d_tx, p->d_rx = d_rx;
    p->f_tx = malloc(k * d_tx * sizeof *p->f_tx);
    p->f_rx = malloc(k * d_rx * sizeof *p->f_rx);
    p->mean = malloc(k * sizeof *p->mean);
    p->chol = malloc(k * k * sizeof *p->chol);
    if (!p->f_tx || !p->f_rx || !p->mean || !p->chol) goto nomem;
    int ok1, ok2;
    p->rank = parseval_frame(a_tx, k, d_tx, p->f_tx, &ok1);
    parseval_frame(a_rx, k, d_rx, p->f_rx, &ok2);
    if (!ok1 || !ok2) {
        base_err_set(err, BASE_EINTERNAL, NULL, 0, "parseval: SVD of the anchors failed");
        goto fail;
    }
    const float s = (float)(nr / nt);
    for (size_t i = 0; i < k * d_rx; i++) p->f_rx[i] *= s;
    if (whitening(p, a_tx, lambda, err) != BASE_OK) goto fail;
    return p;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    anchor_eq_parseval_destroy(p);
    return NULL;
}

void anchor_eq_parseval_destroy(anchor_eq_parseval *p)
{
    if (!p) return;
    free(p->f_tx), free(p->f_rx), free(p->mean), free(p->chol);
    free(p);
}

void anchor_eq_parseval_encode(const anchor_eq_parseval *p, const float *x_tx, size_t n, float *y)
{
    const int k = (int)p->k;
    if (n == 0) return;
    /* c = x F_tx^T - m, then y = c L^{-T} (each row: L y^T = c^T) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, k, (int)p->d_tx, 1.0f, x_tx,
                (int)p->d_tx, p->f_tx, (int)p->d_tx, 0.0f, y, k);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < k; j++) y[i * (size_t)k + (size_t)j] -= p->mean[j];
    cblas_strsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, k, 1.0f,
                p->chol, k, y, k);
}

void anchor_eq_parseval_decode(const anchor_eq_parseval *p, const float *y, size_t n, float *x_rx)
{
    float c[PF_BLOCK];
    const size_t k = p->k, rows = PF_BLOCK / k;
    for (size_t i0 = 0; i0 < n; i0 += rows) {
        size_t b = n - i0 < rows ? n - i0 : rows;
        memcpy(c, y + i0 * k, b * k * sizeof *c);
        /* c = y L^T + m, then x = c (s F_rx) */
        cblas_strmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)b, (int)k,
                    1.0f, p->chol, (int)k, c, (int)k);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < k; j++) c[i * k + j] += p->mean[j];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)p->d_rx, (int)k, 1.0f,
                    c, (int)k, p->f_rx, (int)p->d_rx, 0.0f, x_rx + i0 * p->d_rx, (int)p->d_rx);
    }
}

size_t anchor_eq_parseval_rank(const anchor_eq_parseval *p)
{
    return p->rank;
}

uint64_t anchor_eq_parseval_handshake(const anchor_eq_parseval *p)
{
    return (uint64_t)p->k + (uint64_t)p->k * (p->k + 1) / 2;
}
