/* tts_source.h -- the simulator's built-in TTS source: source.text lines
 * source.lines spoken by every voice of source.voices, synthesised in process
 * (sim/corpus.h, the code of `semsim corpus`) into a cache, then read as a
 * manifest like source.manifest.
 *
 * Where it sits: between scenario resolution and the pipelines. It is used
 * when source.manifest is empty and source.kind speaks (semantic, codec2-*,
 * opus-*). `semsim validate` only checks the three inputs (cheap);
 * `semsim run` calls sim_tts_source_prepare for every point once, in the
 * main thread, before any worker starts, so synthesis never runs per point or
 * per thread; points with the same inputs share one cache entry.
 *
 * Cache: SOURCE.CACHE/<key>/ (default sim/datadir.h: the build tree's
 * cache/tts, or ~/.cache/semsim/tts when installed) holds the
 * WAVs and manifest.tsv of `semsim corpus`. <key> is the corpus's content key
 * (sim_corpus_key_make, sim/corpus.h: 128 bits over the text of the selected
 * lines, each voice's engine and name, the engines' library versions, the
 * sample rate and SIM_CORPUS_FORMAT), so editing a selected line, changing a
 * voice or upgrading espeak-ng/flite gives a new entry, and renaming or moving
 * the files, or editing lines outside the range, does not. An entry is
 * complete once its manifest.tsv exists (corpus writes it last, by rename);
 * then SIM_TTS_ENTRY_INFO, a `key = value` text sidecar, records what it was
 * built from (files, lines, voices, engine versions, date, semsim version) for
 * `semsim cache list`. Concurrent runs take an exclusive flock on <key>.lock
 * while they synthesise, so two processes never write the same entry. Every
 * process that prepares an entry registers under that lock as its user
 * (SIM_TTS_ENTRY_USERS), and `semsim cache clear` takes the same lock and keeps
 * an entry a live process registered for: a run reading the WAVs of an entry
 * never sees them go.
 *
 * The same machinery makes the two training corpora of source.kind=semantic
 * (docs/scenario.md, "Anchor and relative-head corpora"), so that anchors and
 * relative heads never see the evaluated utterances:
 *   anchor corpus   anchors.text/lines/voices, when an anchor-based equalizer
 *                   runs and anchors.manifest is unset;
 *   head corpus     equalizer.train_text/train_lines/train_voices, when
 *                   equalizer.type=relative and equalizer.train_manifest is unset.
 * Both live in source.cache next to the source's entries (same key scheme).
 * Leakage guards: the check refuses a default corpus whose lines overlap
 * source.lines of the same text file (before any synthesis); prepare refuses
 * one sharing an utterance id or a normalised transcript with the evaluated
 * manifest. Explicit manifests are not checked: they are the user's choice.
 */
#ifndef SIM_TTS_SOURCE_H
#define SIM_TTS_SOURCE_H

#include <stddef.h>

#include "base/log.h"
#include "base/status.h"
#include "sim/scenario.h"

/* The sidecar of a TTS cache entry: CACHE/<key>/SIM_TTS_ENTRY_INFO. */
#define SIM_TTS_ENTRY_INFO "cache-entry.txt"
/* The processes that prepared an entry: CACHE/<key>/SIM_TTS_ENTRY_USERS/PID@HOST
 * (empty files, made under the entry's lock); `semsim cache clear` keeps an
 * entry while one of them is alive (another host's: always). */
#define SIM_TTS_ENTRY_USERS ".users"

/* What a point's source.kind takes from the TTS (from its row in sim/kind.h;
 * the caller asks, so this file knows no kind): speech, and for a kind whose
 * latents cross the equalizer, the anchor and head corpora it needs. */
typedef struct sim_tts_use {
    int speech;    /* the kind's utterances are speech */
    int equalized; /* the kind's latents cross the anchor equalizer */
} sim_tts_use;

/* 1 when cfg takes its speech from the TTS source (a speaking kind without
 * source.manifest). */
int sim_tts_source_used(const sim_config *cfg, sim_tts_use use);

/* Checks source.text (readable, the range's lines exist), source.lines (A-B
 * or A) and source.voices (parses; voices are checked against the engines at
 * synthesis). Errors name the key's file:line (from sc). */
base_status sim_tts_source_check(const sim_scenario *sc, const sim_config *cfg, base_err *err);

/* 1 when cfg's anchor corpus comes from the TTS (an equalized kind, an
 * equalizer that uses anchors, no anchors.manifest). */
int sim_tts_anchors_used(const sim_config *cfg, sim_tts_use use);
/* 1 when cfg's relative-head training corpus comes from the TTS (an equalized
 * kind, an equalizer that needs a head, no equalizer.train_manifest). */
int sim_tts_head_used(const sim_config *cfg, sim_tts_use use);

/* Checks the anchor and head corpora's inputs when they are used (as
 * sim_tts_source_check does for the source), and that their line ranges do not
 * overlap source.lines when the source is the TTS on the same text file.
 * Errors name the key's file:line. */
base_status sim_tts_corpora_check(const sim_scenario *sc, const sim_config *cfg, sim_tts_use use,
                                  base_err *err);

/* The cache entry of cfg's inputs: dir gets SOURCE.CACHE/<key> (cap bytes). */
base_status sim_tts_source_dir(const sim_config *cfg, char *dir, size_t cap, base_err *err);
/* The cache entry of any TTS corpus (text file, A-B range, voices file) under
 * cache ("" = the default root): dir gets CACHE/<key>. */
base_status sim_tts_corpus_dir(const char *text, const char *lines, const char *voices,
                               const char *cache, char *dir, size_t cap, base_err *err);

/* When sim_tts_source_used(cfg): synthesise the entry if it is not complete
 * (jobs worker processes, progress on log at info level) and point
 * cfg->source.manifest at its manifest.tsv. Likewise for the anchor corpus
 * (cfg->anchors.manifest) and the head corpus (cfg->equalizer.train_manifest)
 * when sim_tts_anchors_used / sim_tts_head_used, followed by the leakage check
 * against the evaluated manifest (BASE_EINVAL naming the corpus and the
 * utterance). Otherwise does nothing. Forks: call it before starting threads. */
base_status sim_tts_source_prepare(sim_config *cfg, sim_tts_use use, int jobs, const base_log *log,
                                   base_err *err);

#endif
