/* keys.c -- the scenario key registry (see keys.h): the table of every key,
 * the checks of a value against its key, storing a value into sim_config,
 * and the registry as a list or as Markdown tables. Keep sections together,
 * in pipeline order: the docs and the resolved scenario text list them so. */
#include "sim/keys.h"

#include "anchors/equalizer.h"
#include "anchors/relative.h"
#include "anchors/select.h"
#include "channel/fec.h"
#include "channel/model.h"
#include "channel/modem.h"
#include "sim/kind.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codecs/decode.h"
#include "sim/ucache.h"
#include "codecs/noise.h"

/* G/U: a key of sim_config / sim_user_config field f; GV/UV: an enum key whose
 * allowed values come from fn, a stage's NULL-terminated name list (the
 * literal list then only documents them until the stage's table exists). */
#define GV(f, fn) SIM_KEY_GLOBAL, offsetof(sim_config, f), sizeof(((sim_config *)0)->f), fn
#define UV(f, fn) SIM_KEY_USER, offsetof(sim_user_config, f), sizeof(((sim_user_config *)0)->f), fn
#define G(f) GV(f, NULL)
#define U(f) UV(f, NULL)
#define PU SIM_KEY_PER_USER
#define STR_(x) #x
#define STR(x) STR_(x) /* a default defined as an integer macro elsewhere, as text */

/* Every scenario key. Keep sections together, in pipeline order: the docs and
 * the resolved text list them in this order. */
