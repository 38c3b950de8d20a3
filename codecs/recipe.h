/* recipe.h -- an agent's training recipe: the configuration codec_train_run
 * reads, its defaults, one-key setter, INI reader and whole-recipe check.
 * Where it sits: `semsim train CONFIG.ini` (sim/cmd_train.c) loads a recipe
 * here and hands it to codecs/train.
 *
 * INI keys (sections [agent], [data], [train], [augment]); relative paths are
 * relative to the current directory:
 *   [agent]   family, d, stride, width, kernel0, kernel, enc_depth, dec_depth,
 *             dilation_max, dropout, upsample: the fields of codecs/agent_arch.c's
 *             table marked CODEC_ARCH_RECIPE (bounds and defaults there)
 *   [data]    train (manifest; repeat the key or separate by commas for more),
 *             dev (manifest), dev_max (dev utterances scored during training,
 *             0 = all), max_seconds (longer training utterances are skipped)
 *   [train]   seed, epochs, steps (overrides epochs when > 0), batch, lr,
 *             warmup, weight_decay, clip, min_lr_ratio, decay (cosine|linear),
 *             threads, time_limit_min (stop, checkpoint, resume later; 0 = none),
 *             run_steps (stop after this many steps of this run; 0 = none),
 *             checkpoint (path; resumed from when it exists), init (a model file
 *             of the same architecture to start from: fine-tuning; ignored when
 *             resuming from a checkpoint), checkpoint_every,
 *             eval_every, log_every (steps), keep (best: the model file is the
 *             best dev CER so far; last: the last step's weights, written when
 *             the schedule ends, also by a re-run on a finished checkpoint)
 *   [augment] the keys of codecs/augment.h (codec_augment_config_set): each
 *             transform's probability and range -- speed, reverberation,
 *             telephone band, noise (white/pink/brown/babble), Codec2/Opus round
 *             trips, gain, VTLP, SpecAugment masks
 *   Speed/pitch perturbation can also be done at synthesis time: list the
 *   perturbed manifests under [data] train (tools/make-train-data.sh makes them).
 */
#ifndef CODECS_RECIPE_H
#define CODECS_RECIPE_H

#include "codecs/agent.h"
#include "codecs/augment.h"
#include "codecs/melspec.h"
#include "codecs/optim.h"
#include "base/status.h"

#include <stdint.h>

#define CODEC_TRAIN_MAX_MANIFESTS 16
#define CODEC_TRAIN_PATH 1024

typedef struct codec_train_config {
    codec_agent_config agent;
    codec_melspec_config frontend;
    uint64_t seed;
    char train[CODEC_TRAIN_MAX_MANIFESTS][CODEC_TRAIN_PATH];
    int n_train;
    char dev[CODEC_TRAIN_PATH]; /* "" = no dev evaluation */
    int dev_max;
    double max_seconds;
    int epochs;
    long steps;
    int batch;
    codec_optim_config optim; /* total_steps filled in by codec_train_run */
    int threads;
    double time_limit_min;
    long run_steps; /* stop after this many steps in this run (resume later); 0 = no limit */
    char checkpoint[CODEC_TRAIN_PATH]; /* "" = no checkpoints */
    char init[CODEC_TRAIN_PATH];       /* "" = random initialisation (seed) */
    int checkpoint_every, eval_every, log_every;
    int keep_last; /* [train] keep = last: write the final weights, not the best dev CER */
    codec_augment_config aug; /* [augment] */
} codec_train_config;

/* Defaults (agent A's recipe without data paths). */
void codec_train_config_default(codec_train_config *c);

/* Reads an INI file over the defaults. Errors name path:line (unknown section
 * or key, bad value, syntax). Does not check cross-field consistency. */
base_status codec_train_config_load(const char *path, codec_train_config *c, base_err *err);

/* Sets one key ("train.lr", "data.dev", ...) as the INI would. */
base_status codec_train_config_set(codec_train_config *c, const char *section, const char *key,
                                   const char *value, base_err *err);

/* Whole-config validation (agent, optimiser, data, augmentation). */
base_status codec_train_config_check(const codec_train_config *c, base_err *err);

#endif
