/* model.c -- flat channel models: AWGN, Rayleigh/Rician block fading and
 * time-selective (Doppler) fading by a sum of sinusoids.
 *
 * Part of channel/: every link sends its complex symbols through chan_model_execute.
 * Conventions (docs/channels.md, "Channel models"):
 *   y[i] = h[i] x[i] + w[i],  w ~ CN(0, N0),  N0 = 10^(-snr_db/10),  E|h|^2 = 1.
 *   Rician: h = sqrt(K/(K+1)) + sqrt(1/(K+1)) g, g ~ CN(0,1) (LOS phase fixed at 0).
 *   Block fading: g redrawn every `coherence` symbols (or once per execute call).
 *   Doppler: g(t) = M^-1/2 sum_m exp(j(2 pi f_D cos(a_m) t + p_m)) with a_m, p_m ~ U[0, 2pi)
 *     drawn at each reset. Averaged over the draws, E[g(t+tau) g*(t)] = E[exp(j 2 pi f_D
 *     cos(a) tau)] = J0(2 pi f_D tau) exactly for any M (Clarke's isotropic scattering);
 *     g is Gaussian only as M grows (M = 32 here, envelope close to Rayleigh).
 * Noise comes from the ziggurat generator of base/rng (base_rng_cnormal_fill_zig).
 */
#include "channel/model.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SOS_M 32  /* sinusoids in the Doppler model */
#define CHUNK 256 /* symbols per inner block: noise and gains staged on the stack */
#define MAX_COHERENCE ((size_t)1 << 48) /* larger means a negative number was cast */

struct chan_model {
    chan_model_config cfg;
    double n0;
    float sigma;     /* sqrt(N0): noise std per complex symbol */
    float los, scat; /* h = los + scat * g */
    /* block fading state */
    float complex h;
    size_t left; /* symbols left in the current block, 0 = draw a new coefficient */
    /* Doppler state */
    int fresh;       /* draw new sinusoid angles/phases before the next symbol */
    uint64_t t;      /* symbols since reset */
    double w[SOS_M]; /* radians per symbol: 2 pi f_D cos(a_m) / symbol_rate */
    double p[SOS_M]; /* initial phases */
};
/* the names, in chan_kind order (NULL-terminated for chan_model_names) */
static const char *const model_names[CHAN_KIND_COUNT + 1] = {"none", "awgn", "rayleigh", "rician",
                                                             NULL};

base_status chan_model_kind_from_name(const char *name, chan_kind *kind, base_err *err)
{
    if (!name || !kind) return base_err_set(err, BASE_EINVAL, NULL, 0, "channel: NULL argument");
    for (int k = 0; k < CHAN_KIND_COUNT; k++)
        if (strcmp(name, model_names[k]) == 0) {
            *kind = (chan_kind)k;
            return BASE_OK;
        }
    return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                        "unknown channel model '%s' (none, awgn, rayleigh, rician)", name);
}

const char *chan_model_kind_name(chan_kind kind)
{
    return (unsigned)kind < CHAN_KIND_COUNT ? model_names[kind] : NULL;
}

const char *const *chan_model_names(void)
{
    return model_names;
}

void chan_model_config_default(chan_model_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = CHAN_AWGN;
    cfg->snr_db = 10.0;
    cfg->k_factor_db = 0.0;
    cfg->coherence = 128;
    cfg->doppler_hz = 0.0;
    cfg->symbol_rate = 1e6;
}

