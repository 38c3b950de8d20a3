/* metrics.c -- mean cosine, linear CKA, Jaccard@k, MRR and FOSCTTM.
 *
 * See metrics.h for definitions. Similarity matrices are one sgemm on
 * L2-normalised rows; CKA's Gram products run in double (dgemm) because
 * N-term sums of centred products lose too much in float.
 */
#include "anchors/metrics.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static base_status check(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                         base_err *err)
{
    if (!u || !v) return base_err_set(err, BASE_EINVAL, NULL, 0, "metrics: NULL input");
    if (n < 2)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "metrics need N >= 2 pairs, got %zu", n);
    if (d1 == 0 || d2 == 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "metrics: zero dimension");
    for (size_t i = 0; i < n * d1; i++)
        if (!isfinite(u[i]))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "metrics: U row %zu, component %zu is not finite", i / d1, i % d1);
    for (size_t i = 0; i < n * d2; i++)
        if (!isfinite(v[i]))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "metrics: V row %zu, component %zu is not finite", i / d2, i % d2);
    return BASE_OK;
}

/* Unit rows of x (n,d) into a new array (zero rows stay zero); NULL on ENOMEM. */
static float *normalised(const float *x, size_t n, size_t d)
{
    float *y = malloc(n * d * sizeof *y);
    if (!y) return NULL;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t c = 0; c < d; c++) s += (double)x[i * d + c] * x[i * d + c];
        float g = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
        for (size_t c = 0; c < d; c++) y[i * d + c] = x[i * d + c] * g;
    }
    return y;
}

base_status anchor_metric_cosine(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                 double *out, base_err *err)
{
    base_status st = check(u, d1, v, d2, n, err);
    if (st) return st;
    if (d1 != d2) {
        *out = NAN;
        return BASE_OK;
    }
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        double uv = 0, uu = 0, vv = 0;
        for (size_t c = 0; c < d1; c++) {
            double a = u[i * d1 + c], b = v[i * d1 + c];
            uv += a * b, uu += a * a, vv += b * b;
        }
        acc += uu > 0 && vv > 0 ? uv / sqrt(uu * vv) : 0;
    }
    *out = acc / (double)n;
    return BASE_OK;
}

base_status anchor_metric_cka(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                              double *out, base_err *err)
{
    base_status st = check(u, d1, v, d2, n, err);
    if (st) return st;
    double *x = malloc(n * d1 * sizeof *x), *y = malloc(n * d2 * sizeof *y);
    double *g = malloc((d1 > d2 ? d1 * d1 : d2 * d2) * sizeof *g), *h = malloc(d1 * d2 * sizeof *h);
    if (!x || !y || !g || !h) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "metrics: out of memory");
        goto out;
    }
    const float *src[2] = {u, v};
    double *dst[2] = {x, y};
    size_t dim[2] = {d1, d2};
    for (int s = 0; s < 2; s++) /* column-centre */
        for (size_t c = 0; c < dim[s]; c++) {
            double m = 0;
            for (size_t i = 0; i < n; i++) m += src[s][i * dim[s] + c];
            m /= (double)n;
            for (size_t i = 0; i < n; i++) dst[s][i * dim[s] + c] = src[s][i * dim[s] + c] - m;
        }
    double fxx = 0, fyy = 0, fxy = 0;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d1, (int)d1, (int)n, 1.0, x, (int)d1,
                x, (int)d1, 0.0, g, (int)d1);
    for (size_t i = 0; i < d1 * d1; i++) fxx += g[i] * g[i];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d2, (int)d2, (int)n, 1.0, y, (int)d2,
                y, (int)d2, 0.0, g, (int)d2);
    for (size_t i = 0; i < d2 * d2; i++) fyy += g[i] * g[i];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d2, (int)d1, (int)n, 1.0, y, (int)d2,
                x, (int)d1, 0.0, h, (int)d1);
    for (size_t i = 0; i < d1 * d2; i++) fxy += h[i] * h[i];
    /* HSIC(X,Y)/sqrt(HSIC(X,X) HSIC(Y,Y)) with linear kernels (Kornblith et al. 2019, eq. 5) */
    *out = fxx > 0 && fyy > 0 ? fxy / (sqrt(fxx) * sqrt(fyy)) : 0;
out:
    free(x), free(y), free(g), free(h);
    return st;
}

/* k nearest rows of each row of x (n,d) by cosine, self excluded, into nb (n,k).
 * s is (n,n) work. Ties keep the lower index (scan order, strict >). */
