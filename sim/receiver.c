/* receiver.c -- rx keys -> codecs/recognizer, and the run's shared lexicons.
 * See receiver.h. */
#include "sim/receiver.h"

#include <stdlib.h>
#include <string.h>

struct sim_lexicons {
    size_t n;
    const char **lm; /* (n) rx.lm of each, "" = the default LM (points into the configs' copy) */
    char *lm_text;   /* the strings behind lm */
    codec_lexicon **lex;
};

static int needs_lexicon(const sim_config *cfg)
{
    return strcmp(cfg->source.kind, "bits") && !strcmp(cfg->user[0].rx.decoder, "beam");
}

void sim_lexicons_destroy(sim_lexicons *lx)
{
    if (!lx) return;
    for (size_t i = 0; i < lx->n; i++) codec_lexicon_destroy(lx->lex[i]);
    free(lx->lex);
    free(lx->lm);
    free(lx->lm_text);
    free(lx);
}

const codec_lexicon *sim_lexicons_find(const sim_lexicons *lx, const char *lm)
{
    for (size_t i = 0; lx && i < lx->n; i++)
        if (!strcmp(lx->lm[i], lm)) return lx->lex[i];
    return NULL;
}

base_status sim_lexicons_create(sim_lexicons **out, const sim_config *cfgs, size_t n, base_err *err)
{
    *out = NULL;
    sim_lexicons *lx = calloc(1, sizeof *lx);
    if (!lx) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    lx->lm = calloc(n + 1, sizeof *lx->lm);
    lx->lex = calloc(n + 1, sizeof *lx->lex);
    lx->lm_text = calloc(n + 1, SIM_CFG_STR);
    if (!lx->lm || !lx->lex || !lx->lm_text) goto nomem;
    for (size_t p = 0; p < n; p++) {
        const char *lm = cfgs[p].user[0].rx.lm;
        if (!needs_lexicon(&cfgs[p]) || sim_lexicons_find(lx, lm)) continue;
        char *copy = lx->lm_text + lx->n * SIM_CFG_STR;
        memcpy(copy, lm, SIM_CFG_STR);
        copy[SIM_CFG_STR - 1] = 0;
        base_status st = codec_lexicon_create(&lx->lex[lx->n], NULL, *lm ? lm : NULL, err);
        if (st != BASE_OK) {
            sim_lexicons_destroy(lx);
            return st;
        }
        lx->lm[lx->n++] = copy;
    }
    *out = lx;
    return BASE_OK;
nomem:
    sim_lexicons_destroy(lx);
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
}

void sim_receiver_close(sim_receiver *rx)
{
    codec_recognizer_ws_destroy(rx->ws);
    codec_recognizer_destroy(rx->r);
    codec_lexicon_destroy(rx->own_lex);
    memset(rx, 0, sizeof *rx);
}

base_status sim_receiver_open(sim_receiver *rx, const sim_config *cfg, const sim_lexicons *lx,
                              base_err *err)
{
    const sim_user_config *u0 = &cfg->user[0];
    memset(rx, 0, sizeof *rx);
    base_status st = codec_recognizer_load(&rx->r, u0->rx.model, err);
    if (st != BASE_OK) return st;
    const codec_lexicon *lex = NULL;
    codec_beam_config bc = codec_beam_config_default();
    int beam = !strcmp(u0->rx.decoder, "beam");
    if (beam) {
        bc.beam = (int)u0->rx.beam_width;
        if (!(lex = sim_lexicons_find(lx, u0->rx.lm))) {
            st = codec_lexicon_create(&rx->own_lex, NULL, *u0->rx.lm ? u0->rx.lm : NULL, err);
            lex = rx->own_lex;
        }
    }
    if (st == BASE_OK) st = codec_recognizer_ws_create(&rx->ws, rx->r, lex, beam ? &bc : NULL, err);
    if (st != BASE_OK) sim_receiver_close(rx);
    return st;
}