static const sim_key_def registry[] = {
    {"scenario.name", SIM_KEY_STRING, "", "", "", "a label stored with the results", 0,
     G(scenario.name)},
    {"scenario.seed", SIM_KEY_INT, "1", "", "0..9223372036854775807",
     "base seed; every random stream is derived from (seed, utterance, component)", 0,
     G(scenario.seed)},
    {"scenario.utterances", SIM_KEY_INT, "100", "utterances", "1..1000000",
     "the most utterances (bit blocks for source.kind=bits) per sweep point and repeat", 0,
     G(scenario.utterances)},
    {"scenario.repeats", SIM_KEY_INT, "1", "", "1..1000",
     "independent repeats of every point, each with a seed derived from scenario.seed",
     SIM_KEY_NOSWEEP, G(scenario.repeats)},
    {"scenario.cache_mb", SIM_KEY_INT, STR(SIM_UCACHE_DEFAULT_MB), "MiB", "0..1048576",
     "memory budget of the run's cache of per-utterance work no sweep point changes (agents' "
     "encodings of the source and anchor audio, the transmitter's own recognition); 0: none. "
     "Results are the same for every value (docs/performance.md)",
     SIM_KEY_NOSWEEP, G(scenario.cache_mb)},

    {"source.kind", SIM_KEY_ENUM, "semantic", "", "",
     "what is sent: the agents' latents, random bits (BER runs), or speech coded by a "
     "classic codec over the digital link (codec2-*, opus-N: N = 6..64 kbit/s CBR), recognised "
     "by rx.model",
     0, GV(source.kind, sim_kind_names)},
    {"source.manifest", SIM_KEY_PATH, "", "", "",
     "manifest.tsv to take utterances from; unset: the built-in TTS source (source.text lines "
     "source.lines x every voice of source.voices, synthesised once per run and cached)",
     0, G(source.manifest)},
    {"source.text", SIM_KEY_PATH, "data/harvard.txt", "", "",
     "TTS source: text file, one sentence per line", 0, G(source.text)},
    {"source.lines", SIM_KEY_STRING, "501-600", "", "",
     "TTS source: 1-based inclusive line range A-B of source.text", 0, G(source.lines)},
    {"source.voices", SIM_KEY_PATH, "data/voices-train.txt", "", "",
     "TTS source: voices file (ENGINE VOICE per line)", 0, G(source.voices)},
    {"source.cache", SIM_KEY_PATH, "", "", "",
     "TTS source: cache folder, one entry per content (selected lines' text, voices, engine "
     "versions) "
     "(default: cache/tts in the build tree; installed: $XDG_CACHE_HOME/semsim/tts or "
     "~/.cache/semsim/tts)",
     SIM_KEY_OUTPUT, G(source.cache)},
    {"source.noise_snr_db", SIM_KEY_DOUBLE, "inf", "dB", "-30..inf",
     "additive noise on the source speech before the transmitter (or a codec) hears it: speech "
     "power over noise power; inf = clean",
     SIM_KEY_INF, G(source.noise_snr_db)},
    {"source.noise", SIM_KEY_ENUM, "white", "", "",
     "the noise of source.noise_snr_db: white, pink (1/f), brown (1/f^2), or babble (4 other "
     "utterances of the source mixed)",
     0, GV(source.noise, codec_noise_names)},
    {"source.arrival", SIM_KEY_ENUM, "back-to-back", "", "back-to-back|poisson",
     "utterance arrivals per user: each right after the previous one ends, or a Poisson process", 0,
     G(source.arrival)},
    {"source.rate_hz", SIM_KEY_DOUBLE, "1", "1/s", "0..1e9",
     "Poisson arrival rate per user (source.arrival=poisson)", 0, G(source.rate_hz)},
    {"source.bits", SIM_KEY_INT, "1024", "bits", "1..100000000",
     "source.kind=bits: information bits per utterance (one block)", 0, G(source.bits)},
    {"source.frame_bits", SIM_KEY_INT, "256", "bits", "1..10000000",
     "source.kind=bits: bits per frame (the unit link.frames_per_packet counts); "
     "source.kind=text: bits per text frame (whole characters, Huffman coded)",
     0, G(source.frame_bits)},
    {"source.bit_rate", SIM_KEY_DOUBLE, "16000", "bit/s", "1e-3..1e12",
     "source.kind=bits: source bit rate, which sets an utterance's duration (bits / bit_rate)", 0,
     G(source.bit_rate)},

    {"tx.model", SIM_KEY_PATH, "", "", "", "model file of the transmitting agent", PU, U(tx.model)},
    {"tx.device_flops", SIM_KEY_DOUBLE, "1e11", "FLOP/s", "0..1e18",
     "transmitter compute speed: encoding time = encoder FLOPs / this (0: instantaneous)", PU,
     U(tx.device_flops)},
    {"tx.decoder", SIM_KEY_ENUM, "beam", "", "beam|greedy",
     "source.kind=text: how the transmitter transcribes (prefix beam search with tx.lm, or "
     "greedy)",
     PU, U(tx.decoder)},
    {"tx.beam_width", SIM_KEY_INT, STR(CODEC_BEAM_DEFAULT_WIDTH), "", "1..4096",
     "source.kind=text: beam width of tx.decoder=beam", PU, U(tx.beam_width)},
    {"tx.lm", SIM_KEY_PATH, "", "", "",
     "source.kind=text: language model of tx.decoder=beam (default: the decoder's own)", PU,
     U(tx.lm)},

    {"rx.model", SIM_KEY_PATH, "", "", "", "model file of the receiving agent", PU, U(rx.model)},
    {"rx.decoder", SIM_KEY_ENUM, "beam", "", "beam|greedy",
     "CTC decoding: prefix beam search with the LM (as `semsim eval`) or greedy", PU,
     U(rx.decoder)},
    {"rx.beam_width", SIM_KEY_INT, STR(CODEC_BEAM_DEFAULT_WIDTH), "", "1..4096",
     "beam width of rx.decoder=beam (LM weight and word bonus: `semsim eval`'s defaults)", PU,
     U(rx.beam_width)},
    {"rx.score_beam", SIM_KEY_DOUBLE, "0", "nats", "0..1e6",
     "score pruning of rx.decoder=beam: after each frame, prefixes more than this below the "
     "frame's best are dropped before rx.beam_width applies (0: off, the width alone; "
     "docs/performance.md)",
     PU, U(rx.score_beam)},
    {"rx.lm", SIM_KEY_PATH, "", "", "",
     "language model for rx.decoder=beam (default: the decoder's own)", PU, U(rx.lm)},
    {"rx.device_flops", SIM_KEY_DOUBLE, "1e11", "FLOP/s", "0..1e18",
     "receiver compute speed: decoding time = decoder FLOPs / this (0: instantaneous)", PU,
     U(rx.device_flops)},

    /* s2s: speech-to-speech (sim/s2s.h) */
    {"rx.tts_voice", SIM_KEY_STRING, "none", "", "",
     "speech-to-speech: the receiver resynthesises its transcript with this voice (ENGINE VOICE, "
     "as in a voices file: espeak-ng en-us+m3, flite slt) and score.model recognises it; the "
     "point's wer is then that agent's (source.kind=semantic, text); none: off",
     0, G(s2s.tts_voice)},
    {"score.model", SIM_KEY_PATH, "", "", "",
     "rx.tts_voice: model file of the third agent that recognises the resynthesised speech (one "
     "that took no part in the link)",
     0, G(s2s.model)},
    {"score.decoder", SIM_KEY_ENUM, "beam", "", "beam|greedy",
     "rx.tts_voice: the third agent's CTC decoding (as rx.decoder)", 0, G(s2s.decoder)},
    {"score.beam_width", SIM_KEY_INT, STR(CODEC_BEAM_DEFAULT_WIDTH), "", "1..4096",
     "rx.tts_voice: beam width of score.decoder=beam", 0, G(s2s.beam_width)},
    {"score.lm", SIM_KEY_PATH, "", "", "",
     "rx.tts_voice: language model of score.decoder=beam (default: the decoder's own)", 0,
     G(s2s.lm)},

    {"equalizer.type", SIM_KEY_ENUM, "none", "", "",
     "semantic channel equalizer between the two agents' latent spaces", PU,
     UV(equalizer.type, anchor_equalizer_names)},
    {"equalizer.ridge_lambda", SIM_KEY_DOUBLE, "1e-3", "", "0..1e9",
     "regularisation of equalizer.type=ridge", PU, U(equalizer.ridge_lambda)},
    {"equalizer.cache", SIM_KEY_PATH, "", "", "",
     "equalizer.type=relative: folder caching trained relative heads (default: semsim-cache in "
     "the current folder)",
     SIM_KEY_OUTPUT, G(equalizer.cache)},
    {"equalizer.train_manifest", SIM_KEY_PATH, "", "", "",
     "equalizer.type=relative: the receiver's training utterances for its relative head; "
     "unset: the training corpus equalizer.train_text/train_lines/train_voices synthesised by "
     "the built-in TTS (never the evaluated utterances)",
     0, G(equalizer.train_manifest)},
    {"equalizer.train_text", SIM_KEY_PATH, "data/harvard.txt", "", "",
     "relative head's TTS training corpus: text file, one sentence per line", 0,
     G(equalizer.train_text)},
    {"equalizer.train_lines", SIM_KEY_STRING, "1-200", "", "",
     "relative head's TTS training corpus: line range A-B of equalizer.train_text (Harvard "
     "training lists; must not overlap source.lines of the same text)",
     0, G(equalizer.train_lines)},
    {"equalizer.train_voices", SIM_KEY_PATH, "data/voices-head.txt", "", "",
     "relative head's TTS training corpus: voices file (three training voices)", 0,
     G(equalizer.train_voices)},
    {"equalizer.train_utterances", SIM_KEY_INT, "600", "utterances", "1..1000000",
     "equalizer.type=relative: N utterances evenly spaced over the training manifest (all of "
     "it when it has at most N)",
     PU, U(equalizer.train_utterances)},
    {"equalizer.head_steps", SIM_KEY_INT, "400", "steps", "1..10000000",
     "equalizer.type=relative: CTC fine-tuning steps of the relative head", PU,
     U(equalizer.head_steps)},
    {"equalizer.head_noise", SIM_KEY_DOUBLE, "0.5", "", "0..100",
     "equalizer.type=relative: std of Gaussian noise added to the head's standardised "
     "relative inputs while it trains (robustness to another agent's relative representations)",
     PU, U(equalizer.head_noise)},
    {"equalizer.head_pool", SIM_KEY_PATH, "", "", "",
     "equalizer.type=relative: a list file naming model files (one per line, relative to the "
     "list) of other encoders the receiver owns; its head also trains on their relative "
     "representations of its training utterances. Never list the transmitter's model",
     0, G(equalizer.head_pool)},
    /* eq19: channel-aware heads (issue 17 item 3), the mlp and parseval rows (issue 19) */
    {"equalizer.head_snr_db", SIM_KEY_STRING, "none", "dB", "",
     "equalizer.type=relative: the channel Es/N0 at which the receiver trains its relative head "
     "on its own relative representations sent through an emulated analog AWGN link (per-packet "
     "unit energy, MMSE): a number, a range a:b drawn per training utterance, or none (clean)",
     PU, U(equalizer.head_snr_db)},
    {"equalizer.mlp_hidden", SIM_KEY_INT, "32", "units", "1..4096",
     "equalizer.type=mlp: hidden units of the two-layer MLP fitted on the anchor pairs", PU,
     U(equalizer.mlp_hidden)},
    {"equalizer.mlp_epochs", SIM_KEY_INT, "2000", "steps", "1..1000000",
     "equalizer.type=mlp: full-batch AdamW steps of its fit on the anchor pairs", PU,
     U(equalizer.mlp_epochs)},

    {"anchors.count", SIM_KEY_INT, "64", "anchors", "0..100000",
     "K: anchors, = real symbols sent per latent frame with a relative equalizer "
     "(anchors.selection=class: at most the characters present, 0 = all of them)",
     PU, U(anchors.count)},
    {"anchors.selection", SIM_KEY_ENUM, "kmeans", "", "",
     "anchor selection: random, farthest-point, k-means prototypes, per-character prototypes", PU,
     UV(anchors.selection, anchor_selection_names)},
    {"anchors.psi", SIM_KEY_ENUM, "cosine", "", "", "similarity of the relative projection", PU,
     UV(anchors.psi, anchor_psi_names)},
    {"anchors.manifest", SIM_KEY_PATH, "", "", "",
     "the shared anchor corpus both agents encode; unset: anchors.text/lines/voices "
     "synthesised by the built-in TTS (never the evaluated utterances)",
     0, G(anchors.manifest)},
    {"anchors.text", SIM_KEY_PATH, "data/harvard.txt", "", "",
     "TTS anchor corpus: text file, one sentence per line", 0, G(anchors.text)},
    {"anchors.lines", SIM_KEY_STRING, "1-100", "", "",
     "TTS anchor corpus: line range A-B of anchors.text (Harvard training lists; must not "
     "overlap source.lines of the same text)",
     0, G(anchors.lines)},
    {"anchors.voices", SIM_KEY_PATH, "data/voices-anchors.txt", "", "",
     "TTS anchor corpus: voices file (one training voice)", 0, G(anchors.voices)},
    {"anchors.utterances", SIM_KEY_INT, "20", "utterances", "1..100000",
     "anchor corpus: N utterances evenly spaced over it give the candidate latent frames", PU,
     U(anchors.utterances)},
    {"anchors.members", SIM_KEY_INT, "0", "frames", "0..1000000",
     "anchors.selection=kmeans: members averaged per prototype (0: the whole cluster)", PU,
     U(anchors.members)},

    {"channel.model", SIM_KEY_ENUM, "awgn", "", "", "channel model", PU,
     UV(channel.model, chan_model_names)},
    {"channel.snr_db", SIM_KEY_DOUBLE, "10", "dB", "-100..200", "Es/N0 per complex channel symbol",
     PU, U(channel.snr_db)},
    {"channel.k_factor_db", SIM_KEY_DOUBLE, "0", "dB", "-100..100",
     "Rician K factor (LOS / scattered power)", PU, U(channel.k_factor_db)},
    {"channel.coherence", SIM_KEY_INT, "0", "symbols", "0..1000000000",
     "block fading: symbols per fading coefficient within a packet; 0 = one realisation per "
     "packet (every packet is an independent realisation)",
     PU, U(channel.coherence)},
    {"channel.doppler_hz", SIM_KEY_DOUBLE, "0", "Hz", "0..1e9",
     "> 0: time-selective (Clarke/Jakes) fading instead of block fading", PU,
     U(channel.doppler_hz)},

    {"link.mode", SIM_KEY_ENUM, "digital", "", "analog|digital",
     "analog (JSCC-style real values on complex symbols) or digital (quantise, FEC, modulate)", PU,
     U(link.mode)},
    {"link.modulation", SIM_KEY_ENUM, "qpsk", "", "", "digital link modulation", PU,
     UV(link.modulation, chan_modem_names)},
    {"link.fec", SIM_KEY_ENUM, "conv27", "", "", "digital link forward error correction", PU,
     UV(link.fec, chan_fec_names)},
    {"link.quant_bits", SIM_KEY_INT, "8", "bits", "1..16",
     "digital link: bits per quantised real value", PU, U(link.quant_bits)},
    {"link.frames_per_packet", SIM_KEY_INT, "4", "frames", "1..1000000",
     "packetiser: latent frames (codec frames for codec kinds, source.frame_bits bits for "
     "kind=bits) per packet",
     PU, U(link.frames_per_packet)},
    {"link.prop_delay_s", SIM_KEY_DOUBLE, "0", "s", "0..1e6", "propagation delay", PU,
     U(link.prop_delay_s)},
    {"link.lost", SIM_KEY_ENUM, "zero", "", "drop|zero|repeat|keep",
     "digital link: what the receiver uses for a packet that failed its CRC", PU, U(link.lost)},
    {"link.prune", SIM_KEY_ENUM, "none", "", "none|blank",
     "source.kind=semantic: send only the latent frames the transmitter's own CTC head does not "
     "take for blanks (positions run-length coded and counted in the symbols)",
     PU, U(link.prune)},
    {"link.prune_threshold", SIM_KEY_DOUBLE, "0.99", "", "0..1",
     "link.prune=blank: a frame whose blank posterior is at least this is not sent (default "
     "chosen on the dev split, docs/experiments.md)",
     PU, U(link.prune_threshold)},
    {"link.prune_fill", SIM_KEY_ENUM, "prototype", "", "prototype|silence",
     "link.prune=blank: what the receiver puts at pruned positions: the mean of the pruned "
     "frames, sent as one more frame per utterance, or its own silence latent (receiver-only)",
     PU, U(link.prune_fill)},
    {"link.symbol_rate", SIM_KEY_DOUBLE, "1e6", "symbols/s", "1e-3..1e15",
     "complex symbols per second of the shared medium (air time = channel uses / rate)", 0,
     G(medium.symbol_rate)},
    {"link.access", SIM_KEY_ENUM, "tdma", "", "tdma|fdma",
     "sharing between users: TDMA round-robin by packet, or FDMA (each user gets rate/users)", 0,
     G(medium.access)},

    {"metrics.min_word_errors", SIM_KEY_INT, "0", "words", "0..1000000000",
     "stop a point once this many word errors were counted (0: off)", 0,
     G(metrics.min_word_errors)},
    {"metrics.min_bit_errors", SIM_KEY_INT, "0", "bits", "0..1000000000000",
     "stop a point once this many bit errors were counted (0: off)", 0, G(metrics.min_bit_errors)},
    {"metrics.ci_width", SIM_KEY_DOUBLE, "0", "", "0..1",
     "stop a point once the 95% bootstrap CI of WER (BER for kind=bits) is narrower (0: off)", 0,
     G(metrics.ci_width)},
    {"metrics.bootstrap", SIM_KEY_INT, "1000", "resamples", "10..1000000",
     "bootstrap resamples for confidence intervals", 0, G(metrics.bootstrap)},
    {"metrics.check_every", SIM_KEY_INT, "16", "utterances", "1..1000000",
     "how often the stopping rules are checked", 0, G(metrics.check_every)},

    {"output.trn", SIM_KEY_PATH, "", "", "", "folder for sclite trn files per point (as --trn)",
     SIM_KEY_OUTPUT | SIM_KEY_NOSWEEP, G(output.trn)},
    {"output.utterances", SIM_KEY_BOOL, "true", "", "",
     "write the per-utterance tables /points/NNNN/utterances", SIM_KEY_NOSWEEP,
     G(output.utterances)},
};

