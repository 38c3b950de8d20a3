/* metrics.h -- per-utterance results and their aggregation into one sweep point.
 *
 * Where it sits: at the sink of the event network (sim/network.c). Each
 * decoded utterance leaves a sim_utt_result (word/char error counts from
 * sim/score's sclite-convention aligner, bit/packet counts from the digital
 * link, channel symbols, latency, alignment figures); the runner (sim/run.c)
 * checks the stopping rules after each one and, when a point is done,
 * aggregates the results into the /summary row of CONTRACT.md.
 *
 * Definitions (docs/hdf5.md):
 *   wer = (sub + del + ins) / ref_words, summed over utterances (sclite);
 *   cer the same on characters;
 *   wer_ci_low/high: 95% percentile bootstrap interval, resampling utterances
 *     with replacement (metrics.bootstrap resamples, RNG stream
 *     (seed, 0, "metrics.bootstrap")), so it is deterministic;
 *   ber = bit errors / bits, per = packet errors / packets (digital links);
 *   sym_per_s = channel symbols (pilots, FEC, headers included) / seconds of
 *     source material;
 *   latency = decoding done - arrival of the utterance, mean and 95th
 *     percentile (nearest rank).
 * Metrics that do not apply are NaN.
 *
 * Stopping rules (as Sionna's sim_ber): a point stops at scenario.utterances,
 * or, checked every metrics.check_every utterances, once metrics.min_word_errors
 * word errors (or metrics.min_bit_errors bit errors) were counted, or once the
 * 95% CI of WER (BER for bit runs) is narrower than metrics.ci_width. The reason
 * goes in `status`: "max_utterances", "min_word_errors", "min_bit_errors",
 * "ci_width" (or "no_utterances" if every arrival was cut off).
 */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* One utterance's outcome. Counts that do not apply are 0 and the matching
 * has_* flag is 0; reals that do not apply are NaN. */
typedef struct sim_utt_result {
    char id[64];      /* utterance id (manifest id, or "bits_NNNNNN")        */
    char voice[64];   /* speaker (codec_manifest_speaker; "" for bits)       */
    size_t index;     /* 0-based index within the point                     */
    size_t user;      /* which transmitter->receiver pair                   */
    char *reference;  /* malloc'd transcript (NULL when not applicable)     */
    char *hypothesis; /* malloc'd decoded text (NULL when not applicable)   */
    int has_words;    /* word/char counts apply                            */
    long ref_words, sub, del, ins;
    long ref_chars, char_errors;
    int has_bits; /* bit/packet counts apply                           */
    uint64_t bits, bit_errors, packets, packet_errors;
    double duration_s; /* seconds of source material                        */
    double symbols;    /* complex channel uses spent                        */
    double arrival_s;  /* simulated time the utterance arrived              */
    double done_s;     /* simulated time decoding finished                  */
    double latency_s;  /* done_s - arrival_s                                */
    double cosine;     /* mean cosine tx/rx latent (NaN if not applicable)  */
    /* rx.tts_voice (sim/s2s.h): the word counts above are then the third
     * agent's on the resynthesised speech; these keep the receiver's own */
    int has_rx_text;
    long rx_text_errors; /* sub + del + ins of the receiver's transcript     */
} sim_utt_result;

/* Free reference/hypothesis and zero the record. */
void sim_utt_result_clear(sim_utt_result *r);

/* Score hyp against ref (normalised texts) by sclite's rules (sim/score.h):
 * fills ref_words, sub, del, ins, ref_chars, char_errors and stores copies of
 * both texts in reference/hypothesis. */
base_status sim_utt_result_score(sim_utt_result *r, const char *ref, const char *hyp,
                                 base_err *err);

typedef struct sim_metrics_config {
    size_t max_utterances;
    uint64_t min_word_errors; /* 0: off */
    uint64_t min_bit_errors;  /* 0: off */
    double ci_width;          /* 0: off */
    size_t bootstrap;         /* resamples, >= 10 */
    size_t check_every;       /* >= 1 */
    uint64_t seed;            /* for the bootstrap stream */
} sim_metrics_config;

/* The /summary metric columns of one point (CONTRACT.md), plus extras. */
typedef struct sim_point_metrics {
    double utterances, ref_words, sub, del, ins, wer, wer_ci_low, wer_ci_high, cer;
    double sym_per_s, handshake_sym, cosine, cka, jaccard, mrr, foscttm, ber;
    double latency_mean_s, latency_p95_s;
    /* extras */
    double ref_chars, char_errors, bits, bit_errors, ber_ci_low, ber_ci_high;
    double packets, packet_errors, per, symbols, duration_s, bit_per_s;
    /* sampling (docs/hdf5.md): distinct voices among the evaluated utterances
     * (NaN when none has one); sym_per_s with the handshake spread over the
     * seconds of speech (sim_metrics_totals) */
    double voices, sym_per_s_total;
    double wer_tx_own;  /* the transmitter's own WER on the same utterances (perf) */
    double wer_rx_text; /* rx.tts_voice: the receiver's own transcript's WER (s2s; NaN: off) */
    /* every field above is a double (sim_point_metrics_nan relies on it) */
    char status[32];
} sim_point_metrics;

/* One voice's figures within a point (the /voices rows, docs/hdf5.md). */
typedef struct sim_voice_metrics {
    char voice[64];
    double utterances, ref_words, sub, del, ins, wer, wer_ci_low, wer_ci_high, ref_chars, cer;
} sim_voice_metrics;

/* All metrics NaN (counts too), status "". */
void sim_point_metrics_nan(sim_point_metrics *m);

/* Aggregate n results into m (the alignment figures cka..foscttm and
 * handshake_sym are left as the caller set them; call sim_point_metrics_nan
 * first). status is copied in. */
base_status sim_metrics_aggregate(const sim_utt_result *r, size_t n, const sim_metrics_config *mc,
                                  const char *status, sim_point_metrics *m, base_err *err);

/* Figures that need the pipeline's point metrics (call after
 * sim_pipeline_point_metrics): sym_per_s_total = sym_per_s + handshake_sym /
 * duration_s (NaN where sym_per_s is NaN). */
void sim_metrics_totals(sim_point_metrics *m);

/* Per-voice figures of n word-scored results (those with has_words and a
 * voice): *out (malloc'd, caller frees; NULL when *nv == 0) gets one entry per
 * voice, sorted by voice name; the CIs use mc's bootstrap (seed, resamples). */
base_status sim_metrics_by_voice(const sim_utt_result *r, size_t n, const sim_metrics_config *mc,
                                 sim_voice_metrics **out, size_t *nv, base_err *err);

/* Stopping rule after n results: returns the status text of the rule that
 * fires ("min_word_errors", ...) or NULL to go on. Reaching max_utterances is
 * reported as "max_utterances". Bootstrap checks run only when n is a
 * multiple of check_every. */
const char *sim_metrics_should_stop(const sim_utt_result *r, size_t n,
                                    const sim_metrics_config *mc);

/* 95% percentile-bootstrap interval of sum(err)/sum(tot) over n items:
 * resamples items with replacement `resamples` times from stream
 * (seed, 0, "metrics.bootstrap"). NaN, NaN when n == 0 or sum(tot) == 0. */
base_status sim_metrics_bootstrap(const double *err_count, const double *tot, size_t n,
                                  size_t resamples, uint64_t seed, double *lo, double *hi);

/* p-quantile (0..1) of x[n] by nearest rank (sorted copy); NaN if n == 0. */
double sim_metrics_quantile(const double *x, size_t n, double p);

#endif
