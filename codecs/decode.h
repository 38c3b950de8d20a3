/* decode.h -- CTC decoding: greedy, and prefix beam search constrained by a
 * lexicon and scored with a word trigram language model.
 *
 * Where it sits: last stage of the receiver. codec_agent_decode gives CTC
 * log-probabilities (T,V) over the vocabulary of codecs/vocab.h (0 = blank,
 * 1 = space, 2 = apostrophe, 3..28 = a..z); this module turns them into a
 * transcript: lower-case words separated by single spaces.
 *
 * Beam search (Hannun et al., "First-Pass Large Vocabulary Continuous Speech
 * Recognition using Bi-Directional Recurrent DNNs", arXiv:1408.2873, Alg. 1):
 * each prefix keeps log P_blank and log P_nonblank; a prefix is ranked by
 *     log P_ctc(prefix) + alpha * log P_lm(words) + beta * #words
 * (natural logs). Words are scored when they are completed (by a space, or
 * at the end of the utterance, which also adds P(</s> | history)). With a
 * lexicon, a partial word must be a prefix of a lexicon word; a completed
 * word must be a lexicon word, unless out-of-vocabulary words are allowed,
 * in which case they cost oov_penalty + oov_char_penalty per character on top
 * of the LM's unknown-word score (so names the lexicon lacks can still come
 * out, but a made-up word is not cheaper than the real words it would merge).
 *
 * Sharing and threads:
 *   - codec_lexicon (the character trie of the dictionary and each word's LM
 *     id) is built once and is read-only afterwards: any number of threads
 *     may use it at the same time.
 *   - codec_beam is one decoder with its own work space AND its own handle of
 *     the LM: sphinxbase's trie LM (lm_trie_score) caches the last history's
 *     back-off weights inside the model, so ngram_*_score writes to the model
 *     and is not thread-safe. Create one codec_beam per thread (each load
 *     reads the 27 MB LM, about 0.2 s and 30 MB of memory). A destroyed
 *     decoder gives its handle back to its lexicon, which lends it to the
 *     next codec_beam_create (behind the lexicon's own lock), so a run that
 *     creates decoders job after job loads the LM once per concurrent
 *     decoder; the memo a handle carries never changes a score.
 *   - codec_decode_greedy is a pure function.
 *   - codec_lexicon_create / codec_beam_create / _destroy may run in several
 *     threads at once: sphinxbase's loading path has process-wide state (its
 *     log stream, dtoa's caches for ARPA files), so this module serialises
 *     every LM load and free with one internal lock. Loading turns sphinxbase's
 *     logging off (err_set_logfp(NULL)) so it prints no INFO lines; semsim uses
 *     sphinxbase nowhere else.
 */
#ifndef CODECS_DECODE_H
#define CODECS_DECODE_H

#include "base/status.h"

#include <stddef.h>

/* Debian's pocketsphinx-en-us files (the defaults of codec_lexicon_create). */
#define CODEC_DECODE_DICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
#define CODEC_DECODE_LM "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"

/* Greedy (best path) decoding: per frame the most likely class, then repeats
 * collapsed and blanks dropped; runs of spaces become one space, leading and
 * trailing spaces are removed. logp is (t, v) row-major, v = 29. Writes at
 * most cap bytes including the NUL to out (cap > 0) and returns the length
 * the full transcript has (like snprintf; out is truncated when >= cap).
 * Ties pick the lower class index. */
size_t codec_decode_greedy(const float *logp, int t, int v, char *out, size_t cap);

/* ---- lexicon + language model (shared, read-only) ---------------------------------- */

typedef struct codec_lexicon codec_lexicon;

/* Build the lexicon from a CMU-format dictionary (one `WORD PHONES...` per
 * line; variants "word(2)" folded into "word"; words with characters outside
 * a-z and apostrophe are skipped; case is folded) and look every word up in
 * the LM. dict_path NULL = CODEC_DECODE_DICT. lm_path NULL = CODEC_DECODE_LM;
 * "" = no LM (the lexicon still constrains words; LM scores are 0).
 * Errors name the file: BASE_EIO (missing), BASE_EFORMAT (no usable word, or
 * not an LM sphinxbase reads). */
base_status codec_lexicon_create(codec_lexicon **out, const char *dict_path, const char *lm_path,
                                 base_err *err);
void codec_lexicon_destroy(codec_lexicon *lex); /* NULL is a no-op */

/* Number of distinct words; whether word (lower-case) is one of them. */
size_t codec_lexicon_size(const codec_lexicon *lex);
int codec_lexicon_contains(const codec_lexicon *lex, const char *word);
/* The LM file in use ("" if none). */
const char *codec_lexicon_lm_path(const codec_lexicon *lex);

