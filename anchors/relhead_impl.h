/* relhead_impl.h -- what the relative head's files share (relhead.c,
 * relhead_train.c, relhead_file.c): the object and a few helpers. Not a
 * public header: only anchors/relhead*.c include it. */
#ifndef ANCHOR_RELHEAD_IMPL_H
#define ANCHOR_RELHEAD_IMPL_H

#include "anchors/relhead.h"

#define ANCHOR_RELHEAD_KIND "relative-head"

struct anchor_relhead {
    codec_agent *dec;      /* decoder-only agent, d = K */
    anchor_relative *proj; /* the receiver's own projection on A_rx */
    size_t k, d_rx;
    float *mean, *scale; /* (K) input standardisation */
    uint64_t key, rx_hash, set_hash, data_id;
    anchor_relhead_config cfg; /* recipe it was trained with (cache_dir not kept) */
    double final_loss;
};

/* The decoder-only agent's config: the receiver's decoder with input width K
 * and a minimal (unused) encoder (dropout < 0 keeps the receiver's). */
codec_agent_config anchor_relhead_agent_config(const codec_agent_config *rx, size_t k,
                                               float dropout);
/* 1 for the decoder's tensors ("dec.*"), the ones a head trains and stores. */
int anchor_relhead_is_decoder_tensor(const char *name);
/* Empty head around a fresh decoder agent (weights seed 0; the caller fills them). */
anchor_relhead *anchor_relhead_new(const codec_agent_config *hc, const float *a_rx, size_t k,
                                   size_t d_rx, anchor_psi psi, base_err *err);
/* The cache key's parts kept in relhead_file.c (the keying and the cache):
 * h extended with every training setting of c (the settings table there: name
 * and value of each field that changes the trained weights), ... */
uint64_t anchor_relhead_settings_hash(uint64_t h, const anchor_relhead_config *c);
/* ... and with the content of the spec's files: the receiver's model file's
 * bytes (spec->rx_file), the training manifest's text and the bytes of every
 * audio file it lists (spec->train_manifest), the format and code version.
 * BASE_EIO naming a file that cannot be read. */
base_status anchor_relhead_inputs_hash(uint64_t *h, const anchor_relhead_spec *spec, base_err *err);
/* x (T,K) = (r - mean) * scale */
void anchor_relhead_standardise(const anchor_relhead *h, const float *r, int t, float *x);

#endif
