/* receiver.h -- an agent as a scenario sets it up: the receiver (rx.model
 * recognising with rx.decoder: LM beam search with rx.beam_width, as
 * `semsim eval`, or greedy) and the transmitter (tx.model, greedy: it decodes
 * only to label its anchor frames).
 *
 * Where it sits: sim/run.c loads the agents and lexicons once per run into a
 * sim_resources (sim/resources.h; sim_receiver_prepare says what a receiver
 * needs) before the worker threads start; every job's kind (sim/pipe_semantic.c,
 * sim/pipe_codec.c) then opens its agents on them: a worker creates only its
 * work space. Each receiver's beam decoder loads its own LM handle
 * (sphinxbase's scoring is not thread-safe, see codecs/decode.h).
 */
#ifndef SIM_RECEIVER_H
#define SIM_RECEIVER_H

#include <stdint.h>

#include "base/status.h"
#include "codecs/decode.h"
#include "codecs/recognizer.h"
#include "sim/resources.h"
#include "sim/scenario.h"

/* Adds to res what user 0's receiver needs: rx.model, and rx.lm's lexicon
 * when rx.decoder = beam. Main thread, before workers start. */
base_status sim_receiver_prepare(const sim_config *cfg, sim_resources *res, base_err *err);

/* An opened agent: r is shared (from sim_resources) or owned (own_r, loaded
 * here when res lacks it); ws is this job's work space. */
typedef struct sim_receiver {
    const codec_recognizer *r;
    codec_recognizer *own_r; /* loaded here when the resources did not hold the model */
    codec_recognizer_ws *ws;
    codec_lexicon *own_lex; /* built here when no shared lexicon was given */
} sim_receiver;

/* User 0's receiver. res: the run's resources (may be NULL: the receiver then
 * loads its model and builds its lexicon itself). Errors of
 * codec_recognizer_load name the model file. On failure *rx is cleared. */
base_status sim_receiver_open(sim_receiver *rx, const sim_config *cfg, const sim_resources *res,
                              base_err *err);
/* The agent of model file path with a greedy work space (the transmitter). */
base_status sim_receiver_open_greedy(sim_receiver *g, const char *path, const sim_resources *res,
                                     base_err *err);
/* The agent of model file path decoding with decoder ("beam": beam_width over
 * lm's lexicon, "" = the decoder's own LM; "greedy"): the transmitter of
 * source.kind = text (tx.decoder, tx.beam_width, tx.lm). */
base_status sim_receiver_open_decoder(sim_receiver *g, const char *path, const char *decoder,
                                      int64_t beam_width, const char *lm, const sim_resources *res,
                                      base_err *err);
void sim_receiver_close(sim_receiver *rx); /* a cleared or closed receiver is a no-op */

#endif