#define NKEYS (sizeof registry / sizeof *registry)

size_t sim_key_count(void)
{
    return NKEYS;
}
const sim_key_def *sim_key_at(size_t i)
{
    return i < NKEYS ? &registry[i] : NULL;
}

long sim_key_index(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(registry[i].name, name)) return (long)i;
    return -1;
}

const sim_key_def *sim_key_find(const char *name)
{
    long i = name ? sim_key_index(name) : -1;
    return i < 0 ? NULL : &registry[i];
}

const char *sim_key_type_name(sim_key_type t)
{
    static const char *const names[] = {"int", "double", "string", "enum", "path", "bool"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

/* ---- value checks ---------------------------------------------------------- */

int sim_key_parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s) return 0;
    while (isspace((unsigned char)*end)) end++;
    if (*end) return 0;
    *out = v;
    return 1;
}

int sim_key_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE && fabs(v) > 1) return 0;
    if (end == s || !isfinite(v)) return 0;
    while (isspace((unsigned char)*end)) end++;
    if (*end) return 0;
    *out = v;
    return 1;
}

/* A double, or `inf` / `+inf` (any case) when the key has SIM_KEY_INF. */
static int parse_double_key(const sim_key_def *k, const char *s, double *out)
{
    if ((k->flags & SIM_KEY_INF) && (!strcasecmp(s, "inf") || !strcasecmp(s, "+inf"))) {
        *out = INFINITY;
        return 1;
    }
    return sim_key_parse_double(s, out);
}

