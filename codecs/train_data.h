/* train_data.h -- an agent's training data in memory (codecs/train): the
 * utterances of the recipe's manifests (16-bit audio, labels, transcripts)
 * and their features with augmentation. Internal to codecs/train*.c. */
#ifndef CODECS_TRAIN_DATA_H
#define CODECS_TRAIN_DATA_H

#include "codecs/agent.h"
#include "codecs/augment.h"
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

/* Babble talkers for codecs/augment: the utterances of d. */
codec_augment_talkers codec_train_set_talkers(const codec_train_set *d);

/* Waveform -> (codec_augment_wave) -> log-mel -> (codec_augment_features)
 * with draws from r when aug is non-NULL; clean features otherwise (r and
 * babble unused). wav scratch holds codec_augment_max_out(u->n) floats; out
 * holds that many samples' frames * n_mels. Returns the number of frames
 * (speed perturbation changes it). */
int codec_train_features(const codec_train_config *c, const codec_melspec *q,
                         codec_melspec_work *qw, const codec_train_utt *u, float *wav, float *out,
                         codec_augment *aug, base_rng *r, const codec_augment_talkers *babble);

#endif
