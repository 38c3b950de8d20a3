/* receiver.c -- rx/tx keys -> codecs/recognizer over the run's shared
 * resources. See receiver.h. */
#include "sim/receiver.h"

#include <stdlib.h>
#include <string.h>

base_status sim_receiver_prepare(const sim_config *cfg, sim_resources *res, base_err *err)
{
    const sim_user_config *u0 = &cfg->user[0];
    base_status st = sim_resources_add_agent(res, u0->rx.model, err);
    if (st == BASE_OK && !strcmp(u0->rx.decoder, "beam"))
        st = sim_resources_add_lexicon(res, u0->rx.lm, err);
    return st;
}

void sim_receiver_close(sim_receiver *rx)
{
    codec_recognizer_ws_destroy(rx->ws);
    codec_recognizer_destroy(rx->own_r);
    codec_lexicon_destroy(rx->own_lex);
    memset(rx, 0, sizeof *rx);
}

/* The shared agent of path, or one loaded into g->own_r. */
static base_status agent_get(sim_receiver *g, const char *path, const sim_resources *res,
                             base_err *err)
{
    if ((g->r = sim_resources_agent(res, path))) return BASE_OK;
    base_status st = codec_recognizer_load(&g->own_r, path, err);
    g->r = g->own_r;
    return st;
}

base_status sim_receiver_open_greedy(sim_receiver *g, const char *path, const sim_resources *res,
                                     base_err *err)
{
    memset(g, 0, sizeof *g);
    base_status st = agent_get(g, path, res, err);
    if (st == BASE_OK) st = codec_recognizer_ws_create(&g->ws, g->r, NULL, NULL, err);
    if (st != BASE_OK) sim_receiver_close(g);
    return st;
}

base_status sim_receiver_open(sim_receiver *rx, const sim_config *cfg, const sim_resources *res,
                              base_err *err)
{
    const sim_user_config *u0 = &cfg->user[0];
    memset(rx, 0, sizeof *rx);
    base_status st = agent_get(rx, u0->rx.model, res, err);
    if (st != BASE_OK) return st;
    const codec_lexicon *lex = NULL;
    codec_beam_config bc = codec_beam_config_default();
    int beam = !strcmp(u0->rx.decoder, "beam");
    if (beam) {
        bc.beam = (int)u0->rx.beam_width;
        if (u0->rx.score_beam > 0) bc.score_beam = (float)u0->rx.score_beam;
        if (!(lex = sim_resources_lexicon(res, u0->rx.lm))) {
            st = codec_lexicon_create(&rx->own_lex, NULL, *u0->rx.lm ? u0->rx.lm : NULL, err);
            lex = rx->own_lex;
        }
    }
    if (st == BASE_OK) st = codec_recognizer_ws_create(&rx->ws, rx->r, lex, beam ? &bc : NULL, err);
    if (st != BASE_OK) sim_receiver_close(rx);
    return st;
}

base_status sim_receiver_open_decoder(sim_receiver *g, const char *path, const char *decoder,
                                      int64_t beam_width, const char *lm, const sim_resources *res,
                                      base_err *err)
{
    if (strcmp(decoder, "beam")) return sim_receiver_open_greedy(g, path, res, err);
    memset(g, 0, sizeof *g);
    base_status st = agent_get(g, path, res, err);
    if (st != BASE_OK) return st;
    codec_beam_config bc = codec_beam_config_default();
    bc.beam = (int)beam_width;
    const codec_lexicon *lex = sim_resources_lexicon(res, lm);
    if (!lex) {
        st = codec_lexicon_create(&g->own_lex, NULL, *lm ? lm : NULL, err);
        lex = g->own_lex;
    }
    if (st == BASE_OK) st = codec_recognizer_ws_create(&g->ws, g->r, lex, &bc, err);
    if (st != BASE_OK) sim_receiver_close(g);
    return st;
}