int sim_key_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) return *out = 1, 1;
        if (!strcasecmp(s, no[i])) return *out = 0, 1;
    }
    return 0;
}

/* Is v the choice c (n bytes)? A choice "pre-*" matches "pre-N" for a positive
 * integer N. */
static int choice_ok(const char *c, size_t n, const char *v)
{
    if (n && c[n - 1] == '*') {
        size_t pre = n - 1;
        int64_t k;
        return !strncmp(v, c, pre) && v[pre] && isdigit((unsigned char)v[pre]) &&
               sim_key_parse_int(v + pre, &k) && k > 0;
    }
    return strlen(v) == n && !strncmp(v, c, n);
}

/* Is v one of k's allowed values (its stage's list, or "a|b|c")? */
static int enum_ok(const sim_key_def *k, const char *v)
{
    if (k->values) {
        const char *const *names = k->values();
        for (size_t i = 0; names && names[i]; i++)
            if (choice_ok(names[i], strlen(names[i]), v)) return 1;
        return 0;
    }
    for (const char *p = k->allowed; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (choice_ok(p, n, v)) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

const char *sim_key_allowed(const sim_key_def *k, char sep, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    if (k->type == SIM_KEY_ENUM && k->values) {
        const char *const *names = k->values();
        for (size_t i = 0; names && names[i]; i++) {
            int w = snprintf(buf + len, n - len, "%s%s", i ? (char[]){sep, 0} : "", names[i]);
            if (w < 0 || (size_t)w >= n - len) return buf; /* truncated */
            len += (size_t)w;
        }
        return buf;
    }
    snprintf(buf, n, "%s", k->allowed ? k->allowed : "");
    if (k->type == SIM_KEY_ENUM)
        for (char *p = buf; *p; p++)
            if (*p == '|') *p = sep;
    return buf;
}

static int range_of(const sim_key_def *k, double *lo, double *hi)
{
    const char *dots = k->allowed ? strstr(k->allowed, "..") : NULL;
    if (!dots) return 0;
    *lo = strtod(k->allowed, NULL);
    *hi = strtod(dots + 2, NULL);
    return 1;
}

base_status sim_key_check_text(const sim_key_def *k, const char *text, base_err *err)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: control character 0x%02x at byte %zu", text,
                                k->name, *p, (size_t)(p - (const unsigned char *)text) + 1);
    return BASE_OK;
}

