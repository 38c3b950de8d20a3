/* align.h -- the one aligner: word and character error counts by NIST
 * sclite's convention, shared by scoring (sim/score, `semsim score`,
 * `semsim eval`, the simulator's metrics) and training's dev CER/WER
 * (codecs/train). Counts agree with `sclite -r REF trn -h HYP trn -i rm`
 * (words) and `sclite ... -c DH` (characters), including sclite's
 * tie-breaking between equal-cost paths.
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
 * Size: the alignment is O(n*m) in time (about 2.5 ns per cell here) and
 *   O(m) in memory. A pair whose n*m exceeds CODEC_ALIGN_MAX_CELLS (4e8: for
 *   example 20000 x 20000 tokens, about a second) is refused with BASE_ERANGE
 *   rather than left to run for hours (a 1 MB line against another is about
 *   6e11 character cells). An empty side costs nothing, so a long reference
 *   against a missing or short hypothesis is still scored, in linear time.
 * Note: sclite's `-c NOASCII DH` does NOT split ASCII words (NOASCII means
 *   "leave ASCII words whole"), so for English it scores words, not
 *   characters; CER here matches `-c DH`.
 *
 */
#ifndef CODECS_ALIGN_H
#define CODECS_ALIGN_H

#include "base/status.h"

/* The most DP cells (reference tokens x hypothesis tokens) of one alignment. */
#define CODEC_ALIGN_MAX_CELLS 400000000.0

/* Counts of one alignment (or a sum of them). ref = corr + sub + del. */
typedef struct codec_align_counts {
    long ref;  /* reference tokens */
    long corr; /* correct          */
    long sub;  /* substitutions    */
    long del;  /* deletions        */
    long ins;  /* insertions       */
} codec_align_counts;

/* Align one reference/hypothesis pair of transcripts (NUL-terminated text,
 * words separated by whitespace; NULL or "" is an empty transcript).
 * Thread-safe and reentrant: it uses O(tokens) scratch memory of its own
 * (malloc'd and freed per call; BASE_ENOMEM if that fails). out is zeroed first.
 * BASE_ERANGE, "too long to align: ...", when n*m > CODEC_ALIGN_MAX_CELLS. */
base_status codec_align_words(const char *ref, const char *hyp, codec_align_counts *out,
                              base_err *err);
/* Same on characters (sclite -c DH): every non-whitespace byte except '-'. */
base_status codec_align_chars(const char *ref, const char *hyp, codec_align_counts *out,
                              base_err *err);

/* Errors (sub + del + ins) and the rate errors/ref; the rate is 0 when there
 * are no errors and no reference tokens, and INFINITY when ref is 0 but there
 * are insertions. */
long codec_align_errors(const codec_align_counts *c);
double codec_align_rate(const codec_align_counts *c);
void codec_align_add(codec_align_counts *sum, const codec_align_counts *c);

#endif
