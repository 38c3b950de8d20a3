/* estimate.c -- pilot-based LS/LMMSE channel estimation and ZF/MMSE equalisation
 * (see estimate.h for the frame layout and the formulas). */
#include "channel/estimate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct chan_estimate {
    chan_estimate_config cfg;
    size_t S, L;
    /* LMMSE tables, for every window of l = 1..L pilots: weights w[woff[l] + d*l + j]
     * (offset d < l*S from the window's first pilot, pilot j < l) and the expected
     * error variance e[eoff[l] + d]. */
    double complex *w;
    double *e;
    size_t woff[CHAN_EST_MAX_TAPS + 1], eoff[CHAN_EST_MAX_TAPS + 1];
};

void chan_estimate_config_default(chan_estimate_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = CHAN_EST_LS;
    cfg->pilot_spacing = 8;
    cfg->taps = 4;
    cfg->n0 = 0.1;
    cfg->mean = 0.0;
    cfg->corr = NULL;
}

/* c(d) for any signed lag from the one-sided table (Hermitian: c(-d) = c(d)^*). */
static double complex cov(const double complex *c, long d)
{
    return d >= 0 ? c[d] : conj(c[-d]);
}

/* In-place Cholesky A = G G^H of a Hermitian positive-definite l x l matrix (row-major,
 * lower triangle used). Returns 0 on success. */
static int cholesky(double complex *a, size_t l)
{
    for (size_t j = 0; j < l; j++) {
        double dj = creal(a[j * l + j]);
        for (size_t k = 0; k < j; k++) dj -= creal(a[j * l + k] * conj(a[j * l + k]));
        if (!(dj > 0.0)) return -1;
        dj = sqrt(dj);
        a[j * l + j] = dj;
        for (size_t i = j + 1; i < l; i++) {
            double complex s = a[i * l + j];
            for (size_t k = 0; k < j; k++) s -= a[i * l + k] * conj(a[j * l + k]);
            a[i * l + j] = s / dj;
        }
    }
    return 0;
}

/* Solve G G^H u = b in place (b -> u). */
static void chol_solve(const double complex *g, size_t l, double complex *b)
{
    for (size_t i = 0; i < l; i++) {
        double complex s = b[i];
        for (size_t k = 0; k < i; k++) s -= g[i * l + k] * b[k];
        b[i] = s / g[i * l + i];
    }
    for (size_t i = l; i-- > 0;) {
        double complex s = b[i];
        for (size_t k = i + 1; k < l; k++) s -= conj(g[k * l + i]) * b[k];
        b[i] = s / conj(g[i * l + i]);
    }
}

/* Wiener weights for every window size l <= L and offset d < l*S:
 * hhat(d) - mu = sum_j w_j (yp_j - mu), w = conj(u), (R + N0 I) u = conj(r). */
static base_status solve_tables(chan_estimate *q, base_err *err)
{
    const double complex *c = q->cfg.corr;
    size_t S = q->S, L = q->L;
    double complex a[CHAN_EST_MAX_TAPS * CHAN_EST_MAX_TAPS], u[CHAN_EST_MAX_TAPS];
    for (size_t l = 1; l <= L; l++) {
        for (size_t j = 0; j < l; j++)
            for (size_t k = 0; k < l; k++)
                a[j * l + k] = cov(c, (long)(j * S) - (long)(k * S)) + (j == k ? q->cfg.n0 : 0.0);
        if (cholesky(a, l))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "estimate: pilot covariance is not positive definite");
        for (size_t d = 0; d < l * S; d++) {
            for (size_t j = 0; j < l; j++) u[j] = conj(cov(c, (long)d - (long)(j * S)));
            chol_solve(a, l, u);
            double ev = creal(c[0]);
            for (size_t j = 0; j < l; j++) {
                double complex wj = conj(u[j]);
                q->w[q->woff[l] + d * l + j] = wj;
                ev -= creal(wj * conj(cov(c, (long)d - (long)(j * S))));
            }
            q->e[q->eoff[l] + d] = ev > 0.0 ? ev : 0.0;
        }
    }
    return BASE_OK;
}

chan_estimate *chan_estimate_create(const chan_estimate_config *cfg, base_err *err)
{
    chan_estimate *q = NULL;
    if (!cfg) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "estimate: config is NULL");
        return NULL;
    }
    if (cfg->kind != CHAN_EST_LS && cfg->kind != CHAN_EST_LMMSE) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "estimate: kind must be LS or LMMSE, got %d",
                     (int)cfg->kind);
        return NULL;
    }
    if (cfg->pilot_spacing < 2 || cfg->pilot_spacing > 1u << 20) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "estimate: pilot_spacing must be 2..2^20, got %zu",
                     cfg->pilot_spacing);
        return NULL;
    }
    if (!isfinite(cfg->n0) || cfg->n0 <= 0.0) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "estimate: n0 must be finite and > 0, got %g",
                     cfg->n0);
        return NULL;
    }
    if (cfg->kind == CHAN_EST_LMMSE) {
        if (cfg->taps < 1 || cfg->taps > CHAN_EST_MAX_TAPS) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "estimate: LMMSE taps must be 1..%d, got %zu",
                         CHAN_EST_MAX_TAPS, cfg->taps);
            return NULL;
        }
        if (!cfg->corr || !(creal(cfg->corr[0]) > 0.0) || !isfinite(creal(cfg->corr[0]))) {
            base_err_set(err, BASE_EINVAL, NULL, 0,
                         "estimate: LMMSE needs the channel covariance corr with corr[0] > 0");
            return NULL;
        }
        if (!isfinite(creal(cfg->mean)) || !isfinite(cimag(cfg->mean))) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "estimate: LMMSE prior mean is not finite");
            return NULL;
        }
    }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->cfg = *cfg;
    q->cfg.corr = NULL;
    q->S = cfg->pilot_spacing;
    if (cfg->kind == CHAN_EST_LMMSE) {
        q->L = cfg->taps;
        size_t nw = 0, ne = 0;
        for (size_t l = 1; l <= q->L; l++) {
            q->woff[l] = nw;
            q->eoff[l] = ne;
            nw += l * q->S * l;
            ne += l * q->S;
        }
        size_t lags = q->L * q->S;
        double complex *c = malloc(lags * sizeof *c);
        q->w = malloc(nw * sizeof *q->w);
        q->e = malloc(ne * sizeof *q->e);
        if (!c || !q->w || !q->e) {
            free(c);
            goto nomem;
        }
        memcpy(c, cfg->corr, lags * sizeof *c);
        q->cfg.corr = c;
        if (solve_tables(q, err)) goto fail;
    }
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "estimate: out of memory");
fail:
    chan_estimate_destroy(q);
    return NULL;
}

