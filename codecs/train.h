/* train.h -- training an agent with CTC: configuration (INI), data loading,
 * augmentation, length-bucketed batches, AdamW, checkpoints and resume.
 *
 * Where it sits: `semsim train CONFIG.ini` (sim/cmd_train.c) loads the recipe
 * (codecs/recipe) and calls codec_train_run, which reads the manifests and
 * audio and computes features (codecs/train_data), trains the agent in the
 * shared CTC loop (codecs/ctc_train: codecs/agent, codecs/ctc, codecs/optim),
 * scores the dev set with the sclite aligner (codecs/align) and writes the
 * model file (codecs/modelfile + codecs/frontend).
 *
 * Determinism: the data order of epoch e comes from stream (seed, e,
 * "train.batches"); the augmentation and dropout of utterance j of step s from
 * stream (seed, s*batch + j, ...). Each utterance's gradient goes into its own
 * slot and the slots are summed in batch order, so a run gives bit-identical
 * weights for any number of threads, and a resumed run continues exactly where
 * the interrupted one stopped (OpenBLAS runs single-threaded inside each worker).
 *
 * The recipe (INI keys, defaults, checks) is codecs/recipe.h.
 */
#ifndef CODECS_TRAIN_H
#define CODECS_TRAIN_H

#include "codecs/recipe.h"
#include "base/log.h"
#include "base/status.h"

#include <signal.h>
#include <stdint.h>

typedef struct codec_train_result {
    long steps_done, steps_total;
    int finished;     /* 1: reached the last step; 0: stopped early (resume later) */
    double last_loss; /* mean CTC loss of the last logged window */
    double dev_cer;   /* last dev CER (fraction), NaN if none */
    double dev_wer;   /* last dev WER (greedy), NaN if none */
    double best_dev_cer;
    double seconds; /* wall time of this run */
    size_t params;  /* trainable parameters */
    size_t train_utts, dev_utts;
} codec_train_result;

/* Trains (or resumes from c->checkpoint) and writes the model with the best
 * dev CER seen to out_model (every evaluation that improves it, and at the
 * end; the last weights if there is no dev set). stop (may be NULL) is polled
 * between steps: non-zero stops like the time limit does. */
base_status codec_train_run(const codec_train_config *c, const char *out_model,
                            const volatile sig_atomic_t *stop, const base_log *lg,
                            codec_train_result *res, base_err *err);

/* Greedy CTC decoding of logprobs (T,V): best class per frame, repeats merged,
 * blanks dropped, written as text (NUL-terminated, at most cap-1 chars).
 * Returns the text length. */
int codec_train_greedy(const float *logprobs, int t, int v, char *out, int cap);

#endif
