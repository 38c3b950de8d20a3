/* ofdm.c -- multipath over OFDM with a cyclic prefix (see ofdm.h). FFTW is used only
 * here in channel/; plans are made once in create (FFTW_ESTIMATE, reproducible) and run
 * with fftwf_execute_dft on the object's own buffers, which is thread-safe. Planning is
 * not: create OFDM objects from one thread at a time. */
#include "channel/ofdm.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAPS 64

struct chan_ofdm {
    chan_ofdm_config cfg;
    size_t N, cp, D; /* subcarriers, prefix, data subcarriers per OFDM symbol */
    size_t ntaps, maxd;
    size_t delay[MAX_TAPS];
    double power[MAX_TAPS];
    float amp[MAX_TAPS]; /* sqrt(power) */
    double n0;
    float sigma;
    chan_estimate *est;
    chan_impair *imp;
    fftwf_plan fwd, bwd;
    /* state */
    float complex taps[MAX_TAPS];
    size_t left; /* OFDM symbols left with the current taps */
    /* buffers */
    float complex *fa, *fb; /* FFT in/out, N each (fftwf_malloc) */
    float complex *ext;     /* maxd previous samples + cp + N transmitted samples */
    float complex *rx;      /* cp + N received samples */
    float complex *H, *Hh, *X, *dat, *hd, *ht;
    float *evar, *evd;
    float complex *tw; /* exp(-j 2 pi k / N) */
};

void chan_ofdm_config_default(chan_ofdm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->nfft = 64;
    cfg->cp_len = 16;
    cfg->pdp = CHAN_PDP_EXP;
    cfg->exp_taps = 8;
    cfg->exp_decay = 2.0;
    cfg->sample_rate = 15.36e6;
    cfg->snr_db = 10.0;
    cfg->coherence = 1;
    cfg->csi = CHAN_EST_PERFECT;
    cfg->eq = CHAN_EQ_ZF;
    cfg->pilot_spacing = 4;
    cfg->lmmse_taps = 4;
    cfg->max_symbols = 4096;
    chan_impair_config_default(&cfg->impair);
}

typedef struct named_pdp {
    size_t n;
    double ns[9], db[9];
} named_pdp;

static const named_pdp PEDA = {4, {0, 110, 190, 410}, {0, -9.7, -19.2, -22.8}};
static const named_pdp EPA = {7, {0, 30, 70, 90, 110, 190, 410}, {0, -1, -2, -3, -8, -17.2, -20.8}};
static const named_pdp EVA = {9,
                              {0, 30, 150, 310, 370, 710, 1090, 1730, 2510},
                              {0, -1.5, -1.4, -3.6, -0.6, -9.1, -7, -12, -16.9}};

/* Sample the profile: delays in samples, powers normalised to sum 1. */
static base_status build_pdp(chan_ofdm *q, const chan_ofdm_config *cfg, base_err *err)
{
    q->ntaps = 0;
    if (cfg->pdp == CHAN_PDP_EXP) {
        if (cfg->exp_taps < 1 || cfg->exp_taps > MAX_TAPS)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: exp_taps must be 1..%d, got %zu",
                                MAX_TAPS, cfg->exp_taps);
        if (!isfinite(cfg->exp_decay) || cfg->exp_decay <= 0.0)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: exp_decay must be > 0, got %g",
                                cfg->exp_decay);
        for (size_t l = 0; l < cfg->exp_taps; l++) {
            q->delay[l] = l;
            q->power[l] = exp(-(double)l / cfg->exp_decay);
        }
        q->ntaps = cfg->exp_taps;
    } else {
        const named_pdp *p = cfg->pdp == CHAN_PDP_PEDA  ? &PEDA
                             : cfg->pdp == CHAN_PDP_EPA ? &EPA
                                                        : &EVA;
        if (!isfinite(cfg->sample_rate) || cfg->sample_rate <= 0.0 || cfg->sample_rate > 1e12)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: sample_rate must be > 0, got %g",
                                cfg->sample_rate);
        for (size_t i = 0; i < p->n; i++) {
            size_t d = (size_t)lround(p->ns[i] * 1e-9 * cfg->sample_rate);
            double pw = pow(10.0, p->db[i] / 10.0);
            size_t l = 0;
            while (l < q->ntaps && q->delay[l] != d) l++;
            if (l == q->ntaps) {
                q->delay[l] = d;
                q->power[l] = 0.0;
                q->ntaps++;
            }
            q->power[l] += pw;
        }
    }
    double tot = 0.0;
    q->maxd = 0;
    for (size_t l = 0; l < q->ntaps; l++) {
        tot += q->power[l];
        if (q->delay[l] > q->maxd) q->maxd = q->delay[l];
    }
    for (size_t l = 0; l < q->ntaps; l++) {
        q->power[l] /= tot;
        q->amp[l] = (float)sqrt(q->power[l]);
    }
    if (q->maxd > cfg->cp_len)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "ofdm: delay spread %zu samples exceeds the cyclic prefix (%zu)",
                            q->maxd, cfg->cp_len);
    return BASE_OK;
}

