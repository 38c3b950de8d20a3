/* analog.c -- the analog link (see analog.h): pair, normalise, [pilots], channel,
 * [impairments], estimate/equalise, de-normalise. */
#include "channel/analog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct chan_analog {
    chan_analog_config cfg;
    chan_model *ch;
    chan_impair *imp;   /* NULL when the impairments are the identity */
    chan_estimate *est; /* NULL with perfect CSI */
    double n0;
    size_t max_sym, max_frame;
    /* work buffers, max_frame each (execute allocates nothing) */
    float complex *sym, *frame, *h, *hd;
    float *evar, *evd;
    double *phase;
};

void chan_analog_config_default(chan_analog_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    chan_model_config_default(&cfg->channel);
    cfg->eq = CHAN_EQ_MMSE;
    cfg->csi = CHAN_EST_PERFECT;
    cfg->pilot_spacing = 8;
    cfg->lmmse_taps = 4;
    cfg->max_reals = 4096;
    cfg->count_scale = 1;
    chan_impair_config_default(&cfg->impair);
}

chan_analog *chan_analog_create(const chan_analog_config *cfg, base_err *err)
{
    chan_analog *q = NULL;
    double complex *corr = NULL;
    if (!cfg) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "analog: config is NULL");
        return NULL;
    }
    if (cfg->eq != CHAN_EQ_ZF && cfg->eq != CHAN_EQ_MMSE) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "analog: unknown equaliser %d", (int)cfg->eq);
        return NULL;
    }
    if ((unsigned)cfg->csi > CHAN_EST_LMMSE) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "analog: unknown CSI kind %d", (int)cfg->csi);
        return NULL;
    }
    if (cfg->max_reals == 0 || cfg->max_reals > ((size_t)1 << 32)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "analog: max_reals must be 1..2^32, got %zu",
                     cfg->max_reals);
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->cfg = *cfg;
    if (!(q->ch = chan_model_create(&cfg->channel, err))) goto fail;
    q->n0 = chan_model_n0(q->ch);
    if (!chan_impair_is_identity(&cfg->impair)) {
        chan_impair_config ic = cfg->impair;
        ic.sample_rate = cfg->channel.symbol_rate;
        if (!(q->imp = chan_impair_create(&ic, err))) goto fail;
    }
    q->max_sym = (cfg->max_reals + 1) / 2;
    q->max_frame = q->max_sym;
    if (cfg->csi != CHAN_EST_PERFECT) {
        chan_estimate_config ec;
        chan_estimate_config_default(&ec);
        ec.kind = cfg->csi;
        ec.pilot_spacing = cfg->pilot_spacing;
        ec.taps = cfg->lmmse_taps;
        /* a noiseless channel still needs a positive N0 for the estimator's algebra */
        ec.n0 = q->n0 > 1e-12 ? q->n0 : 1e-12;
        if (cfg->csi == CHAN_EST_LMMSE) {
            if (cfg->lmmse_taps < 1 || cfg->lmmse_taps > CHAN_EST_MAX_TAPS ||
                cfg->pilot_spacing < 2 || cfg->pilot_spacing > 1u << 20) {
                base_err_set(err, BASE_EINVAL, NULL, 0,
                             "analog: LMMSE needs taps 1..%d and pilot_spacing 2..2^20",
                             CHAN_EST_MAX_TAPS);
                goto fail;
            }
            size_t lags = cfg->lmmse_taps * cfg->pilot_spacing;
            if (!(corr = malloc(lags * sizeof *corr))) goto nomem;
            if (chan_model_corr(&cfg->channel, corr, lags, err)) goto fail;
            /* AWGN/NONE have no fading to estimate (c = 0): keep the prior tight instead */
            if (!(creal(corr[0]) > 0.0))
                for (size_t d = 0; d < lags; d++) corr[d] = 1e-9;
            ec.mean = chan_model_mean(&cfg->channel);
            ec.corr = corr;
        }
        if (!(q->est = chan_estimate_create(&ec, err))) goto fail;
        q->max_frame = chan_estimate_frame_len(q->est, q->max_sym);
    }
    size_t F = q->max_frame;
    q->sym = malloc(F * sizeof *q->sym);
    q->frame = malloc(F * sizeof *q->frame);
    q->h = malloc(F * sizeof *q->h);
    q->hd = malloc(F * sizeof *q->hd);
    q->evar = malloc(F * sizeof *q->evar);
    q->evd = malloc(F * sizeof *q->evd);
    q->phase = malloc(F * sizeof *q->phase);
    if (!q->sym || !q->frame || !q->h || !q->hd || !q->evar || !q->evd || !q->phase) goto nomem;
    free(corr);
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "analog: out of memory");
fail:
    free(corr);
    chan_analog_destroy(q);
    return NULL;
}