base_status sim_key_check(const sim_key_def *k, const char *v, base_err *err)
{
    char buf[1024];
    double lo, hi, d;
    int64_t i;
    int b;
    base_status st = sim_key_check_text(k, v, err);
    if (st) return st;
    switch (k->type) {
    case SIM_KEY_INT:
        if (!sim_key_parse_int(v, &i))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: expected an integer", v, k->name);
        if (range_of(k, &lo, &hi) && ((double)i < lo || (double)i > hi))
            return base_err_set(err, BASE_ERANGE, NULL, 0, "bad value '%s' for %s: must be in %s",
                                v, k->name, k->allowed);
        return BASE_OK;
    case SIM_KEY_DOUBLE:
        if (!parse_double_key(k, v, &d))
            return base_err_set(err, BASE_EINVAL, NULL, 0, "bad value '%s' for %s: expected %s", v,
                                k->name,
                                (k->flags & SIM_KEY_INF) ? "a number or inf" : "a finite number");
        if (range_of(k, &lo, &hi) && (d < lo || d > hi))
            return base_err_set(err, BASE_ERANGE, NULL, 0, "bad value '%s' for %s: must be in %s",
                                v, k->name, k->allowed);
        return BASE_OK;
    case SIM_KEY_ENUM:
        if (!enum_ok(k, v))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: expected one of %s", v, k->name,
                                sim_key_allowed(k, '|', buf, sizeof buf));
        return BASE_OK;
    case SIM_KEY_BOOL:
        if (!sim_key_parse_bool(v, &b))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: expected true or false", v, k->name);
        return BASE_OK;
    case SIM_KEY_STRING:
    case SIM_KEY_PATH:
        if (strlen(v) >= SIM_CFG_STR)
            return base_err_set(err, BASE_ERANGE, NULL, 0, "value for %s is too long (max %d)",
                                k->name, SIM_CFG_STR - 1);
        return BASE_OK;
    }
    return base_err_set(err, BASE_EINTERNAL, NULL, 0, "key %s has no type", k->name);
}

