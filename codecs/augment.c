/* augment.c -- training augmentation on the fly (see augment.h): the recipe's
 * [augment] keys, one worker's planned transforms, the waveform chain and the
 * feature transforms. */
#include "codecs/augment.h"

#include <complex.h> /* before fftw3.h: fftwf_complex is float complex */

#include "codecs/audio.h"
#include "codecs/classic.h"
#include "codecs/noise.h"

#include <errno.h>
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEED_STEP 0.01     /* speed factors are quantised to this step */
#define MAX_CODECS 16       /* entries of the codec list */
#define MAX_RIR_SECONDS 1.0 /* the longest impulse response */
#define VTLP_KNEE_HZ 4800.0 /* Jaitly & Hinton's f_hi */

/* Child streams of the caller's stream, one per transform (base_rng_fork). */
enum { FORK_SPEED = 1, FORK_REVERB, FORK_BAND, FORK_NOISE, FORK_CODEC, FORK_GAIN, FORK_VTLP };

/* ---- configuration ------------------------------------------------------------ */

void codec_augment_config_default(codec_augment_config *c)
{
    memset(c, 0, sizeof *c);
    c->speed_min = 0.9f, c->speed_max = 1.1f;
    c->rt60_min = 0.2f, c->rt60_max = 0.8f, c->drr_min = 0, c->drr_max = 10;
    c->band_low = 300, c->band_high = 3400;
    c->noise_prob = 0.5f, c->snr_min = 5, c->snr_max = 30;
    c->noise_types = 1u << CODEC_NOISE_WHITE;
    c->babble_talkers = 4;
    snprintf(c->codecs, sizeof c->codecs, "codec2-3200,codec2-1200,opus-6,opus-12");
    c->gain_min_db = -20, c->gain_max_db = 10;
    c->vtlp_min = 0.9f, c->vtlp_max = 1.1f;
    c->time_masks = 2, c->time_mask_max = 15, c->freq_masks = 2, c->freq_mask_max = 10;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || !isfinite(x)) return -1;
    while (*end == ' ' || *end == '\t') end++;
    if (*end) return -1;
    *v = x;
    return 0;
}

/* noise_types: a comma-separated list of codecs/noise.h names. */
static base_status set_noise_types(codec_augment_config *c, const char *value, base_err *err)
{
    unsigned mask = 0;
    char buf[256];
    if (strlen(value) >= sizeof buf)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.noise_types: too long");
    strcpy(buf, value);
    for (char *save = NULL, *t = strtok_r(buf, ", \t", &save); t;
         t = strtok_r(NULL, ", \t", &save)) {
        codec_noise_type ty;
        if (codec_noise_parse(t, &ty))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "augment.noise_types: unknown noise '%s' (white, pink, brown, "
                                "babble)",
                                t);
        mask |= 1u << ty;
    }
    if (!mask) return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.noise_types: empty list");
    c->noise_types = mask;
    return BASE_OK;
}

