/* train_data.h -- an agent's training data in memory (codecs/train): the
 * utterances of the recipe's manifests (16-bit audio, labels, transcripts)
 * and their features with augmentation. Internal to codecs/train*.c. */
#ifndef CODECS_TRAIN_DATA_H
#define CODECS_TRAIN_DATA_H

#include "codecs/agent.h"
#include "codecs/melspec.h"
#include "codecs/recipe.h"
#include "base/rng.h"
#include "base/status.h"

#include <stddef.h>
#include <stdint.h>

typedef struct codec_train_utt {
    int16_t *wav; /* 16-bit samples at the front-end rate: half the memory of floats */
    size_t n;
    int *lab;
    int l;
    int frames;
    char *text; /* normalised transcript (dev scoring) */
    float *mel; /* dev only: clean features, (frames, n_mels) */
} codec_train_utt;

typedef struct codec_train_set {
    codec_train_utt *u;
    size_t n, cap;
} codec_train_set;

void codec_train_set_free(codec_train_set *d);

/* Loads one manifest into d on `threads` workers. Utterances longer than
 * max_frames or whose transcript cannot be aligned in the agent's latent
 * frames are skipped (counted in *skipped). */
base_status codec_train_set_load(codec_train_set *d, const char *path, const codec_agent *a,
                                 const codec_melspec *mel, int rate, int max_frames, int threads,
                                 size_t *skipped, base_err *err);

/* Waveform (+ noise at a random SNR from r) -> log-mel (+ SpecAugment masks)
 * when augment; clean features otherwise (r unused). wav scratch holds u->n
 * floats; out holds u->frames * n_mels. */
void codec_train_features(const codec_train_config *c, const codec_melspec *q,
                          codec_melspec_work *qw, const codec_train_utt *u, float *wav, float *out,
                          base_rng *r, int augment);

#endif
