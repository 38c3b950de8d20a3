/* kind_common.c -- what the source kinds share. See kind_common.h. */
#include "sim/kind_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "codecs/text.h"
#include "sim/sample.h"

void sim_kind_link(const sim_config *cfg, const sim_user_config *uc, size_t values_per_packet,
                   chan_link_config *lc)
{
    chan_link_config_default(lc);
    lc->mode = uc->link.mode;
    lc->modulation = uc->link.modulation;
    lc->fec = uc->link.fec;
    lc->lost = uc->link.lost;
    lc->quant_bits = (unsigned)uc->link.quant_bits;
    lc->values_per_packet = values_per_packet;
    lc->model = uc->channel.model;
    lc->snr_db = uc->channel.snr_db;
    lc->k_factor_db = uc->channel.k_factor_db;
    lc->doppler_hz = uc->channel.doppler_hz;
    lc->coherence = (long long)uc->channel.coherence;
    lc->symbol_rate = cfg->medium.symbol_rate;
}

base_status sim_kind_manifest_read(const sim_config *cfg, codec_manifest **man, base_err *err)
{
    base_status st = codec_manifest_read(cfg->source.manifest, man, err);
    if (st != BASE_OK) return st;
    size_t n = cfg->scenario.utterances > 0 ? (size_t)cfg->scenario.utterances : 0;
    st = sim_sample_apply(*man, n, (uint64_t)cfg->scenario.seed, err);
    if (st != BASE_OK) {
        codec_manifest_destroy(*man);
        *man = NULL;
    }
    return st;
}

base_status sim_kind_utterance(const codec_manifest *man, sim_utt *u, const char **path, char **ref,
                               base_err *err)
{
    size_t i = u->index % codec_manifest_size(man);
    *path = codec_manifest_audio_path(man, i);
    snprintf(u->res.id, sizeof u->res.id, "%s", codec_manifest_id(man, i));
    snprintf(u->res.voice, sizeof u->res.voice, "%s", codec_manifest_speaker(man, i));
    return codec_text_normalise(codec_manifest_transcript(man, i), ref, err);
}

int sim_kind_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap) return 0;
    void *q = realloc(*p, n * size);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

base_status sim_kind_fail(const sim_scenario *sc, base_err *err, const char *key, base_status code,
                          const char *fmt, ...)
{
    const char *file;
    int line;
    sim_scenario_where(sc, key, &file, &line);
    va_list ap;
    va_start(ap, fmt);
    base_err_vset(err, code, file, line, fmt, ap);
    va_end(ap);
    return code;
}