base_status codec_augment_config_set(codec_augment_config *c, const char *key, const char *value,
                                     base_err *err)
{
    static const struct {
        const char *key;
        size_t off;
        double lo, hi;
        int integer;
    } num[] = {
#define NUM_F(k, lo, hi) {#k, offsetof(codec_augment_config, k), lo, hi, 0}
#define NUM_I(k, lo, hi)                                                                           \
    {                                                                                              \
#k, offsetof(codec_augment_config, k), lo, hi, 1                                           \
    }
        NUM_F(speed_prob, 0, 1),     NUM_F(speed_min, 0.5, 2),      NUM_F(speed_max, 0.5, 2),
        NUM_F(reverb_prob, 0, 1),    NUM_F(rt60_min, 0.05, 1),      NUM_F(rt60_max, 0.05, 1),
        NUM_F(drr_min, -20, 40),     NUM_F(drr_max, -20, 40),       NUM_F(band_prob, 0, 1),
        NUM_F(band_low, 0, 8000),    NUM_F(band_high, 1, 48000),    NUM_F(noise_prob, 0, 1),
        NUM_F(snr_min, -20, 100),    NUM_F(snr_max, -20, 100),      NUM_I(babble_talkers, 1, 32),
        NUM_F(codec_prob, 0, 1),     NUM_F(gain_prob, 0, 1),        NUM_F(gain_min_db, -60, 40),
        NUM_F(gain_max_db, -60, 40), NUM_F(vtlp_prob, 0, 1),        NUM_F(vtlp_min, 0.5, 2),
        NUM_F(vtlp_max, 0.5, 2),     NUM_I(time_masks, 0, 100),     NUM_I(time_mask_max, 0, 1000),
        NUM_I(freq_masks, 0, 100),   NUM_I(freq_mask_max, 0, 1000),
#undef NUM_F
#undef NUM_I
    };
    if (!strcmp(key, "noise_types")) return set_noise_types(c, value, err);
    if (!strcmp(key, "codecs")) {
        if (strlen(value) >= sizeof c->codecs)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.codecs: too long");
        strcpy(c->codecs, value);
        return BASE_OK;
    }
    for (size_t i = 0; i < sizeof num / sizeof *num; i++) {
        if (strcmp(key, num[i].key)) continue;
        double v;
        if (parse_num(value, &v) || v < num[i].lo || v > num[i].hi ||
            (num[i].integer && v != floor(v)))
            return base_err_set(
                err, BASE_EINVAL, NULL, 0, "augment.%s must be %s in %g..%g, got '%s'", key,
                num[i].integer ? "an integer" : "a number", num[i].lo, num[i].hi, value);
        char *p = (char *)c + num[i].off;
        if (num[i].integer)
            *(int *)p = (int)v;
        else
            *(float *)p = (float)v;
        return BASE_OK;
    }
    return BASE_ENOTFOUND;
}

/* Splits the codec list into names[] (each < 32 bytes); the count or -1. */
static int codec_list(const char *list, char names[MAX_CODECS][32])
{
    int n = 0;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        size_t k = strcspn(p, ", ");
        if (!k) break;
        if (n == MAX_CODECS || k >= 32) return -1;
        memcpy(names[n], p, k);
        names[n++][k] = 0;
        p += k;
    }
    return n;
}

base_status codec_augment_config_check(const codec_augment_config *c, base_err *err)
{
    const struct {
        const char *what;
        float lo, hi;
    } r[] = {{"speed_min > speed_max", c->speed_min, c->speed_max},
             {"rt60_min > rt60_max", c->rt60_min, c->rt60_max},
             {"drr_min > drr_max", c->drr_min, c->drr_max},
             {"band_low >= band_high", c->band_low, c->band_high - 1e-3f},
             {"snr_min > snr_max", c->snr_min, c->snr_max},
             {"gain_min_db > gain_max_db", c->gain_min_db, c->gain_max_db},
             {"vtlp_min > vtlp_max", c->vtlp_min, c->vtlp_max}};
    for (size_t i = 0; i < sizeof r / sizeof *r; i++)
        if (r[i].lo > r[i].hi)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.%s (%g > %g)", r[i].what,
                                r[i].lo, r[i].hi);
    if (!c->noise_types)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.noise_types: empty list");
    if (c->codec_prob > 0) {
        char names[MAX_CODECS][32];
        int n = codec_list(c->codecs, names);
        if (n <= 0)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "augment.codecs: a list of 1..%d codec names, got '%s'", MAX_CODECS,
                                c->codecs);
        for (int i = 0; i < n; i++) {
            codec_classic *q = codec_classic_create(names[i], err);
            if (!q) return err && err->code ? err->code : BASE_EINVAL;
            codec_classic_destroy(q);
        }
    }
    return BASE_OK;
}

/* ---- the object ------------------------------------------------------------------ */

struct codec_augment {
    codec_augment_config c;
    int rate;
    size_t max_in, max_out;
    float *tmp, *noise, *talk; /* (max_out) scratch */
    /* speed: one resampler per quantised factor */
    codec_resampler **speed;
    int nspeed;
    /* reverb: FFT overlap-add */
    int nfft, lmax; /* FFT size; longest impulse response (samples) */
    float *fbuf;    /* (nfft) fftwf_malloc'd */
    fftwf_complex *fx, *fh;
    fftwf_plan fwd, inv;
    float *acc; /* (max_out + nfft) */
    /* codecs */
    codec_classic *codec[MAX_CODECS];
    int ncodec;
    uint8_t *bits;
    /* vtlp */
    double *centre; /* (n_mels) Hz */
    float *row;     /* (n_mels) */
    int n_mels;
    double f_max;
};