static base_status knn_cosine(const float *x, size_t n, size_t d, size_t k, size_t *nb, float *s,
                              base_err *err)
{
    float *xn = normalised(x, n, d);
    float *best = malloc(k * sizeof *best);
    if (!xn || !best) {
        free(xn), free(best);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "metrics: out of memory");
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)d, 1.0f, xn, (int)d,
                xn, (int)d, 0.0f, s, (int)n);
    for (size_t i = 0; i < n; i++) {
        const float *row = s + i * n;
        size_t *ni = nb + i * k, have = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            float t = row[j];
            if (have == k && !(t > best[k - 1])) continue;
            size_t p = have < k ? have++ : k - 1; /* drop the worst when full */
            while (p > 0 && t > best[p - 1]) {
                best[p] = best[p - 1];
                ni[p] = ni[p - 1];
                p--;
            }
            best[p] = t;
            ni[p] = j;
        }
    }
    free(xn), free(best);
    return BASE_OK;
}

base_status anchor_metric_jaccard(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                  size_t knn, double *out, base_err *err)
{
    base_status st = check(u, d1, v, d2, n, err);
    if (st) return st;
    if (knn == 0 || knn > n - 1)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "Jaccard@k needs 1 <= k <= N-1 = %zu, got %zu", n - 1, knn);
    float *s = malloc(n * n * sizeof *s);
    size_t *na = malloc(n * knn * sizeof *na), *nv = malloc(n * knn * sizeof *nv);
    if (!s || !na || !nv) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "metrics: out of memory (N = %zu)", n);
        goto out;
    }
    if ((st = knn_cosine(u, n, d1, knn, na, s, err))) goto out;
    if ((st = knn_cosine(v, n, d2, knn, nv, s, err))) goto out;
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t inter = 0;
        for (size_t a = 0; a < knn; a++)
            for (size_t b = 0; b < knn; b++) inter += na[i * knn + a] == nv[i * knn + b];
        acc += (double)inter / (double)(2 * knn - inter);
    }
    *out = acc / (double)n;
out:
    free(s), free(na), free(nv);
    return st;
}

base_status anchor_metric_matching(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                   double *mrr, double *foscttm, base_err *err)
{
    base_status st = check(u, d1, v, d2, n, err);
    if (st) return st;
    if (d1 != d2) {
        *mrr = *foscttm = NAN;
        return BASE_OK;
    }
    const size_t d = d1;
    float *un = normalised(u, n, d), *vn = normalised(v, n, d);
    float *s = malloc(n * n * sizeof *s);
    double *above_r = calloc(n, sizeof *above_r), *above_c = calloc(n, sizeof *above_c);
    float *diag = malloc(n * sizeof *diag);
    if (!un || !vn || !s || !above_r || !above_c || !diag) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "metrics: out of memory (N = %zu)", n);
        goto out;
    }
    /* S (N,N): S_ij = cos(u_i, v_j) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)d, 1.0f, un, (int)d,
                vn, (int)d, 0.0f, s, (int)n);
    for (size_t i = 0; i < n; i++) diag[i] = s[i * n + i];
    for (size_t i = 0; i < n; i++) {
        const float *row = s + i * n;
        const float sii = diag[i];
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            float t = row[j], sjj = diag[j];
            /* query u_i against the v's (row i); query v_j against the u's (column j) */
            above_r[i] += t > sii ? 1.0 : t == sii ? 0.5 : 0.0;
            above_c[j] += t > sjj ? 1.0 : t == sjj ? 0.5 : 0.0;
        }
    }
    double rr = 0, fo = 0;
    for (size_t i = 0; i < n; i++) {
        rr += 1.0 / (1.0 + above_r[i]) + 1.0 / (1.0 + above_c[i]);
        fo += (above_r[i] + above_c[i]) / (double)(n - 1);
    }
    *mrr = rr / (2.0 * (double)n);
    *foscttm = fo / (2.0 * (double)n);
out:
    free(un), free(vn), free(s), free(above_r), free(above_c), free(diag);
    return st;
}

base_status anchor_metrics_compute(const float *u, size_t d1, const float *v, size_t d2, size_t n,
                                   size_t knn, anchor_metrics *out, base_err *err)
{
    base_status st;
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "metrics: NULL output");
    if ((st = anchor_metric_cosine(u, d1, v, d2, n, &out->cosine, err))) return st;
    if ((st = anchor_metric_cka(u, d1, v, d2, n, &out->cka, err))) return st;
    if ((st = anchor_metric_jaccard(u, d1, v, d2, n, knn, &out->jaccard, err))) return st;
    return anchor_metric_matching(u, d1, v, d2, n, &out->mrr, &out->foscttm, err);
}