chan_ofdm *chan_ofdm_create(const chan_ofdm_config *cfg, base_err *err)
{
    chan_ofdm *q = NULL;
    double complex *corr = NULL;
    if (!cfg) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: config is NULL");
        return NULL;
    }
    if (cfg->nfft < 8 || cfg->nfft > 65536) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: nfft must be 8..65536, got %zu", cfg->nfft);
        return NULL;
    }
    if (cfg->cp_len >= cfg->nfft) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: cp_len %zu must be < nfft %zu", cfg->cp_len,
                     cfg->nfft);
        return NULL;
    }
    if ((unsigned)cfg->pdp > CHAN_PDP_EVA) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: unknown power-delay profile %d",
                     (int)cfg->pdp);
        return NULL;
    }
    if (!isfinite(cfg->snr_db)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: snr_db must be finite, got %g", cfg->snr_db);
        return NULL;
    }
    if (cfg->coherence > ((size_t)1 << 48)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: coherence %zu is negative or absurd",
                     cfg->coherence);
        return NULL;
    }
    if ((unsigned)cfg->csi > CHAN_EST_LMMSE || (cfg->eq != CHAN_EQ_ZF && cfg->eq != CHAN_EQ_MMSE)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: unknown CSI (%d) or equaliser (%d)",
                     (int)cfg->csi, (int)cfg->eq);
        return NULL;
    }
    if (cfg->csi != CHAN_EST_PERFECT &&
        (cfg->pilot_spacing < 2 || cfg->pilot_spacing > cfg->nfft)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: pilot_spacing must be 2..nfft, got %zu",
                     cfg->pilot_spacing);
        return NULL;
    }
    if (cfg->max_symbols == 0 || cfg->max_symbols > ((size_t)1 << 32)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: max_symbols must be 1..2^32, got %zu",
                     cfg->max_symbols);
        return NULL;
    }
    q = calloc(1, sizeof *q);
    if (!q) goto nomem;
    q->cfg = *cfg;
    q->N = cfg->nfft;
    q->cp = cfg->cp_len;
    if (build_pdp(q, cfg, err)) goto fail;
    q->n0 = pow(10.0, -cfg->snr_db / 10.0);
    q->sigma = (float)sqrt(q->n0);
    q->D = q->N;
    if (cfg->csi != CHAN_EST_PERFECT) {
        chan_estimate_config ec;
        chan_estimate_config_default(&ec);
        ec.kind = cfg->csi;
        ec.pilot_spacing = cfg->pilot_spacing;
        ec.taps = cfg->lmmse_taps;
        ec.n0 = q->n0;
        ec.mean = 0.0;
        if (cfg->csi == CHAN_EST_LMMSE) {
            if (cfg->lmmse_taps < 1 || cfg->lmmse_taps > CHAN_EST_MAX_TAPS) {
                base_err_set(err, BASE_EINVAL, NULL, 0, "ofdm: lmmse_taps must be 1..%d, got %zu",
                             CHAN_EST_MAX_TAPS, cfg->lmmse_taps);
                goto fail;
            }
            size_t lags = cfg->lmmse_taps * cfg->pilot_spacing;
            if (!(corr = malloc(lags * sizeof *corr))) goto nomem;
            chan_ofdm_corr(q, corr, lags);
            ec.corr = corr;
        }
        if (!(q->est = chan_estimate_create(&ec, err))) goto fail;
        q->D = q->N - chan_estimate_pilots(q->est, q->N);
    }
    if (!chan_impair_is_identity(&cfg->impair)) {
        chan_impair_config ic = cfg->impair;
        ic.sample_rate = cfg->sample_rate;
        if (!(q->imp = chan_impair_create(&ic, err))) goto fail;
    }
    const size_t N = q->N, T = q->cp + q->N;
    q->fa = fftwf_malloc(N * sizeof *q->fa);
    q->fb = fftwf_malloc(N * sizeof *q->fb);
    q->ext = calloc(q->maxd + T, sizeof *q->ext);
    q->rx = malloc(T * sizeof *q->rx);
    q->H = malloc(N * sizeof *q->H);
    q->Hh = malloc(N * sizeof *q->Hh);
    q->X = malloc(N * sizeof *q->X);
    q->dat = malloc(N * sizeof *q->dat);
    q->hd = malloc(N * sizeof *q->hd);
    q->ht = malloc(N * sizeof *q->ht);
    q->evar = malloc(N * sizeof *q->evar);
    q->evd = malloc(N * sizeof *q->evd);
    q->tw = malloc(N * sizeof *q->tw);
    if (!q->fa || !q->fb || !q->ext || !q->rx || !q->H || !q->Hh || !q->X || !q->dat || !q->hd ||
        !q->ht || !q->evar || !q->evd || !q->tw)
        goto nomem;
    for (size_t k = 0; k < N; k++)
        q->tw[k] = (float complex)cexp(-2.0 * M_PI * I * (double)k / (double)N);
    q->fwd = fftwf_plan_dft_1d((int)N, q->fa, q->fb, FFTW_FORWARD, FFTW_ESTIMATE);
    q->bwd = fftwf_plan_dft_1d((int)N, q->fa, q->fb, FFTW_BACKWARD, FFTW_ESTIMATE);
    if (!q->fwd || !q->bwd) {
        base_err_set(err, BASE_EINTERNAL, NULL, 0, "ofdm: FFTW could not plan a %zu-point FFT", N);
        goto fail;
    }
    free(corr);
    return q;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "ofdm: out of memory");