size_t codec_augment_max_out(const codec_augment_config *c, size_t max_in)
{
    double smin = c->speed_prob > 0 ? c->speed_min : 1.0;
    return (size_t)ceil((double)max_in / smin) + 16;
}

void codec_augment_destroy(codec_augment *a)
{
    if (!a) return;
    for (int i = 0; i < a->nspeed; i++) codec_resampler_destroy(a->speed[i]);
    free(a->speed);
    if (a->fwd) fftwf_destroy_plan(a->fwd);
    if (a->inv) fftwf_destroy_plan(a->inv);
    fftwf_free(a->fbuf), fftwf_free(a->fx), fftwf_free(a->fh);
    for (int i = 0; i < a->ncodec; i++) codec_classic_destroy(a->codec[i]);
    free(a->bits), free(a->acc), free(a->tmp), free(a->noise), free(a->talk);
    free(a->centre), free(a->row);
    free(a);
}

static base_status plan_speed(codec_augment *a, base_err *err)
{
    const codec_augment_config *c = &a->c;
    int k0 = (int)lround(c->speed_min / SPEED_STEP), k1 = (int)lround(c->speed_max / SPEED_STEP);
    a->nspeed = 0;
    if (!(a->speed = calloc((size_t)(k1 - k0 + 1), sizeof *a->speed)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (int k = k0; k <= k1; k++) {
        int rin = (int)lround(a->rate * k * SPEED_STEP);
        base_status st = codec_resampler_create(rin, a->rate, &a->speed[a->nspeed], err);
        if (st) return st;
        a->nspeed++;
    }
    return BASE_OK;
}

static base_status plan_reverb(codec_augment *a, base_err *err)
{
    double rmax = a->c.rt60_max < MAX_RIR_SECONDS ? a->c.rt60_max : MAX_RIR_SECONDS;
    a->lmax = (int)ceil(rmax * a->rate) + 1;
    a->nfft = 1024;
    while (a->nfft < 2 * a->lmax) a->nfft *= 2;
    size_t nc = (size_t)a->nfft / 2 + 1;
    a->fbuf = fftwf_malloc(sizeof(float) * (size_t)a->nfft);
    a->fx = fftwf_malloc(sizeof(fftwf_complex) * nc);
    a->fh = fftwf_malloc(sizeof(fftwf_complex) * nc);
    a->acc = malloc(sizeof(float) * (a->max_out + (size_t)a->nfft));
    if (!a->fbuf || !a->fx || !a->fh || !a->acc)
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    a->fwd = fftwf_plan_dft_r2c_1d(a->nfft, a->fbuf, a->fx, FFTW_ESTIMATE);
    a->inv = fftwf_plan_dft_c2r_1d(a->nfft, a->fx, a->fbuf, FFTW_ESTIMATE);
    if (!a->fwd || !a->inv) return base_err_set(err, BASE_EINTERNAL, NULL, 0, "FFTW plan failed");
    return BASE_OK;
}

static base_status plan_codecs(codec_augment *a, base_err *err)
{
    char names[MAX_CODECS][32];
    int n = codec_list(a->c.codecs, names);
    if (n <= 0) return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.codecs: empty list");
    if (a->rate != 16000)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "augment.codecs needs 16 kHz audio");
    size_t bytes = 0;
    for (int i = 0; i < n; i++) {
        if (!(a->codec[i] = codec_classic_create(names[i], err)))
            return err && err->code ? err->code : BASE_EINVAL;
        a->ncodec++;
        size_t b =
            codec_classic_frames(a->codec[i], a->max_out) * codec_classic_frame_bytes(a->codec[i]);
        if (b > bytes) bytes = b;
    }
    if (!(a->bits = malloc(bytes))) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return BASE_OK;
}

static double hz_to_mel(double f)
{
    return 2595.0 * log10(1.0 + f / 700.0);
}
static double mel_to_hz(double m)
{
    return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
}

codec_augment *codec_augment_create(const codec_augment_config *c, int rate, size_t max_in,
                                    int n_mels, double f_min, double f_max, base_err *err)
{
    if (!c || rate <= 0 || max_in == 0 || n_mels < 1) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "codec_augment_create: bad argument");
        return NULL;
    }
    if (codec_augment_config_check(c, err)) return NULL;
    if (c->band_prob > 0 && c->band_high >= rate / 2.0f) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "augment.band_high %g Hz >= half the rate %d Hz",
                     c->band_high, rate);
        return NULL;
    }
    codec_augment *a = calloc(1, sizeof *a);
    if (!a) goto nomem;
    a->c = *c;
    a->rate = rate;
    a->max_in = max_in;
    a->max_out = codec_augment_max_out(c, max_in);
    a->n_mels = n_mels;
    a->f_max = f_max > 0 ? f_max : rate / 2.0;
    a->tmp = malloc(a->max_out * sizeof(float));
    a->noise = malloc(a->max_out * sizeof(float));
    a->talk = malloc(a->max_out * sizeof(float));
    a->centre = malloc((size_t)n_mels * sizeof(double));
    a->row = malloc((size_t)n_mels * sizeof(float));
    if (!a->tmp || !a->noise || !a->talk || !a->centre || !a->row) goto nomem;
    double m0 = hz_to_mel(f_min), m1 = hz_to_mel(a->f_max);
    for (int m = 0; m < n_mels; m++)
        a->centre[m] = mel_to_hz(m0 + (m1 - m0) * (m + 1) / (n_mels + 1));
    if ((c->speed_prob > 0 && plan_speed(a, err)) || (c->reverb_prob > 0 && plan_reverb(a, err)) ||
        (c->codec_prob > 0 && plan_codecs(a, err)))
        goto fail;
    return a;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    codec_augment_destroy(a);
    return NULL;
}

