/* agent.h -- a learned speech agent: encoder (log-mel -> latent z) and decoder
 * (z -> CTC character log-probabilities), built from codecs/nn layers.
 *
 * Where it sits: the transmitter runs codec_agent_encode on the log-mel frames
 * of codecs/melspec and sends z over the channel; the receiver runs
 * codec_agent_decode on what arrives and hands the (T',V) log-probabilities to
 * codecs/decode. codecs/train trains both halves jointly with CTC.
 *
 * Architecture (family "dwconv" or "conv"), all widths from the config:
 *   encoder: x = (mel - mean) * scale                                (T,80)
 *            h = GELU(LN(conv0(x)))   kernel0, stride `stride`       (T',C)
 *            enc_depth residual blocks                                (T',C)
 *            z = linear(LN(h))                                        (T',d)
 *   decoder: h = linear(z)                                            (T',C)
 *            dec_depth residual blocks                                (T',C)
 *            logits = linear(LN(h))                     (T'*upsample, V=29)
 *            (the output layer gives `upsample` CTC frames per latent frame,
 *            so a low latent frame rate still leaves CTC room for every character)
 *   block "dwconv": h + Dropout(GELU(pointwise(LN(depthwise_k,dil(h)))))
 *   block "conv":   h + Dropout(GELU(LN(conv_k,dil(h))))   (full C x C x k conv)
 * Dilation of block i is 2^(i mod n) with 2^(n-1) = dilation_max.
 *
 * Parameters live in one flat float buffer with a table of named tensors
 * ("enc.conv0.w", "dec.block3.pw.b", ...), so a model file can store each by
 * name and shape, and gradients/Adam moments use the same layout.
 */
#ifndef CODECS_AGENT_H
#define CODECS_AGENT_H

#include "codecs/family.h"
#include "base/rng.h"
#include "base/status.h"

#include <stddef.h>
#include <stdint.h>

#define CODEC_AGENT_MAX_DIMS 2
#define CODEC_AGENT_MAX_PARAMS 2000000 /* the project's size limit per agent */

typedef struct codec_agent_config {
    codec_family family; /* codecs/family.h: dwconv or conv */
    int n_mels;          /* input features per frame (80) */
    int vocab;           /* output classes (29, codecs/vocab.h) */
    int d;               /* latent size per latent frame */
    int stride;          /* frame-rate reduction of conv0: T' = ceil(T/stride), 1..8 */
    int width;           /* channels C of the hidden layers */
    int kernel0;         /* conv0 kernel (frames), >= stride */
    int kernel;          /* block kernel, odd */
    int enc_depth;       /* residual blocks in the encoder, >= 0 */
    int dec_depth;       /* residual blocks in the decoder, >= 0 */
    int dilation_max;    /* largest dilation in the block cycle, power of two */
    float dropout;       /* drop probability in the blocks during training, [0,0.9] */
    int upsample;        /* CTC frames per latent frame, 1..4 (1: the latent frame rate) */
} codec_agent_config;

typedef struct codec_agent codec_agent;       /* config + parameters */
typedef struct codec_agent_ws codec_agent_ws; /* activations of one utterance (one per thread) */

/* A reasonable default (agent A's shape): dwconv, d=64, stride 2, C=256, ... */
codec_agent_config codec_agent_config_default(void);

/* BASE_OK, or BASE_EINVAL naming the bad field (bounds from the field table,
 * codecs/agent_arch.h, then the cross-field rules); also rejects > 2 M parameters. */
base_status codec_agent_config_check(const codec_agent_config *c, base_err *err);

/* Total float parameters the config gives (0 if invalid). */
size_t codec_agent_config_param_floats(const codec_agent_config *c);

/* Creates an agent with weights drawn from (seed) and identity input normalisation. */
base_status codec_agent_create(codec_agent **out, const codec_agent_config *c, uint64_t seed,
                               base_err *err);
/* As codec_agent_create with every parameter 0 and no initialisation: for
 * loading, where every tensor is overwritten (skips the random draws). */
base_status codec_agent_create_blank(codec_agent **out, const codec_agent_config *c, base_err *err);
void codec_agent_destroy(codec_agent *a);

/* For inference with weights that will not change again (a loaded model):
 * precomputes what the faster inference path of the conv blocks needs
 * (Winograd-transformed kernels, codec_nn_conv1d_infer_weights). Changing the
 * parameters afterwards needs another call; training never freezes. */
base_status codec_agent_freeze(codec_agent *a, base_err *err);

const codec_agent_config *codec_agent_get_config(const codec_agent *a);

