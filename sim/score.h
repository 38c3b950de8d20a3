/* score.h -- word and character error rates by NIST sclite's convention.
 *
 * Sits at the end of the pipeline: the simulator, `semsim eval` and
 * `semsim score` hand it reference and hypothesis transcripts and get back
 * substitution / deletion / insertion counts that agree with
 * `sclite -r REF trn -h HYP trn -i rm` (words) and `sclite ... -c DH`
 * (characters), including sclite's tie-breaking between equal-cost paths.
 *
 * Alignment and tokens: codecs/align.h (sclite's weights, tie-breaking and
 *   token rules).
 * trn files: one utterance per line, `words words ... (ID)`; the ID is the
 * text inside the last parentheses, which must end the line. Blank lines and
 * lines starting with ";;" (sclite comments) are skipped. Utterances are
 * matched by ID; a reference without a hypothesis counts as all deletions;
 * a hypothesis ID absent from the reference, a duplicate ID or a line without
 * an (ID) is an error naming file:line.
 */
#ifndef SIM_SCORE_H
#define SIM_SCORE_H

#include "codecs/align.h"
#include "base/status.h"

#include <stddef.h>
#include <stdio.h>

/* ---- a scored set of utterances ------------------------------------------ */

typedef struct sim_score sim_score;

typedef struct sim_score_utt {
    const char *id;           /* owned by the sim_score                       */
    int has_hyp;              /* 0: hypothesis missing, counted as deletions  */
    codec_align_counts words; /* word-level counts                            */
    codec_align_counts chars; /* character-level counts                       */
} sim_score_utt;

typedef struct sim_score_totals {
    size_t utterances;        /* reference utterances                          */
    size_t missing_hyp;       /* of which had no hypothesis                    */
    size_t sent_err;          /* utterances with at least one word error       */
    codec_align_counts words; /* summed over utterances                        */
    codec_align_counts chars;
} sim_score_totals;

/* An empty set. NULL (and err filled) when out of memory. */
sim_score *sim_score_create(base_err *err);
void sim_score_destroy(sim_score *s); /* NULL is a no-op */

/* Score one utterance and append it. hyp NULL means "no hypothesis" (all
 * deletions). id must be non-empty and new to this set (BASE_EEXIST if not).
 * Not thread-safe on one set: use one set per thread, or codec_align_* directly. */
base_status sim_score_add(sim_score *s, const char *id, const char *ref, const char *hyp,
                          base_err *err);

/* Read two trn files and score every reference utterance (see the top of
 * this file for the format). On failure *out is NULL and err names file:line. */
base_status sim_score_read_trn(const char *ref_path, const char *hyp_path, sim_score **out,
                               base_err *err);

size_t sim_score_count(const sim_score *s);
const sim_score_utt *sim_score_utt_at(const sim_score *s, size_t i); /* in insertion order */
void sim_score_totals_get(const sim_score *s, sim_score_totals *t);

/* One JSON object (CONTRACT.md fields utterances, ref_words, sub, del, ins,
 * wer, ref_chars, cer, plus corr, err, sent_err, missing_hyp, char_*, and
 * per_utterance when per_utt != 0), newline-terminated. A rate with no
 * reference tokens and some insertions is written as null. */
base_status sim_score_write_json(const sim_score *s, FILE *out, int per_utt);
/* Human-readable summary (and one line per utterance when per_utt != 0). */
base_status sim_score_write_summary(const sim_score *s, FILE *out, int per_utt);

#endif