fail:
    free(corr);
    chan_ofdm_destroy(q);
    return NULL;
}

void chan_ofdm_destroy(chan_ofdm *q)
{
    if (!q) return;
    if (q->fwd) fftwf_destroy_plan(q->fwd);
    if (q->bwd) fftwf_destroy_plan(q->bwd);
    fftwf_free(q->fa);
    fftwf_free(q->fb);
    chan_estimate_destroy(q->est);
    chan_impair_destroy(q->imp);
    free(q->ext);
    free(q->rx);
    free(q->H);
    free(q->Hh);
    free(q->X);
    free(q->dat);
    free(q->hd);
    free(q->ht);
    free(q->evar);
    free(q->evd);
    free(q->tw);
    free(q);
}

void chan_ofdm_reset(chan_ofdm *q)
{
    if (!q) return;
    q->left = 0;
    memset(q->ext, 0, q->maxd * sizeof *q->ext);
    chan_impair_reset(q->imp);
}

size_t chan_ofdm_data_per_symbol(const chan_ofdm *q)
{
    return q->D;
}

size_t chan_ofdm_uses(const chan_ofdm *q, size_t n)
{
    return (n + q->D - 1) / q->D * (q->N + q->cp);
}

size_t chan_ofdm_taps(const chan_ofdm *q, size_t *delay, double *power)
{
    for (size_t l = 0; l < q->ntaps; l++) {
        if (delay) delay[l] = q->delay[l];
        if (power) power[l] = q->power[l];
    }
    return q->ntaps;
}

void chan_ofdm_corr(const chan_ofdm *q, double complex *c, size_t lags)
{
    for (size_t d = 0; d < lags; d++) {
        double complex s = 0.0;
        for (size_t l = 0; l < q->ntaps; l++)
            s += q->power[l] *
                 cexp(-2.0 * M_PI * I * (double)d * (double)q->delay[l] / (double)q->N);
        c[d] = s;
    }
}

double chan_ofdm_n0(const chan_ofdm *q)
{
    return q ? q->n0 : 0.0;
}