/* Named tensors, i < codec_agent_param_count(a). shape has up to 2 dims; the
 * function returns ndim and fills shape[0..ndim). Data is row-major. */
size_t codec_agent_param_count(const codec_agent *a);
const char *codec_agent_param_name(const codec_agent *a, size_t i);
int codec_agent_param_shape(const codec_agent *a, size_t i, int shape[CODEC_AGENT_MAX_DIMS]);
size_t codec_agent_param_size(const codec_agent *a, size_t i);   /* floats */
size_t codec_agent_param_offset(const codec_agent *a, size_t i); /* into the flat buffer */
float *codec_agent_param_data(codec_agent *a, size_t i);
/* Index of the tensor called name, or -1. */
long codec_agent_param_find(const codec_agent *a, const char *name);
/* Trainable tensors get gradients and Adam updates; the input normalisation does not. */
int codec_agent_param_trainable(const codec_agent *a, size_t i);
/* Weight decay applies to matrices/kernels only (not biases, norms). */
int codec_agent_param_decays(const codec_agent *a, size_t i);

/* The flat buffer of all parameters (codec_agent_num_floats floats). */
float *codec_agent_params(codec_agent *a);
size_t codec_agent_num_floats(const codec_agent *a);

/* Latent frames T' for T input frames (0 if T is too short). */
int codec_agent_latent_len(const codec_agent *a, int t);
int codec_agent_latent_dim(const codec_agent *a);
/* CTC frames the decoder gives for tz latent frames: tz * upsample. */
int codec_agent_ctc_len(const codec_agent *a, int tz);

/* Sets the input normalisation: x = (mel - mean) * scale, mean/scale (n_mels). */
void codec_agent_set_input_norm(codec_agent *a, const float *mean, const float *scale);

/* Workspace for utterances of up to max_frames input frames. */
base_status codec_agent_ws_create(codec_agent_ws **out, const codec_agent *a, int max_frames,
                                  base_err *err);
void codec_agent_ws_destroy(codec_agent_ws *ws);
int codec_agent_ws_max_frames(const codec_agent_ws *ws);

/* Inference. mel (T,n_mels) -> z (T',d), T' = codec_agent_latent_len(a, T).
 * BASE_ERANGE if T exceeds the workspace or gives T' = 0. */
base_status codec_agent_encode(const codec_agent *a, codec_agent_ws *ws, const float *mel, int t,
                               float *z, base_err *err);
/* z (T',d) -> CTC log-probabilities (T'',V), T'' = codec_agent_ctc_len(a, T')
 * (log-softmax over V per frame). */
base_status codec_agent_decode(const codec_agent *a, codec_agent_ws *ws, const float *z, int tz,
                               float *logprobs, base_err *err);

/* Training. Forward over encoder and decoder caching activations in ws, with
 * dropout drawn from rng (NULL = no dropout). Returns the logits (T'',V) in ws,
 * T'' = codec_agent_ctc_len(a, *tz). */
base_status codec_agent_forward_train(const codec_agent *a, codec_agent_ws *ws, const float *mel,
                                      int t, base_rng *rng, const float **logits, int *tz,
                                      base_err *err);
/* Backward from dlogits (T'',V) of the last forward_train; ACCUMULATES parameter
 * gradients into grads (codec_agent_num_floats floats, same layout as params). */
void codec_agent_backward(const codec_agent *a, codec_agent_ws *ws, const float *dlogits,
                          float *grads);
/* The latent z (T',d) of the last forward_train (for tests and latent dumps). */
const float *codec_agent_ws_latent(const codec_agent_ws *ws);

/* Decoder-only training, for heads that reuse the decoder on another input
 * (anchors/relhead: the receiver's decoder reading K relative symbols per frame
 * instead of its latent, encoder frozen). Forward over the decoder alone from
 * z (T',d) (copied into ws), caching activations, dropout from rng (NULL = no
 * dropout); returns the logits (T'',V) in ws. BASE_ERANGE when T' is outside
 * 1..the workspace's latent frames. */
base_status codec_agent_decoder_forward_train(const codec_agent *a, codec_agent_ws *ws,
                                              const float *z, int tz, base_rng *rng,
                                              const float **logits, base_err *err);
/* Backward from dlogits (T'',V) of the last decoder_forward_train: ACCUMULATES
 * the decoder's parameter gradients into grads (codec_agent_num_floats floats;
 * encoder entries untouched) and, when dz is non-NULL, adds d loss/d z (T',d) to dz. */
void codec_agent_decoder_backward(const codec_agent *a, codec_agent_ws *ws, const float *dlogits,
                                  float *grads, float *dz);

#endif