/* ---- typed values ---------------------------------------------------------- */

base_status sim_key_store(const sim_key_def *k, void *dst, const char *v, base_err *err)
{
    char *p = (char *)dst + k->offset;
    switch (k->type) {
    case SIM_KEY_INT:
        sim_key_parse_int(v, (int64_t *)p);
        return BASE_OK;
    case SIM_KEY_DOUBLE:
        parse_double_key(k, v, (double *)p);
        return BASE_OK;
    case SIM_KEY_BOOL:
        sim_key_parse_bool(v, (int *)p);
        return BASE_OK;
    default: {
        size_t cap = k->size;
        if (strlen(v) >= cap)
            return base_err_set(err, BASE_ERANGE, NULL, 0,
                                "value '%s' for %s is too long (max %zu)", v, k->name, cap - 1);
        memcpy(p, v, strlen(v) + 1);
        return BASE_OK;
    }
    }
}

/* ---- listings -------------------------------------------------------------- */

base_status sim_key_write_list(FILE *out)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const sim_key_def *k = &registry[i];
        fprintf(out, "%-26s %-6s default=%-14s %s%s%s\n", k->name, sim_key_type_name(k->type),
                *k->def ? k->def : "\"\"", k->doc, *k->unit ? " [" : "", *k->unit ? k->unit : "");
        if (*k->unit) fputs("]", out);
    }
    return ferror(out) ? BASE_EIO : BASE_OK;
}

base_status sim_key_write_markdown(FILE *out)
{
    const char *prev = "";
    size_t plen = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const sim_key_def *k = &registry[i];
        const char *dot = strchr(k->name, '.');
        size_t len = (size_t)(dot - k->name);
        if (len != plen || strncmp(prev, k->name, len)) {
            fprintf(out,
                    "%s## [%.*s]\n\n| key | type | default | unit | allowed | per user | meaning "
                    "|\n|---|---|---|---|---|---|---|\n",
                    i ? "\n" : "", (int)len, k->name);
            prev = k->name;
            plen = len;
        }
        char allowed[1024];
        sim_key_allowed(k, ',', allowed, sizeof allowed);
        fprintf(out, "| `%s` | %s | %s%s%s | %s | %s | %s | %s%s |\n", k->name,
                sim_key_type_name(k->type), *k->def ? "`" : "", *k->def ? k->def : "(none)",
                *k->def ? "`" : "", k->unit, allowed, (k->flags & SIM_KEY_PER_USER) ? "yes" : "",
                k->doc, (k->flags & SIM_KEY_NOSWEEP) ? " (cannot be swept)" : "");
    }
    return ferror(out) ? BASE_EIO : BASE_OK;
}
