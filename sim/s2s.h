/* s2s.h -- speech-to-speech: the receiver resynthesises speech from its
 * transcript and a third agent recognises it (issue 17 item 5).
 *
 * Where it sits: after a kind's decode, where an utterance's hypothesis is
 * final. sim/pipeline.c calls this stage for every kind whose row says its
 * outcome is a transcript (sim/kind.h `transcript`: semantic, text); the codec
 * kinds already deliver speech and refuse rx.tts_voice. With rx.tts_voice =
 * none (the default) nothing here runs and results are those without it.
 *
 * Per utterance: the receiver's transcript (normalised text) -> the in-process
 * TTS (codecs/tts.h) with rx.tts_voice at 16 kHz -> resampled to the third
 * agent's rate -> score.model's front-end, encoder, decoder and
 * score.decoder -> its transcript. The utterance is then scored on that
 * transcript (wer, the CIs, /voices, the stopping rules all use it); the
 * receiver's own errors stay in sim_utt_result.rx_text_errors (/summary
 * wer_rx_text). A transcript with nothing to speak (empty, or the engine
 * gives no audio for it) is resynthesised as 0.5 s of silence.
 * Resynthesis is free on the channel and takes no simulated time: symbols
 * and latencies are the link's.
 *
 * Threads and determinism: the synthesiser is the run's one codec_tts
 * (sim/resources.h), serialised by a lock because the engines are
 * process-global; each synthesis starts from the same engine state, so the
 * audio depends only on (voice, text) and results are the same for every -j.
 * The third agent's transcript of a text is kept in the run's per-utterance
 * cache (sim/ucache.h; key: voice, score.* settings, text), so a transcript
 * repeated across points is recognised once (bit-identical either way).
 * Without shared resources (res NULL, tests) a stage owns its synthesiser.
 *
 * Audio files (`semsim run --wav DIR`): each utterance's resynthesised audio,
 * 16 kHz mono 16-bit WAV, as DIR/PPPP-RR/ID.wav (PPPP the /summary point,
 * RR the repeat, both zero-padded; ID the utterance id). Points without
 * rx.tts_voice write nothing.
 */
#ifndef SIM_S2S_H
#define SIM_S2S_H

#include <stddef.h>

#include "base/status.h"
#include "sim/metrics.h"
#include "sim/resources.h"
#include "sim/scenario.h"

/* Seconds of silence an empty transcript is resynthesised as. */
#define SIM_S2S_SILENCE_S 0.5

/* 1 when cfg sets rx.tts_voice (not "none"). */
int sim_s2s_enabled(const sim_config *cfg);

/* Can cfg run with its rx.tts_voice? transcript: the kind row's flag. Checks
 * the voice's form and that the engine has it, that score.model is set and
 * loads (into res, once per run: sim_resources_check_agent). Errors at the
 * key's file:line (rx.tts_voice or score.model). */
base_status sim_s2s_check(const sim_scenario *sc, const sim_config *cfg, int transcript,
                          sim_resources *res, base_err *err);

/* Adds to res what the stage shares: score.model, its lexicon, the run's
 * synthesiser (whose process for the voice starts here, on the main thread),
 * and the per-utterance cache's budget (scenario.cache_mb). No-op when off. */
base_status sim_s2s_prepare(const sim_config *cfg, sim_resources *res, base_err *err);

typedef struct sim_s2s sim_s2s;

/* One stage per point x repeat (its worker owns it); res may be NULL. */
sim_s2s *sim_s2s_create(const sim_config *cfg, const sim_resources *res, base_err *err);
void sim_s2s_destroy(sim_s2s *s); /* NULL is a no-op */

/* Write each utterance's resynthesised audio under root as root/PPPP-RR/ID.wav
 * (the folder is made here). root NULL: write nothing. */
base_status sim_s2s_set_wav(sim_s2s *s, const char *root, size_t point, size_t repeat,
                            base_err *err);

/* Makes the --wav root folder and checks it is writable: BASE_EIO naming it. */
base_status sim_s2s_wav_root(const char *root, base_err *err);

/* r holds the receiver's scored transcript (reference, hypothesis, counts):
 * resynthesise, recognise with the third agent and re-score r on its
 * transcript, keeping the receiver's errors in r->rx_text_errors. */
base_status sim_s2s_execute(sim_s2s *s, sim_utt_result *r, base_err *err);

#endif
