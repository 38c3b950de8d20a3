/* source_noise.c -- additive noise on the source speech (see source_noise.h). */
#include "sim/source_noise.h"

#include "base/rng.h"
#include "codecs/audio.h"
#include "codecs/noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Babble from other utterances of the manifest into noise[0..n). */
static base_status babble(const sim_source_noise *nz, base_rng *r, int rate, float *noise, size_t n,
                          base_err *err)
{
    size_t m = codec_manifest_size(nz->man);
    memset(noise, 0, n * sizeof *noise);
    for (int k = 0; k < SIM_SOURCE_BABBLE_TALKERS && m > 1; k++) {
        const char *p = NULL;
        for (int tries = 0; tries < 16; tries++) { /* another utterance than this one */
            p = codec_manifest_audio_path(nz->man, (size_t)base_rng_below(r, m));
            if (!nz->path || strcmp(p, nz->path)) break;
        }
        float *t = NULL;
        size_t tn = 0;
        base_status st = codec_audio_read(p, rate, &t, &tn, err);
        if (st) return st;
        codec_noise_babble_add(noise, n, t, tn, r);
        free(t);
    }
    return BASE_OK;
}

base_status sim_source_noise_apply(const sim_source_noise *nz, int rate, float *x, size_t n,
                                   base_err *err)
{
    if (!nz || !(nz->cfg->source.noise_snr_db < INFINITY) || n == 0) return BASE_OK;
    codec_noise_type type;
    if (codec_noise_parse(nz->cfg->source.noise, &type))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "source.noise: unknown noise '%s'",
                            nz->cfg->source.noise);
    float *noise = malloc(n * sizeof *noise);
    if (!noise) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_rng r;
    base_rng_init(&r, nz->seed, nz->index, base_rng_component("source.noise"));
    base_status st = BASE_OK;
    if (type == CODEC_NOISE_BABBLE)
        st = nz->man
                 ? babble(nz, &r, rate, noise, n, err)
                 : base_err_set(err, BASE_EINVAL, NULL, 0, "source.noise=babble needs a source");
    else
        codec_noise_color(type, &r, noise, n);
    if (!st) codec_noise_add_snr(x, noise, n, nz->cfg->source.noise_snr_db);
    free(noise);
    return st;
}
