/* recognizer.h -- a speech agent as a recogniser: audio -> the model file's
 * own log-mel front-end -> encoder -> latents -> decoder -> CTC
 * log-probabilities -> transcript (LM beam search or greedy).
 *
 * Where it sits: the one implementation of "an agent listening to audio",
 * shared by `semsim eval` (own encoder -> own decoder), the simulator's
 * semantic pipeline (the transmitter's encoder on the source audio, the
 * receiver's decoder on what the link delivers) and the classic-codec
 * baselines (the receiver's whole chain on the codec's decoded audio).
 *
 * Sharing and threads (as codecs/agent.h and codecs/decode.h):
 *   - codec_recognizer (the agent with its front-end plan) is read-only once
 *     loaded: any number of threads may use it at once;
 *   - codec_recognizer_ws is one thread's work: front-end and network work
 *     space, the feature/latent/log-probability/text buffers, and its own beam
 *     decoder (with its own LM handle) over a shared, read-only codec_lexicon.
 * Buffers grow with the longest utterance seen and are reused.
 */
#ifndef CODECS_RECOGNIZER_H
#define CODECS_RECOGNIZER_H

#include "codecs/agent.h"
#include "codecs/decode.h"
#include "base/status.h"

#include <stddef.h>

typedef struct codec_recognizer codec_recognizer;
typedef struct codec_recognizer_ws codec_recognizer_ws;

/* Load an agent model file (docs/model-format.md) with the front-end settings
 * it stores. BASE_EFORMAT (naming path) when frontend.n_mels differs from the
 * encoder's input size; otherwise the errors of codec_agent_load. */
base_status codec_recognizer_load(codec_recognizer **out, const char *path, base_err *err);
void codec_recognizer_destroy(codec_recognizer *r); /* NULL is a no-op */

const codec_agent *codec_recognizer_agent(const codec_recognizer *r);
int codec_recognizer_rate(const codec_recognizer *r);       /* input sample rate, Hz   */
int codec_recognizer_latent_dim(const codec_recognizer *r); /* d                       */
/* Parameters of the encoder ("enc.*") and of the decoder ("dec.*"): the
 * compute model's 2 x parameters x latent frames FLOPs. */
double codec_recognizer_encoder_params(const codec_recognizer *r);
double codec_recognizer_decoder_params(const codec_recognizer *r);
/* Latent frames the encoder gives for n samples (0: too short or too long). */
int codec_recognizer_latent_len(const codec_recognizer *r, size_t n);

/* One thread's work space. beam NULL: greedy decoding; otherwise the CTC
 * prefix beam search with *beam over lex (NULL: no lexicon and no LM); lex
 * must outlive the work space. */
base_status codec_recognizer_ws_create(codec_recognizer_ws **out, const codec_recognizer *r,
                                       const codec_lexicon *lex, const codec_beam_config *beam,
                                       base_err *err);
void codec_recognizer_ws_destroy(codec_recognizer_ws *ws); /* NULL is a no-op */
/* New settings for the beam decoder (tuning without reloading the LM);
 * BASE_EINVAL for a greedy work space or a bad value. */
base_status codec_recognizer_ws_set_beam(codec_recognizer_ws *ws, const codec_beam_config *beam,
                                         base_err *err);

/* Audio x (n samples at codec_recognizer_rate, mono) -> log-mel features
 * held in ws. */
base_status codec_recognizer_frontend(const codec_recognizer *r, codec_recognizer_ws *ws,
                                      const float *x, size_t n, base_err *err);
/* The features of the last frontend call -> latents (*tz, d) held in ws
 * (codec_recognizer_latents). *tz = 0 (BASE_OK, nothing computed) when the
 * audio is too short for one latent frame; BASE_ERANGE when too long. */
base_status codec_recognizer_encode(const codec_recognizer *r, codec_recognizer_ws *ws, int *tz,
                                    base_err *err);
const float *codec_recognizer_latents(const codec_recognizer_ws *ws); /* (tz, d) */
/* Latents z (tz, d), any source -> CTC log-probabilities (tz * upsample, V)
 * held in ws (codec_recognizer_logp; upsample = the agent's CTC frames per
 * latent frame, 1 for most agents). tz >= 1. */
base_status codec_recognizer_decode(const codec_recognizer *r, codec_recognizer_ws *ws,
                                    const float *z, int tz, base_err *err);
const float *codec_recognizer_logp(const codec_recognizer_ws *ws); /* (tz * upsample, V) */
/* Log-probabilities (tz, V = CODEC_VOCAB_SIZE), any source -> transcript
 * (lower-case words, single spaces; "" for tz = 0) with the work space's
 * decoder. *text points into ws, valid until the next call on ws. */
base_status codec_recognizer_text(codec_recognizer_ws *ws, const float *logp, int tz,
                                  const char **text, base_err *err);

#endif