/* New taps h_l ~ CN(0, p_l) and their frequency response H[k] = sum_l h_l tw[k d_l mod N]. */
static void draw_taps(chan_ofdm *q, base_rng *rng)
{
    base_rng_cnormal_fill_zig(rng, q->taps, q->ntaps, 1.0f);
    for (size_t l = 0; l < q->ntaps; l++) q->taps[l] *= q->amp[l];
    for (size_t k = 0; k < q->N; k++) {
        float complex s = 0.0f;
        for (size_t l = 0; l < q->ntaps; l++) s += q->taps[l] * q->tw[(k * q->delay[l]) % q->N];
        q->H[k] = s;
    }
}

base_status chan_ofdm_execute(chan_ofdm *q, base_rng *rng, const float complex *x, float complex *y,
                              float complex *h, size_t n, size_t *uses)
{
    if (!q || !rng || (n && (!x || !y))) return BASE_EINVAL;
    if (n > q->cfg.max_symbols) return BASE_ERANGE;
    if (uses) *uses = chan_ofdm_uses(q, n);
    const size_t N = q->N, cp = q->cp, T = cp + N, D = q->D, md = q->maxd;
    const float scale = (float)(1.0 / sqrt((double)N));
    if (q->cfg.coherence == 0) q->left = 0;
    for (size_t s0 = 0; s0 < n; s0 += D) {
        const size_t cnt = n - s0 < D ? n - s0 : D;
        if (q->left == 0) {
            draw_taps(q, rng);
            q->left = q->cfg.coherence ? q->cfg.coherence : SIZE_MAX;
        }
        q->left--;
        /* subcarrier symbols: data, padding with unit symbols, pilots */
        for (size_t i = 0; i < D; i++) q->dat[i] = i < cnt ? x[s0 + i] : 1.0f;
        if (q->est) {
            size_t fl = chan_estimate_frame_len(q->est, D);
            chan_estimate_map(q->est, q->dat, D, q->X);
            for (size_t k = fl; k < N; k++) q->X[k] = 1.0f;
        } else {
            memcpy(q->X, q->dat, N * sizeof *q->X);
        }
        /* transmitter: unitary IFFT, cyclic prefix, after the previous symbol's tail */
        memcpy(q->fa, q->X, N * sizeof *q->fa);
        fftwf_execute_dft(q->bwd, q->fa, q->fb);
        float complex *t = q->ext + md;
        for (size_t i = 0; i < N; i++) t[cp + i] = scale * q->fb[i];
        memcpy(t, t + N, cp * sizeof *t);
        /* tapped delay line and noise */
        base_rng_cnormal_fill_zig(rng, q->rx, T, q->sigma);
        for (size_t l = 0; l < q->ntaps; l++) {
            const float complex g = q->taps[l];
            const float complex *src = t - q->delay[l];
            for (size_t i = 0; i < T; i++) q->rx[i] += g * src[i];
        }
        memmove(q->ext, q->ext + T, md * sizeof *q->ext); /* tail for the next symbol's ISI */
        if (q->imp) chan_impair_execute(q->imp, rng, q->rx, q->rx, NULL, T);
        /* receiver: drop the prefix, unitary FFT */
        memcpy(q->fa, q->rx + cp, N * sizeof *q->fa);
        fftwf_execute_dft(q->fwd, q->fa, q->fb);
        for (size_t k = 0; k < N; k++) q->fb[k] *= scale;
        const float complex *yy = q->fb, *hh = q->H;
        const float *ev = NULL;
        if (q->est) {
            chan_estimate_execute(q->est, q->fb, N, q->Hh, q->evar);
            chan_estimate_unmap(q->est, q->fb, N, q->dat);
            chan_estimate_unmap(q->est, q->Hh, N, q->hd);
            chan_estimate_unmap(q->est, q->H, N, q->ht);
            chan_estimate_unmap_var(q->est, q->evar, N, q->evd);
            yy = q->dat;
            hh = q->hd;
            ev = q->evd;
        }
        chan_equalize(q->cfg.eq, yy, hh, ev, cnt, q->n0, y + s0);
        if (h) memcpy(h + s0, q->est ? q->ht : q->H, cnt * sizeof *h);
    }
    return BASE_OK;
}