/* ---- waveform transforms ------------------------------------------------------- */

static double uni(base_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * base_rng_uniform(r);
}

static size_t do_speed(codec_augment *a, base_rng *r, float *x, size_t n)
{
    int k = (int)base_rng_below(r, (uint64_t)a->nspeed);
    size_t m = codec_resampler_output_len(a->speed[k], n);
    if (m > a->max_out || codec_resampler_execute(a->speed[k], x, n, a->tmp, NULL)) return n;
    memcpy(x, a->tmp, m * sizeof *x);
    return m;
}

/* Impulse response into fh: unit direct path, exponential noise tail. */
static void make_rir(codec_augment *a, base_rng *r)
{
    double rt60 = uni(r, a->c.rt60_min, a->c.rt60_max), drr = uni(r, a->c.drr_min, a->c.drr_max);
    int len = (int)ceil(rt60 * a->rate);
    if (len > a->lmax) len = a->lmax;
    int t0 = (int)lround(0.0025 * a->rate);
    float *h = a->fbuf;
    memset(h, 0, sizeof(float) * (size_t)a->nfft);
    double e = 0;
    for (int t = t0; t < len; t++) {
        h[t] = (float)(base_rng_normal(r) * exp(-6.907755 * (double)t / (rt60 * a->rate)));
        e += (double)h[t] * h[t];
    }
    float g = e > 0 ? (float)sqrt(pow(10.0, -drr / 10.0) / e) : 0;
    for (int t = t0; t < len; t++) h[t] *= g;
    h[0] = 1;
    fftwf_execute_dft_r2c(a->fwd, h, a->fh);
}

static void do_reverb(codec_augment *a, base_rng *r, float *x, size_t n)
{
    make_rir(a, r);
    size_t blk = (size_t)(a->nfft - a->lmax + 1), nc = (size_t)a->nfft / 2 + 1;
    float s = 1.0f / (float)a->nfft;
    memset(a->acc, 0, sizeof(float) * (n + (size_t)a->nfft));
    for (size_t off = 0; off < n; off += blk) {
        size_t k = n - off < blk ? n - off : blk;
        memset(a->fbuf, 0, sizeof(float) * (size_t)a->nfft);
        memcpy(a->fbuf, x + off, k * sizeof(float));
        fftwf_execute_dft_r2c(a->fwd, a->fbuf, a->fx);
        for (size_t i = 0; i < nc; i++) a->fx[i] *= a->fh[i]; /* complex.h via base/rng.h */
        fftwf_execute_dft_c2r(a->inv, a->fx, a->fbuf);
        for (int i = 0; i < a->nfft; i++) a->acc[off + (size_t)i] += s * a->fbuf[i];
    }
    memcpy(x, a->acc, n * sizeof(float));
}

