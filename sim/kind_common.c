/* kind_common.c -- what the source kinds share. See kind_common.h. */
#include "sim/kind_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (!*cfg->source.manifest)
        return base_err_set(
            err, BASE_EINVAL, NULL, 0,
            "no source.manifest: the TTS source was not prepared (sim_tts_source_prepare)");
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

base_status sim_raw_links_open(sim_raw_links *rl, const sim_config *cfg, size_t fbits,
                               base_err *err)
{
    memset(rl, 0, sizeof *rl);
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        size_t block = (size_t)uc->link.frames_per_packet * fbits;
        chan_link_config lc;
        sim_kind_link(cfg, uc, block, &lc);
        lc.quant_bits = 1; /* one "value" is one payload bit */
        lc.lost = NULL;    /* lost frames are the kind's to handle, not the link's */
        if (!(rl->link[u] = chan_link_create(&lc, err)))
            return err->code ? err->code : BASE_EINTERNAL;
        if (sim_kind_grow((void **)&rl->idx, &rl->cap_block, block, sizeof *rl->idx)) goto nomem;
        free(rl->ridx);
        free(rl->valid);
        rl->ridx = malloc(rl->cap_block * sizeof *rl->ridx);
        rl->valid = malloc(rl->cap_block);
        if (!rl->ridx || !rl->valid) goto nomem;
    }
    return BASE_OK;
nomem:
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
}

void sim_raw_links_close(sim_raw_links *rl)
{
    for (size_t u = 0; u < SIM_MAX_USERS; u++) chan_link_destroy(rl->link[u]);
    free(rl->idx);
    free(rl->ridx);
    free(rl->valid);
    memset(rl, 0, sizeof *rl);
}
