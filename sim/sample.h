/* sample.h -- which of a source's utterances a sweep point evaluates, and in
 * what order: spread evenly over voices (speakers) and over lines.
 *
 * Where it sits: between the source manifest (codecs/manifest.h, which says
 * each entry's speaker) and the kinds. Every speaking kind reads its source
 * through sim_kind_manifest_read (sim/kind_common.h), which applies
 * sim_sample_apply, so utterance index k of a point (multi-user runs
 * included: user u's j-th utterance has index j*U + u) is entry k of the
 * evaluation order. `semsim validate` and the run's header report
 * sim_sample_cover.
 *
 * The rule (docs/simulator.md, "Which utterances a point evaluates"), for a
 * point that evaluates n of the source's N utterances:
 *   - n >= N: every utterance, in manifest order.
 *   - n < N: the first n of a balanced order, drawn from the stream
 *     (scenario.seed, 0, "sim.sample"), so it is the same for every point,
 *     repeat and -j, and a point with fewer utterances evaluates a prefix of
 *     the set of one with more. The order is built in rounds: each round
 *     visits every voice that has utterances left once, in a freshly shuffled
 *     order, so after k rounds every voice has min(k, its size) utterances.
 *     The voice visited at step t takes, of its utterances not yet taken, the
 *     one whose line (normalised transcript) was taken least often so far
 *     (so lines are distinct while n <= the number of lines), and among those
 *     the one nearest, on a circle, to its target: for voice number v (of V)
 *     taking its k-th utterance, tau = frac(u + v/V + k/phi) (u uniform from
 *     the stream, phi the golden ratio: a low-discrepancy sequence per voice,
 *     the voices' sequences shifted apart), positions being the utterance's
 *     quantile (j + 1/2) / m among the voice's m utterances in line order.
 *     Ties go to the earlier entry.
 *     Lines are numbered by first appearance in the manifest, voices likewise.
 *   Cost: O(n * N / V) for V voices.
 */
#ifndef SIM_SAMPLE_H
#define SIM_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "codecs/manifest.h"

/* What the first n utterances of the evaluation order cover. */
typedef struct sim_sample_cover {
    size_t utterances; /* min(n, N) */
    size_t voices;     /* distinct speakers among them */
    size_t lines;      /* distinct normalised transcripts among them */
    size_t source_utterances, source_voices, source_lines; /* the whole manifest's */
} sim_sample_cover;

/* order (codec_manifest_size(man) entries) gets the evaluation order for a
 * point evaluating n utterances: entry order[k] is evaluated k-th. */
base_status sim_sample_order(const codec_manifest *man, size_t n, uint64_t seed, size_t *order,
                             base_err *err);

/* Reorder man into that evaluation order (a no-op when n >= its size). */
base_status sim_sample_apply(codec_manifest *man, size_t n, uint64_t seed, base_err *err);

/* What a point evaluating n utterances of man covers. */
base_status sim_sample_cover_of(const codec_manifest *man, size_t n, uint64_t seed,
                                sim_sample_cover *c, base_err *err);

#endif