void chan_analog_destroy(chan_analog *q)
{
    if (!q) return;
    chan_model_destroy(q->ch);
    chan_impair_destroy(q->imp);
    chan_estimate_destroy(q->est);
    free(q->sym);
    free(q->frame);
    free(q->h);
    free(q->hd);
    free(q->evar);
    free(q->evd);
    free(q->phase);
    free(q);
}

void chan_analog_reset(chan_analog *q)
{
    if (!q) return;
    chan_model_reset(q->ch);
    chan_impair_reset(q->imp);
}

double chan_analog_n0(const chan_analog *q)
{
    return q ? q->n0 : 0.0;
}

size_t chan_analog_uses(const chan_analog *q, size_t n)
{
    if (n == 0) return 0;
    size_t m = (n + 1) / 2;
    size_t uses = q->est ? chan_estimate_frame_len(q->est, m) : m;
    /* the scale shares the free half of an odd block's last symbol, else costs half a use
     * more, rounded up to a whole use */
    if (q->cfg.count_scale) uses += (n + 1 + 1) / 2 - m;
    return uses;
}

base_status chan_analog_execute(chan_analog *q, base_rng *rng, const float *in, float *out,
                                size_t n, size_t *uses)
{
    if (!q || !rng || (n && (!in || !out))) return BASE_EINVAL;
    if (n > q->cfg.max_reals) return BASE_ERANGE;
    if (uses) *uses = chan_analog_uses(q, n);
    if (n == 0) return BASE_OK;
    const size_t m = (n + 1) / 2;

    /* 1-2: pair and normalise to unit average energy per complex symbol */
    double e = 0.0;
    for (size_t i = 0; i < n; i++) e += (double)in[i] * in[i];
    const double a = e > 0.0 ? sqrt((double)m / e) : 1.0;
    const float fa = (float)a;
    for (size_t k = 0; k < n / 2; k++) q->sym[k] = fa * (in[2 * k] + I * in[2 * k + 1]);
    if (n & 1) q->sym[m - 1] = fa * in[n - 1];

    /* 3-4: pilots, channel, impairments, estimation, equalisation */
    const float complex *y = q->frame, *hh = q->h;
    const float *ev = NULL;
    size_t nf = m;
    if (q->est) {
        nf = chan_estimate_frame_len(q->est, m);
        chan_estimate_map(q->est, q->sym, m, q->frame);
        chan_model_execute(q->ch, rng, q->frame, q->frame, q->h, nf);
        if (q->imp) chan_impair_execute(q->imp, rng, q->frame, q->frame, NULL, nf);
        chan_estimate_execute(q->est, q->frame, nf, q->h, q->evar);
        /* keep only the data positions: received symbols, estimates, error variances */
        chan_estimate_unmap(q->est, q->frame, nf, q->sym);
        chan_estimate_unmap(q->est, q->h, nf, q->hd);
        chan_estimate_unmap_var(q->est, q->evar, nf, q->evd);
        y = q->sym;
        hh = q->hd;
        ev = q->evd;
    } else {
        chan_model_execute(q->ch, rng, q->sym, q->frame, q->h, m);
        if (q->imp) {
            /* perfect CSI includes the oscillator's phase */
            chan_impair_execute(q->imp, rng, q->frame, q->frame, q->phase, m);
            for (size_t i = 0; i < m; i++) q->h[i] *= (float complex)cexp(I * q->phase[i]);
        }
    }
    chan_equalize(q->cfg.eq, y, hh, ev, m, q->n0, q->sym);

    /* 5: de-normalise and unpair */
    const float ia = (float)(1.0 / a);
    for (size_t k = 0; k < n / 2; k++) {
        out[2 * k] = ia * crealf(q->sym[k]);
        out[2 * k + 1] = ia * cimagf(q->sym[k]);
    }
    if (n & 1) out[n - 1] = ia * crealf(q->sym[m - 1]);
    return BASE_OK;
}