static base_status validate(const chan_model_config *cfg, base_err *err)
{
    if (!cfg) return base_err_set(err, BASE_EINVAL, NULL, 0, "channel: config is NULL");
    if ((unsigned)cfg->kind > CHAN_RICIAN)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "channel: unknown model kind %d",
                            (int)cfg->kind);
    if (cfg->kind == CHAN_NONE) return BASE_OK;
    if (!isfinite(cfg->snr_db))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "channel: snr_db must be finite, got %g",
                            cfg->snr_db);
    if (cfg->kind == CHAN_AWGN) return BASE_OK;
    if (cfg->kind == CHAN_RICIAN && !isfinite(cfg->k_factor_db))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "channel: Rician K factor (k_factor_db) must be finite, got %g",
                            cfg->k_factor_db);
    if (cfg->coherence > MAX_COHERENCE)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "channel: coherence %zu symbols is negative or absurdly large",
                            cfg->coherence);
    if (!isfinite(cfg->doppler_hz) || cfg->doppler_hz < 0.0)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "channel: doppler_hz must be finite and >= 0, got %g", cfg->doppler_hz);
    if (cfg->doppler_hz > 0.0) {
        if (!isfinite(cfg->symbol_rate) || cfg->symbol_rate <= 0.0)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "channel: symbol_rate must be > 0 with Doppler, got %g",
                                cfg->symbol_rate);
        if (cfg->doppler_hz > 0.5 * cfg->symbol_rate)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "channel: doppler_hz %g exceeds half the symbol rate %g",
                                cfg->doppler_hz, cfg->symbol_rate);
    }
    return BASE_OK;
}

double chan_model_mean(const chan_model_config *cfg)
{
    switch (cfg->kind) {
    case CHAN_NONE:
    case CHAN_AWGN:
        return 1.0;
    case CHAN_RICIAN: {
        double k = pow(10.0, cfg->k_factor_db / 10.0);
        return sqrt(k / (k + 1.0));
    }
    default:
        return 0.0;
    }
}

base_status chan_model_corr(const chan_model_config *cfg, double complex *c, size_t lags,
                            base_err *err)
{
    base_status st = validate(cfg, err);
    if (st) return st;
    if (!c && lags) return base_err_set(err, BASE_EINVAL, NULL, 0, "channel: corr output is NULL");
    double var = 0.0;
    if (cfg->kind == CHAN_RAYLEIGH) var = 1.0;
    if (cfg->kind == CHAN_RICIAN) var = 1.0 / (pow(10.0, cfg->k_factor_db / 10.0) + 1.0);
    for (size_t d = 0; d < lags; d++) {
        double r;
        if (cfg->doppler_hz > 0.0)
            r = j0(2.0 * M_PI * cfg->doppler_hz * (double)d / cfg->symbol_rate);
        else if (cfg->coherence > 0)
            r = fmax(0.0, 1.0 - (double)d / (double)cfg->coherence);
        else
            r = 1.0;
        c[d] = var * r;
    }
    return BASE_OK;
}

chan_model *chan_model_create(const chan_model_config *cfg, base_err *err)
{
    if (validate(cfg, err)) return NULL;
    chan_model *q = calloc(1, sizeof *q);
    if (!q) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "channel: out of memory");
        return NULL;
    }
    q->cfg = *cfg;
    q->n0 = cfg->kind == CHAN_NONE ? 0.0 : pow(10.0, -cfg->snr_db / 10.0);
    q->sigma = (float)sqrt(q->n0);
    if (cfg->kind == CHAN_RICIAN) {
        double k = pow(10.0, cfg->k_factor_db / 10.0);
        q->los = (float)sqrt(k / (k + 1.0));
        q->scat = (float)sqrt(1.0 / (k + 1.0));
    } else {
        q->los = 0.0f;
        q->scat = 1.0f;
    }
    chan_model_reset(q);
    return q;
}

double chan_model_n0(const chan_model *q)
{
    return q ? q->n0 : 0.0;
}

void chan_model_reset(chan_model *q)
{
    if (!q) return;
    q->left = 0;
    q->fresh = 1;
    q->t = 0;
}

void chan_model_destroy(chan_model *q)
{
    free(q);
}

/* y[i] = h[i] x[i] + noise for one chunk (m <= CHUNK); x and y may alias. */
static void add_noise(chan_model *q, base_rng *rng, const float complex *x, float complex *y,
                      const float complex *g, size_t m)
{
    float complex w[CHUNK];
    base_rng_cnormal_fill_zig(rng, w, m, q->sigma);
    for (size_t i = 0; i < m; i++) y[i] = g[i] * x[i] + w[i];
}

