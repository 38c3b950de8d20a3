/* resources.h -- what a run loads once and shares read-only: the agents
 * (codec_recognizer: weights and the front-end's FFTW plan) by model path, and
 * beam decoding's lexicons (cmudict trie + LM word ids) by rx.lm.
 *
 * Where it sits: sim/run.c creates one sim_resources and lets every point's
 * kind add what it needs (sim/kind.h `prepare`) on the main thread, before any
 * worker starts: model loading and FFTW planning (which is not thread-safe,
 * codecs/melspec.h) happen there and nowhere else. Workers then only look
 * things up and create their own scratch (codec_recognizer_ws). Lookups of a
 * finished object are safe from any number of threads; adding is not.
 *
 * The resources also own the run's per-utterance cache (sim/ucache.h: the
 * encodings and recognitions that no sweep point changes) and its anchor
 * links (sim/linkcache.h: one per distinct anchor/equalizer configuration,
 * models and seed), the parts workers write to, each behind its own lock.
 * Both keep nothing beyond what jobs use at the time until a kind's prepare
 * sets scenario.cache_mb (> 0: the encodings' budget, and
 * SIM_LINKCACHE_KEEP idle links).
 */
#ifndef SIM_RESOURCES_H
#define SIM_RESOURCES_H

#include "base/status.h"
#include "codecs/decode.h"
#include "codecs/recognizer.h"
#include "codecs/tts.h"
#include "sim/linkcache.h"
#include "sim/ucache.h"

#include <stdint.h>

typedef struct sim_resources sim_resources;

sim_resources *sim_resources_create(base_err *err);
void sim_resources_destroy(sim_resources *res); /* NULL is a no-op */

/* Loads the agent model file at path unless already loaded (errors of
 * codec_recognizer_load, naming the file). */
base_status sim_resources_add_agent(sim_resources *res, const char *path, base_err *err);
/* The scenario check's model-file check (sim_pipeline_check_shared), once
 * per run: loads the agent at path into res unless already held, as
 * sim_resources_add_agent, so a later point naming the same file is not
 * loaded again and the kinds' prepare finds it loaded. res NULL: loads it and
 * frees it (a check without a run). Errors of codec_recognizer_load, naming
 * the file. Main thread, before workers. */
base_status sim_resources_check_agent(sim_resources *res, const char *path, base_err *err);
/* Builds the lexicon for rx.lm = lm ("" = the decoder's default LM) unless
 * already built. */
base_status sim_resources_add_lexicon(sim_resources *res, const char *lm, base_err *err);

/* The loaded agent of path, or NULL (also for res NULL). */
const codec_recognizer *sim_resources_agent(const sim_resources *res, const char *path);
/* The lexicon built for lm, or NULL (also for res NULL). */
const codec_lexicon *sim_resources_lexicon(const sim_resources *res, const char *lm);

/* The run's per-utterance cache (thread-safe; NULL for res NULL). */
sim_ucache *sim_resources_ucache(const sim_resources *res);
/* The run's anchor links (thread-safe; NULL for res NULL). */
sim_linkcache *sim_resources_linkcache(const sim_resources *res);
/* Raises the cache's budget to mb MiB (scenario.cache_mb; the largest of the
 * run's points wins; mb <= 0 changes nothing), and lets the link cache keep
 * SIM_LINKCACHE_KEEP idle links. Main thread, before workers. */
void sim_resources_set_cache_mb(sim_resources *res, int64_t mb);

/* The run's speech synthesiser (rx.tts_voice, sim/s2s.h): creates it unless
 * already made. Main thread, before workers. */
base_status sim_resources_add_tts(sim_resources *res, base_err *err);
/* codec_tts_synth with the run's synthesiser, serialised by the resources'
 * TTS lock (codec_tts is process-global and not thread-safe, codecs/tts.h;
 * its output does not depend on call order, so the lock costs only time).
 * BASE_EINVAL when res holds no synthesiser. Safe from any thread. */
base_status sim_resources_tts_synth(const sim_resources *res, const codec_voice *v,
                                    const char *text, float **x, size_t *n, base_err *err);
/* 1 when res holds a synthesiser (sim_resources_add_tts). */
int sim_resources_has_tts(const sim_resources *res);

/* How many agents and lexicons are held (for tests and logs). */
size_t sim_resources_agents(const sim_resources *res);
size_t sim_resources_lexicons(const sim_resources *res);

#endif
