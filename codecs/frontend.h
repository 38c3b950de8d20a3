/* frontend.h -- the front-end settings an agent was trained with, stored as
 * model-file attributes.
 *
 * Where it sits: `semsim train` writes them next to the agent's tensors
 * (codec_frontend_to_model); `semsim eval` and the simulator read them back
 * (codec_frontend_from_model) to build the same codecs/melspec front-end, so an
 * agent always sees features computed the way it was trained.
 *
 * Attributes (all required on load; ranges checked):
 *   frontend.sample_rate (int, Hz)   frontend.win_length (int, samples)
 *   frontend.hop_length (int)        frontend.n_fft (int)
 *   frontend.n_mels (int)            frontend.f_min (double, Hz)
 *   frontend.f_max (double, Hz)      frontend.log_floor (double)
 *   frontend.normalize (int, 0/1: per-utterance mean/variance per band)
 */
#ifndef CODECS_FRONTEND_H
#define CODECS_FRONTEND_H

#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "base/status.h"

/* Front-end every shipped agent uses: codecs/melspec defaults (16 kHz, 25 ms
 * Hann window, 10 ms hop, 512-point FFT, 80 HTK mel bands) with per-utterance
 * normalisation on. */
void codec_frontend_default(codec_melspec_config *c);

base_status codec_frontend_to_model(const codec_melspec_config *c, codec_model *m, base_err *err);
base_status codec_frontend_from_model(const codec_model *m, codec_melspec_config *c, base_err *err);

#endif