/* One RBJ biquad (Q q, high-pass or low-pass at f Hz) run over x in place. */
static void biquad(float *x, size_t n, double f, double q, int high, int rate)
{
    double w = 2 * M_PI * f / rate, cw = cos(w), al = sin(w) / (2 * q);
    double b0 = high ? (1 + cw) / 2 : (1 - cw) / 2, b1 = high ? -(1 + cw) : 1 - cw, b2 = b0;
    double a0 = 1 + al, a1 = -2 * cw, a2 = 1 - al;
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
    for (size_t i = 0; i < n; i++) {
        double y = (b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
        x2 = x1, x1 = x[i], y2 = y1, y1 = y;
        x[i] = (float)y;
    }
}

static void do_band(codec_augment *a, float *x, size_t n)
{
    static const double q4[2] = {0.54119610, 1.30656296}; /* 4th-order Butterworth */
    for (int s = 0; s < 2; s++) biquad(x, n, a->c.band_low, q4[s], 1, a->rate);
    for (int s = 0; s < 2; s++) biquad(x, n, a->c.band_high, q4[s], 0, a->rate);
}

/* The noise type: the only allowed one, or one drawn from r. */
static codec_noise_type noise_type(unsigned mask, base_rng *r)
{
    int allowed[CODEC_NOISE_NTYPES], n = 0;
    for (int t = 0; t < CODEC_NOISE_NTYPES; t++)
        if (mask & (1u << t)) allowed[n++] = t;
    return (codec_noise_type)(n == 1 ? allowed[0] : allowed[base_rng_below(r, (uint64_t)n)]);
}

static void do_noise(codec_augment *a, base_rng *r, float *x, size_t n,
                     const codec_augment_talkers *babble)
{
    const codec_augment_config *c = &a->c;
    double snr = c->snr_min + (c->snr_max - c->snr_min) * base_rng_uniform(r);
    base_rng rn;
    base_rng_fork(r, FORK_NOISE, &rn);
    codec_noise_type t = noise_type(c->noise_types, &rn);
    if (t == CODEC_NOISE_WHITE) { /* drawn from r itself: the recipes' original noise */
        double p = codec_noise_power(x, n);
        float sigma = (float)sqrt(p / pow(10.0, snr / 10.0));
        for (size_t k = 0; k < n; k++) x[k] += sigma * (float)base_rng_normal(r);
        return;
    }
    if (t == CODEC_NOISE_BABBLE) {
        if (!babble || !babble->n) return;
        memset(a->noise, 0, n * sizeof(float));
        for (int k = 0; k < c->babble_talkers; k++) {
            size_t tn = 0;
            const int16_t *w = babble->get(babble->ctx, base_rng_below(&rn, babble->n), &tn);
            if (tn > a->max_out) tn = a->max_out;
            for (size_t i = 0; i < tn; i++) a->talk[i] = w[i] * (1.0f / 32767.0f);
            codec_noise_babble_add(a->noise, n, a->talk, tn, &rn);
        }
    } else {
        codec_noise_color(t, &rn, a->noise, n);
    }
    codec_noise_add_snr(x, a->noise, n, snr);
}

static void do_codec(codec_augment *a, base_rng *r, float *x, size_t n)
{
    codec_classic *q = a->codec[base_rng_below(r, (uint64_t)a->ncodec)];
    size_t nf = codec_classic_frames(q, n);
    if (codec_classic_encode(q, x, n, a->bits, NULL) ||
        codec_classic_decode(q, a->bits, NULL, nf, a->tmp, n, NULL))
        return; /* the utterance stays as it was (documented) */
    memcpy(x, a->tmp, n * sizeof(float));
}

static void do_gain(const codec_augment_config *c, base_rng *r, float *x, size_t n)
{
    float g = (float)pow(10.0, uni(r, c->gain_min_db, c->gain_max_db) / 20.0);
    for (size_t i = 0; i < n; i++) {
        float v = g * x[i];
        x[i] = v > 1.0f ? 1.0f : v < -1.0f ? -1.0f : v;
    }
}

/* Does transform k (probability p) fire? Its child stream in *child. */
static int fires(base_rng *r, int k, float p, base_rng *child)
{
    if (!(p > 0)) return 0;
    base_rng_fork(r, (uint64_t)k, child);
    return base_rng_uniform(child) < p;
}

size_t codec_augment_wave(codec_augment *a, base_rng *r, float *x, size_t n,
                          const codec_augment_talkers *babble)
{
    const codec_augment_config *c = &a->c;
    base_rng cr;
    if (n == 0 || n > a->max_in) return n;
    if (fires(r, FORK_SPEED, c->speed_prob, &cr)) n = do_speed(a, &cr, x, n);
    if (fires(r, FORK_REVERB, c->reverb_prob, &cr)) do_reverb(a, &cr, x, n);
    if (fires(r, FORK_BAND, c->band_prob, &cr)) do_band(a, x, n);
    if (c->noise_prob > 0 && base_rng_uniform(r) < c->noise_prob) do_noise(a, r, x, n, babble);
    if (fires(r, FORK_CODEC, c->codec_prob, &cr)) do_codec(a, &cr, x, n);
    if (fires(r, FORK_GAIN, c->gain_prob, &cr)) do_gain(c, &cr, x, n);
    return n;
}

/* ---- feature transforms ---------------------------------------------------------- */

/* The frequency that VTLP's warp (factor alpha, knee b = f_hi min(alpha,1))
 * maps to f: the inverse of f -> alpha f below b / alpha, linear to f_max above. */
static double vtlp_source(double f, double alpha, double fmax)
{
    double b = VTLP_KNEE_HZ * (alpha < 1 ? alpha : 1);
    if (b >= fmax) b = 0.9 * fmax;
    if (f <= b) return f / alpha;
    return fmax - (fmax - f) * (fmax - b / alpha) / (fmax - b);
}

static void do_vtlp(codec_augment *a, base_rng *r, float *feat, int T, int M)
{
    double alpha = uni(r, a->c.vtlp_min, a->c.vtlp_max);
    for (int t = 0; t < T; t++) {
        float *y = feat + (size_t)t * M;
        memcpy(a->row, y, sizeof(float) * (size_t)M);
        int j = 0;
        for (int m = 0; m < M; m++) {
            double f = vtlp_source(a->centre[m], alpha, a->f_max);
            if (f <= a->centre[0]) {
                y[m] = a->row[0];
                continue;
            }
            if (f >= a->centre[M - 1]) {
                y[m] = a->row[M - 1];
                continue;
            }
            while (j > 0 && a->centre[j] > f) j--;
            while (j + 1 < M - 1 && a->centre[j + 1] < f) j++;
            double w = (f - a->centre[j]) / (a->centre[j + 1] - a->centre[j]);
            y[m] = (float)((1 - w) * a->row[j] + w * a->row[j + 1]);
        }
    }
}

void codec_augment_features(codec_augment *a, base_rng *r, float *feat, int T, int M)
{
    const codec_augment_config *c = &a->c;
    base_rng cr;
    if (M == a->n_mels && M > 1 && fires(r, FORK_VTLP, c->vtlp_prob, &cr))
        do_vtlp(a, &cr, feat, T, M);
    /* masked values are set to 0, the per-band mean after normalisation */
    for (int k = 0; k < c->time_masks && c->time_mask_max > 0; k++) {
        int w = (int)base_rng_below(r, (uint64_t)c->time_mask_max + 1);
        if (w > T / 5) w = T / 5; /* never hide more than a fifth per mask */
        if (w <= 0) continue;
        int t0 = (int)base_rng_below(r, (uint64_t)(T - w + 1));
        memset(feat + (size_t)t0 * M, 0, sizeof(float) * (size_t)w * M);
    }
    for (int k = 0; k < c->freq_masks && c->freq_mask_max > 0; k++) {
        int w = (int)base_rng_below(r, (uint64_t)c->freq_mask_max + 1);
        if (w <= 0 || w >= M) continue;
        int f0 = (int)base_rng_below(r, (uint64_t)(M - w + 1));
        for (int t = 0; t < T; t++) memset(feat + (size_t)t * M + f0, 0, sizeof(float) * w);
    }
}
