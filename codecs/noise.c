/* noise.c -- white, pink, brown and babble noise, added at an SNR (see noise.h). */
#include "codecs/noise.h"

#include <math.h>
#include <string.h>

static const char *const noise_names[] = {"white", "pink", "brown", "babble", NULL};

const char *const *codec_noise_names(void)
{
    return noise_names;
}

int codec_noise_parse(const char *name, codec_noise_type *t)
{
    for (int i = 0; name && noise_names[i]; i++)
        if (!strcmp(name, noise_names[i])) {
            *t = (codec_noise_type)i;
            return 0;
        }
    return -1;
}

double codec_noise_power(const float *x, size_t n)
{
    double p = 0;
    for (size_t i = 0; i < n; i++) p += (double)x[i] * x[i];
    return n ? p / (double)n : 0;
}

void codec_noise_normalise(float *x, size_t n)
{
    double p = codec_noise_power(x, n);
    if (p <= 0) return;
    float g = (float)(1.0 / sqrt(p));
    for (size_t i = 0; i < n; i++) x[i] *= g;
}

void codec_noise_color(codec_noise_type type, base_rng *r, float *out, size_t n)
{
    /* Kellet's pink filter state; brown's integrator */
    double b0 = 0, b1 = 0, b2 = 0, br = 0;
    for (size_t i = 0; i < n; i++) {
        double w = base_rng_normal(r);
        switch (type) {
        case CODEC_NOISE_PINK:
            b0 = 0.99765 * b0 + w * 0.0990460;
            b1 = 0.96300 * b1 + w * 0.2965164;
            b2 = 0.57000 * b2 + w * 1.0526913;
            out[i] = (float)(b0 + b1 + b2 + w * 0.1848);
            break;
        case CODEC_NOISE_BROWN:
            br = 0.998 * br + w;
            out[i] = (float)br;
            break;
        default:
            out[i] = (float)w;
        }
    }
    codec_noise_normalise(out, n);
}

void codec_noise_babble_add(float *out, size_t n, const float *talk, size_t tn, base_rng *r)
{
    double p = codec_noise_power(talk, tn);
    if (n == 0 || p <= 0) return;
    float g = (float)(1.0 / sqrt(p));
    size_t k = (size_t)base_rng_below(r, tn);
    for (size_t i = 0; i < n; i++) {
        out[i] += g * talk[k];
        if (++k == tn) k = 0;
    }
}

void codec_noise_add_snr(float *x, const float *noise, size_t n, double snr_db)
{
    if (!(snr_db < INFINITY)) return;
    double px = codec_noise_power(x, n), pn = codec_noise_power(noise, n);
    if (px <= 0 || pn <= 0) return;
    float g = (float)sqrt(px / (pn * pow(10.0, snr_db / 10.0)));
    for (size_t i = 0; i < n; i++) x[i] += g * noise[i];
}