void chan_estimate_destroy(chan_estimate *q)
{
    if (!q) return;
    free((void *)q->cfg.corr);
    free(q->w);
    free(q->e);
    free(q);
}

size_t chan_estimate_frame_len(const chan_estimate *q, size_t n_data)
{
    size_t g = n_data / (q->S - 1), r = n_data % (q->S - 1);
    return g * q->S + (r ? r + 1 : 0);
}

size_t chan_estimate_pilots(const chan_estimate *q, size_t n)
{
    return (n + q->S - 1) / q->S;
}

base_status chan_estimate_map(const chan_estimate *q, const float complex *data, size_t n_data,
                              float complex *frame)
{
    if (!q || (n_data && (!data || !frame))) return BASE_EINVAL;
    size_t n = chan_estimate_frame_len(q, n_data);
    for (size_t i = 0, k = 0; i < n; i++) frame[i] = i % q->S ? data[k++] : 1.0f;
    return BASE_OK;
}

base_status chan_estimate_unmap(const chan_estimate *q, const float complex *frame, size_t n,
                                float complex *data)
{
    if (!q || (n && (!data || !frame))) return BASE_EINVAL;
    for (size_t i = 0, k = 0; i < n; i++)
        if (i % q->S) data[k++] = frame[i];
    return BASE_OK;
}

base_status chan_estimate_unmap_var(const chan_estimate *q, const float *frame, size_t n,
                                    float *data)
{
    if (!q || (n && (!data || !frame))) return BASE_EINVAL;
    for (size_t i = 0, k = 0; i < n; i++)
        if (i % q->S) data[k++] = frame[i];
    return BASE_OK;
}

base_status chan_estimate_execute(const chan_estimate *q, const float complex *rx, size_t n,
                                  float complex *hhat, float *evar)
{
    if (!q || (n && (!rx || !hhat))) return BASE_EINVAL;
    if (n == 0) return BASE_OK;
    const size_t S = q->S, P = chan_estimate_pilots(q, n);
    /* pilots are x_p = 1, so the LS estimate at pilot k is rx[k*S] itself */
    if (q->cfg.kind == CHAN_EST_LS) {
        for (size_t i = 0; i < n; i++) {
            size_t a = i / S;
            double t = (double)(i - a * S) / (double)S;
            if (a + 1 >= P) {
                hhat[i] = rx[a * S];
                if (evar) evar[i] = (float)q->cfg.n0;
            } else {
                hhat[i] = (float)(1.0 - t) * rx[a * S] + (float)t * rx[(a + 1) * S];
                if (evar) evar[i] = (float)(q->cfg.n0 * ((1.0 - t) * (1.0 - t) + t * t));
            }
        }
        return BASE_OK;
    }
    const size_t l = P < q->L ? P : q->L;
    const double complex mu = q->cfg.mean;
    for (size_t i = 0; i < n; i++) {
        long k0 = (long)(i / S) - (long)((l - 1) / 2);
        if (k0 > (long)(P - l)) k0 = (long)(P - l);
        if (k0 < 0) k0 = 0;
        size_t d = i - (size_t)k0 * S;
        const double complex *w = q->w + q->woff[l] + d * l;
        double complex acc = mu;
        for (size_t j = 0; j < l; j++)
            acc += w[j] * ((double complex)rx[((size_t)k0 + j) * S] - mu);
        hhat[i] = (float complex)acc;
        if (evar) evar[i] = (float)q->e[q->eoff[l] + d];
    }
    return BASE_OK;
}

base_status chan_equalize(chan_eq_kind kind, const float complex *y, const float complex *h,
                          const float *evar, size_t n, double n0, float complex *out)
{
    if (n && (!y || !h || !out)) return BASE_EINVAL;
    if (kind != CHAN_EQ_ZF && kind != CHAN_EQ_MMSE) return BASE_EINVAL;
    if (!(n0 >= 0.0)) return BASE_EINVAL;
    if (kind == CHAN_EQ_ZF) {
        for (size_t i = 0; i < n; i++) {
            float g = crealf(h[i]) * crealf(h[i]) + cimagf(h[i]) * cimagf(h[i]);
            out[i] = g > 1e-30f ? y[i] * conjf(h[i]) / g : 0.0f;
        }
        return BASE_OK;
    }
    const float fn0 = (float)n0;
    for (size_t i = 0; i < n; i++) {
        float g = crealf(h[i]) * crealf(h[i]) + cimagf(h[i]) * cimagf(h[i]) + fn0;
        if (evar) g += evar[i];
        out[i] = g > 1e-30f ? y[i] * conjf(h[i]) / g : 0.0f;
    }
    return BASE_OK;
}