/* ---- beam search decoder (one per thread) ------------------------------------------- */

/* The defaults of codec_beam_config_default(): beam width, alpha and beta
 * tuned on the dev set (docs/decoding.md). `semsim eval` and the scenario
 * registry (rx.beam_width) take theirs from here, so that the simulator's
 * receivers decode as `semsim eval` does. The width is a plain integer
 * literal: the registry stringifies it. */
#define CODEC_BEAM_DEFAULT_WIDTH 128
#define CODEC_BEAM_DEFAULT_LM_WEIGHT 1.0f
#define CODEC_BEAM_DEFAULT_WORD_BONUS 3.0f
/* Score pruning (score_beam), nats: off by default (the width alone). On the
 * dev split (Harvard lines 501-550, 18 training voices, 900 utterances) agents
 * A and B make exactly the same word errors at 20 as without pruning and
 * decode 1.4-1.6x faster (bench/bench_beam.sh, docs/performance.md); at 15 A
 * already loses 0.14 points. Left off for now: on a whole quickstart point it
 * measured no gain on the loaded machine (289x vs 282x real time,
 * docs/performance.md), and turning it on changes the golden results. */
#define CODEC_BEAM_DEFAULT_SCORE_BEAM INFINITY

typedef struct codec_beam_config {
    int beam;               /* prefixes kept after each frame, >= 1 (default 128)           */
    float lm_weight;        /* alpha: weight of the natural-log LM probability (default 1.0) */
    float word_bonus;       /* beta: added per word, nats (default 3.0)                      */
    float prune;            /* per frame, classes with log p < max - prune are skipped
                               (nats, > 0; default 10)                                     */
    int allow_oov;          /* 1: words outside the lexicon may be produced (default 1)      */
    float oov_penalty;      /* nats added per such word, <= 0 (default -4)                   */
    float oov_char_penalty; /* nats added per character of such a word, <= 0 (default
                          -2.5): charged while the word is spelled, so a long
                          made-up word cannot swallow several real ones           */
    float unk_logp;         /* LM log-probability (nats) of a word the LM lacks, <= 0
                               (default -20: below 95% of the en-us LM's unigrams, whose
                               median is -15.2, so an unknown word never beats a real
                               one on LM score alone)                                   */
    int lookahead;          /* 1: a partial word is ranked with alpha * the best unigram
                               log-probability of the lexicon words it can still become
                               (replaced by the real LM score when the word ends), so
                               prefixes of unlikely words fall out of the beam early
                               (default 1) */
    float score_beam;       /* score pruning: after each frame, prefixes whose score is
                               below the best's minus this are dropped before the width
                               applies (nats, > 0; INFINITY = off, the default) */
} codec_beam_config;

codec_beam_config codec_beam_config_default(void);

typedef struct codec_beam codec_beam;

/* A decoder over lex (NULL = no lexicon and no LM: plain CTC prefix beam search
 * over characters, where only alpha/beta-free CTC scores count). Holds its own
 * LM handle, borrowed from lex's pool or loaded (see the top of this file);
 * lex must outlive the decoder.
 * BASE_EINVAL for a bad config value. */
base_status codec_beam_create(codec_beam **out, const codec_lexicon *lex,
                              const codec_beam_config *cfg, base_err *err);
void codec_beam_destroy(codec_beam *b); /* NULL is a no-op */

/* Change alpha, beta and the other settings of an existing decoder (for
 * tuning without reloading the LM). Same checks as create. */
base_status codec_beam_set_config(codec_beam *b, const codec_beam_config *cfg, base_err *err);

/* Decode logp (t, v) row-major, v = 29, values log-probabilities (each row a
 * log-softmax; rows need not be exactly normalised). Writes the transcript
 * as codec_decode_greedy does (at most cap bytes with the NUL) and returns
 * its full length in *len (may be >= cap) and the winning total score in
 * *score (either may be NULL). t = 0 gives "". Work space grows with the
 * longest utterance seen and is reused; otherwise nothing is allocated.
 * Errors: BASE_EINVAL (v != 29, t < 0, NULL, a NaN or +inf in logp), BASE_ENOMEM.
 * When the lexicon admits no complete transcript (allow_oov = 0 and the
 * audio spells no lexicon word), the result is "" with score -INFINITY. */
base_status codec_beam_decode(codec_beam *b, const float *logp, int t, int v, char *out, size_t cap,
                              size_t *len, double *score, base_err *err);

#endif
