/* score.h -- word and character error rates by NIST sclite's convention.
 *
 * Sits at the end of the pipeline: the simulator, `semsim eval` and
 * `semsim score` hand it reference and hypothesis transcripts and get back
 * substitution / deletion / insertion counts that agree with
 * `sclite -r REF trn -h HYP trn -i rm` (words) and `sclite ... -c DH`
 * (characters), including sclite's tie-breaking between equal-cost paths.
 *
 * Alignment (sctk src/sclite/net_dp.c, Network_dpalign on two linear networks):
 *   cost: correct 0, substitution 4, deletion 3, insertion 3;
 *   cell (a,b) (a = reference position, b = hypothesis position) takes the
 *   diagonal (correct/substitution) when it costs <= both the deletion and the
 *   insertion, else the deletion when it costs < the insertion, else the
 *   insertion. The counts are those of the path that back-tracking from the
 *   final cell follows. Equal-cost paths can differ in S/D/I (3 S = 2 D + 2 I
 *   = 12), so the rule matters: ref "b b c a c a a" / hyp "b a a a b b c"
 *   gives 6 errors here and in sclite (plain Levenshtein: 5).
 * Tokens:
 *   words      runs of non-whitespace (space, tab, CR, LF, VT, FF);
 *   characters every byte of the words except '-' (sclite -c DH: split into
 *              characters, delete hyphens; spaces are not tokens). Bytes, not
 *              UTF-8 code points: sclite's default encoding splits bytes too.
 *   Comparison is case-insensitive for ASCII letters (sclite's default).
 *   Not emulated: sclite's optionally-deletable "(word)" tokens and "-"
 *   fragment matching; our transcripts are normalised text.
 * Note: sclite's `-c NOASCII DH` does NOT split ASCII words (NOASCII means
 *   "leave ASCII words whole"), so for English it scores words, not
 *   characters; CER here matches `-c DH`.
 *
 * trn files: one utterance per line, `words words ... (ID)`; the ID is the
 * text inside the last parentheses, which must end the line. Blank lines and
 * lines starting with ";;" (sclite comments) are skipped. Utterances are
 * matched by ID; a reference without a hypothesis counts as all deletions;
 * a hypothesis ID absent from the reference, a duplicate ID or a line without
 * an (ID) is an error naming file:line.
 */
#ifndef SIM_SCORE_H
#define SIM_SCORE_H

#include "base/status.h"

#include <stddef.h>
#include <stdio.h>

/* Counts of one alignment (or a sum of them). ref = corr + sub + del. */
typedef struct sim_align_counts {
    long ref;  /* reference tokens */
    long corr; /* correct          */
    long sub;  /* substitutions    */
    long del;  /* deletions        */
    long ins;  /* insertions       */
} sim_align_counts;

/* Align one reference/hypothesis pair of transcripts (NUL-terminated text,
 * words separated by whitespace; NULL or "" is an empty transcript).
 * Thread-safe and reentrant: it uses O(tokens) scratch memory of its own
 * (malloc'd and freed per call; BASE_ENOMEM if that fails). out is zeroed first. */
base_status sim_align_words(const char *ref, const char *hyp, sim_align_counts *out, base_err *err);
/* Same on characters (sclite -c DH): every non-whitespace byte except '-'. */
base_status sim_align_chars(const char *ref, const char *hyp, sim_align_counts *out, base_err *err);

/* Errors (sub + del + ins) and the rate errors/ref; the rate is 0 when there
 * are no errors and no reference tokens, and INFINITY when ref is 0 but there
 * are insertions. */
long sim_align_errors(const sim_align_counts *c);
double sim_align_rate(const sim_align_counts *c);
void sim_align_add(sim_align_counts *sum, const sim_align_counts *c);

/* ---- a scored set of utterances ------------------------------------------ */

typedef struct sim_score sim_score;

typedef struct sim_score_utt {
    const char *id;         /* owned by the sim_score                       */
    int has_hyp;            /* 0: hypothesis missing, counted as deletions  */
    sim_align_counts words; /* word-level counts                            */
    sim_align_counts chars; /* character-level counts                       */
} sim_score_utt;

typedef struct sim_score_totals {
    size_t utterances;      /* reference utterances                          */
    size_t missing_hyp;     /* of which had no hypothesis                    */
    size_t sent_err;        /* utterances with at least one word error       */
    sim_align_counts words; /* summed over utterances                        */
    sim_align_counts chars;
} sim_score_totals;

/* An empty set. NULL (and err filled) when out of memory. */
sim_score *sim_score_create(base_err *err);
void sim_score_destroy(sim_score *s); /* NULL is a no-op */

/* Score one utterance and append it. hyp NULL means "no hypothesis" (all
 * deletions). id must be non-empty and new to this set (BASE_EEXIST if not).
 * Not thread-safe on one set: use one set per thread, or sim_align_* directly. */
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
