/* receiver.h -- the receiving agent as a scenario sets it up: rx.model
 * recognising with rx.decoder (LM beam search with rx.beam_width, as
 * `semsim eval` by default, or greedy), and the lexicons a run shares.
 *
 * Where it sits: sim/run.c builds one sim_lexicons per run, before the
 * worker threads start (a cmudict trie with the LM's word ids takes 0.4-1 s
 * to build); every job's pipeline (sim/pipe_semantic.c, sim/pipe_codec.c)
 * then opens its receiver on it. The lexicons are read-only and shared by
 * every thread; each receiver's beam decoder loads its own LM handle
 * (sphinxbase's scoring is not thread-safe, see codecs/decode.h).
 */
#ifndef SIM_RECEIVER_H
#define SIM_RECEIVER_H

#include "codecs/decode.h"
#include "codecs/recognizer.h"
#include "base/status.h"
#include "sim/scenario.h"

typedef struct sim_lexicons sim_lexicons;

/* One lexicon per distinct rx.lm among the n configs (sweep points) whose
 * source speaks (not kind = bits) and whose user 0 decodes with
 * rx.decoder = beam; none when no point needs one. */
base_status sim_lexicons_create(sim_lexicons **out, const sim_config *cfgs, size_t n,
                                base_err *err);
void sim_lexicons_destroy(sim_lexicons *lx); /* NULL is a no-op */
/* The lexicon built for rx.lm = lm ("" = the decoder's default LM), or NULL. */
const codec_lexicon *sim_lexicons_find(const sim_lexicons *lx, const char *lm);

/* A receiver: user 0's rx.model loaded and one work space decoding with
 * rx.decoder (beam: codec_beam_config_default() with rx.beam_width). */
typedef struct sim_receiver {
    codec_recognizer *r;
    codec_recognizer_ws *ws;
    codec_lexicon *own_lex; /* built here when no shared lexicon was given */
} sim_receiver;

/* lx: the run's lexicons (may be NULL: the receiver then builds its own
 * lexicon when it needs one). Errors of codec_recognizer_load name the
 * model file. On failure *rx is cleared. */
base_status sim_receiver_open(sim_receiver *rx, const sim_config *cfg, const sim_lexicons *lx,
                              base_err *err);
void sim_receiver_close(sim_receiver *rx); /* a cleared or closed receiver is a no-op */

#endif