static void execute_block(chan_model *q, base_rng *rng, const float complex *x, float complex *y,
                          float complex *h, size_t n)
{
    float complex w[CHUNK];
    if (q->cfg.coherence == 0) q->left = 0; /* one coefficient per call */
    size_t i = 0;
    while (i < n) {
        if (q->left == 0) {
            float complex g;
            base_rng_cnormal_fill_zig(rng, &g, 1, 1.0f);
            q->h = q->los + q->scat * g;
            q->left = q->cfg.coherence ? q->cfg.coherence : SIZE_MAX;
        }
        size_t m = n - i;
        if (m > q->left) m = q->left;
        if (m > CHUNK) m = CHUNK;
        float complex hh = q->h;
        base_rng_cnormal_fill_zig(rng, w, m, q->sigma);
        for (size_t k = 0; k < m; k++) y[i + k] = hh * x[i + k] + w[k];
        if (h)
            for (size_t k = 0; k < m; k++) h[i + k] = hh;
        q->left -= m;
        i += m;
    }
}

static void execute_doppler(chan_model *q, base_rng *rng, const float complex *x, float complex *y,
                            float complex *h, size_t n)
{
    if (q->fresh) {
        double wd = 2.0 * M_PI * q->cfg.doppler_hz / q->cfg.symbol_rate;
        for (int m = 0; m < SOS_M; m++) {
            q->w[m] = wd * cos(2.0 * M_PI * base_rng_uniform(rng));
            q->p[m] = 2.0 * M_PI * base_rng_uniform(rng);
        }
        q->fresh = 0;
    }
    const double amp = q->scat / sqrt((double)SOS_M);
    float complex g[CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? n - i : CHUNK;
        /* phasors restarted from the exact phase every chunk so the recursion cannot drift;
         * real arithmetic (C complex multiply would go through __muldc3's NaN checks) */
        double pr[SOS_M], pi[SOS_M], sr[SOS_M], si[SOS_M];
        for (int s = 0; s < SOS_M; s++) {
            double th = fmod(q->w[s] * (double)q->t + q->p[s], 2.0 * M_PI);
            pr[s] = cos(th);
            pi[s] = sin(th);
            sr[s] = cos(q->w[s]);
            si[s] = sin(q->w[s]);
        }
        for (size_t k = 0; k < m; k++) {
            /* two partial sums per part break the add latency chain (fixed order) */
            double a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0;
            for (int s = 0; s < SOS_M; s += 2) {
                a0 += pr[s];
                b0 += pi[s];
                a1 += pr[s + 1];
                b1 += pi[s + 1];
                double r0 = pr[s] * sr[s] - pi[s] * si[s];
                double r1 = pr[s + 1] * sr[s + 1] - pi[s + 1] * si[s + 1];
                pi[s] = pr[s] * si[s] + pi[s] * sr[s];
                pi[s + 1] = pr[s + 1] * si[s + 1] + pi[s + 1] * sr[s + 1];
                pr[s] = r0;
                pr[s + 1] = r1;
            }
            double sr_ = a0 + a1, si_ = b0 + b1;
            g[k] = (float)(q->los + amp * sr_) + I * (float)(amp * si_);
        }
        q->t += m;
        add_noise(q, rng, x + i, y + i, g, m);
        if (h) memcpy(h + i, g, m * sizeof *g);
    }
}

base_status chan_model_execute(chan_model *q, base_rng *rng, const float complex *x,
                               float complex *y, float complex *h, size_t n)
{
    if (!q || (n && (!x || !y)) || (!rng && q->cfg.kind != CHAN_NONE)) return BASE_EINVAL;
    switch (q->cfg.kind) {
    case CHAN_NONE:
        if (y != x) memmove(y, x, n * sizeof *y);
        if (h)
            for (size_t i = 0; i < n; i++) h[i] = 1.0f;
        return BASE_OK;
    case CHAN_AWGN: {
        float complex w[CHUNK];
        for (size_t i = 0; i < n; i += CHUNK) {
            size_t m = n - i < CHUNK ? n - i : CHUNK;
            base_rng_cnormal_fill_zig(rng, w, m, q->sigma);
            for (size_t k = 0; k < m; k++) y[i + k] = x[i + k] + w[k];
        }
        if (h)
            for (size_t i = 0; i < n; i++) h[i] = 1.0f;
        return BASE_OK;
    }
    default:
        if (q->cfg.doppler_hz > 0.0)
            execute_doppler(q, rng, x, y, h, n);
        else
            execute_block(q, rng, x, y, h, n);
        return BASE_OK;
    }
}
