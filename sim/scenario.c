/* scenario.c -- the key registry, INI parsing (libinih) and typed configs.
 * See scenario.h for the file format. The registry below is the single list
 * of keys: parsing, validation, typed resolution, the resolved-text dump and
 * docs/scenario.md are all driven by it. */
#include "sim/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "codecs/decode.h"

#ifndef SEMSIM_SRCDIR
#define SEMSIM_SRCDIR "."
#endif

enum { SCOPE_GLOBAL = 0, SCOPE_USER = 1 };

#define G(f) SCOPE_GLOBAL, offsetof(sim_config, f), sizeof(((sim_config *)0)->f)
#define U(f) SCOPE_USER, offsetof(sim_user_config, f), sizeof(((sim_user_config *)0)->f)
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

    {"source.kind", SIM_KEY_ENUM, "semantic", "",
     "semantic|bits|codec2-3200|codec2-1200|codec2-700c|opus-*",
     "what is sent: the agents' latents, random bits (BER runs), or speech coded by a "
     "classic codec over the digital link (codec2-*, opus-N: N = 6..64 kbit/s CBR), recognised "
     "by rx.model",
     0, G(source.kind)},
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
     "TTS source: cache folder, one entry per (text file bytes, lines, voices file bytes) "
     "(default: cache/tts in the build tree)",
     SIM_KEY_OUTPUT, G(source.cache)},
    {"source.arrival", SIM_KEY_ENUM, "back-to-back", "", "back-to-back|poisson",
     "utterance arrivals per user: each right after the previous one ends, or a Poisson process", 0,
     G(source.arrival)},
    {"source.rate_hz", SIM_KEY_DOUBLE, "1", "1/s", "0..1e9",
     "Poisson arrival rate per user (source.arrival=poisson)", 0, G(source.rate_hz)},
    {"source.bits", SIM_KEY_INT, "1024", "bits", "1..100000000",
     "source.kind=bits: information bits per utterance (one block)", 0, G(source.bits)},
    {"source.frame_bits", SIM_KEY_INT, "256", "bits", "1..10000000",
     "source.kind=bits: bits per frame (the unit link.frames_per_packet counts)", 0,
     G(source.frame_bits)},
    {"source.bit_rate", SIM_KEY_DOUBLE, "16000", "bit/s", "1e-3..1e12",
     "source.kind=bits: source bit rate, which sets an utterance's duration (bits / bit_rate)", 0,
     G(source.bit_rate)},

    {"tx.model", SIM_KEY_PATH, "", "", "", "model file of the transmitting agent", PU, U(tx.model)},
    {"tx.device_flops", SIM_KEY_DOUBLE, "1e11", "FLOP/s", "0..1e18",
     "transmitter compute speed: encoding time = encoder FLOPs / this (0: instantaneous)", PU,
     U(tx.device_flops)},

    {"rx.model", SIM_KEY_PATH, "", "", "", "model file of the receiving agent", PU, U(rx.model)},
    {"rx.decoder", SIM_KEY_ENUM, "beam", "", "beam|greedy",
     "CTC decoding: prefix beam search with the LM (as `semsim eval`) or greedy", PU,
     U(rx.decoder)},
    {"rx.beam_width", SIM_KEY_INT, STR(CODEC_BEAM_DEFAULT_WIDTH), "", "1..4096",
     "beam width of rx.decoder=beam (LM weight and word bonus: `semsim eval`'s defaults)", PU,
     U(rx.beam_width)},
    {"rx.lm", SIM_KEY_PATH, "", "", "",
     "language model for rx.decoder=beam (default: the decoder's own)", PU, U(rx.lm)},
    {"rx.device_flops", SIM_KEY_DOUBLE, "1e11", "FLOP/s", "0..1e18",
     "receiver compute speed: decoding time = decoder FLOPs / this (0: instantaneous)", PU,
     U(rx.device_flops)},

    {"equalizer.type", SIM_KEY_ENUM, "none", "",
     "none|relative|relative-inverse|ridge|procrustes|oracle",
     "semantic channel equalizer between the two agents' latent spaces", 0, G(equalizer.type)},
    {"equalizer.ridge_lambda", SIM_KEY_DOUBLE, "1e-3", "", "0..1e9",
     "regularisation of equalizer.type=ridge", 0, G(equalizer.ridge_lambda)},
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
     0, G(equalizer.train_utterances)},
    {"equalizer.head_steps", SIM_KEY_INT, "400", "steps", "1..10000000",
     "equalizer.type=relative: CTC fine-tuning steps of the relative head", 0,
     G(equalizer.head_steps)},
    {"equalizer.head_noise", SIM_KEY_DOUBLE, "0.5", "", "0..100",
     "equalizer.type=relative: std of Gaussian noise added to the head's standardised "
     "relative inputs while it trains (robustness to another agent's relative representations)",
     0, G(equalizer.head_noise)},

    {"anchors.count", SIM_KEY_INT, "64", "anchors", "0..100000",
     "K: anchors, = real symbols sent per latent frame with a relative equalizer "
     "(anchors.selection=class: at most the characters present, 0 = all of them)",
     0, G(anchors.count)},
    {"anchors.selection", SIM_KEY_ENUM, "kmeans", "", "random|fps|kmeans|class",
     "anchor selection: random, farthest-point, k-means prototypes, per-character prototypes", 0,
     G(anchors.selection)},
    {"anchors.psi", SIM_KEY_ENUM, "cosine", "", "cosine|euclidean|inner|cosine-centered",
     "similarity of the relative projection", 0, G(anchors.psi)},
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
     "anchor corpus: N utterances evenly spaced over it give the candidate latent frames", 0,
     G(anchors.utterances)},
    {"anchors.members", SIM_KEY_INT, "0", "frames", "0..1000000",
     "anchors.selection=kmeans: members averaged per prototype (0: the whole cluster)", 0,
     G(anchors.members)},

    {"channel.model", SIM_KEY_ENUM, "awgn", "", "none|awgn|rayleigh|rician", "channel model", PU,
     U(channel.model)},
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
    {"link.modulation", SIM_KEY_ENUM, "qpsk", "", "bpsk|qpsk|8psk|16qam|64qam|256qam",
     "digital link modulation", PU, U(link.modulation)},
    {"link.fec", SIM_KEY_ENUM, "conv27", "",
     "none|rep3|rep5|hamming74|hamming84|hamming128|golay2412|secded2216|secded3932|secded7264|"
     "conv27|conv27p23|conv27p34",
     "digital link forward error correction", PU, U(link.fec)},
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

static const char *const sections[] = {"scenario",  "source",  "tx",      "rx",
                                       "equalizer", "anchors", "channel", "link",
                                       "metrics",   "output",  "sweep",   NULL};

size_t sim_key_count(void)
{
    return NKEYS;
}
const sim_key_def *sim_key_at(size_t i)
{
    return i < NKEYS ? &registry[i] : NULL;
}

static long key_index(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(registry[i].name, name)) return (long)i;
    return -1;
}

const sim_key_def *sim_key_find(const char *name)
{
    long i = name ? key_index(name) : -1;
    return i < 0 ? NULL : &registry[i];
}

const char *sim_key_type_name(sim_key_type t)
{
    static const char *const names[] = {"int", "double", "string", "enum", "path", "bool"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

/* ---- value checks ---------------------------------------------------------- */

static int parse_int(const char *s, int64_t *out)
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

static int parse_double(const char *s, double *out)
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

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) return *out = 1, 1;
        if (!strcasecmp(s, no[i])) return *out = 0, 1;
    }
    return 0;
}

/* Is v one of "a|b|c"? A choice "pre-*" matches "pre-N" for a positive integer N. */
static int enum_ok(const char *allowed, const char *v)
{
    const char *p = allowed;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n && p[n - 1] == '*') {
            size_t pre = n - 1;
            if (!strncmp(v, p, pre) && v[pre]) {
                int64_t k;
                if (parse_int(v + pre, &k) && k > 0 && isdigit((unsigned char)v[pre])) return 1;
            }
        } else if (strlen(v) == n && !strncmp(v, p, n)) {
            return 1;
        }
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

static int range_of(const sim_key_def *k, double *lo, double *hi)
{
    const char *dots = k->allowed ? strstr(k->allowed, "..") : NULL;
    if (!dots) return 0;
    *lo = strtod(k->allowed, NULL);
    *hi = strtod(dots + 2, NULL);
    return 1;
}

base_status sim_key_check(const sim_key_def *k, const char *v, base_err *err)
{
    double lo, hi, d;
    int64_t i;
    int b;
    switch (k->type) {
    case SIM_KEY_INT:
        if (!parse_int(v, &i))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: expected an integer", v, k->name);
        if (range_of(k, &lo, &hi) && ((double)i < lo || (double)i > hi))
            return base_err_set(err, BASE_ERANGE, NULL, 0, "bad value '%s' for %s: must be in %s",
                                v, k->name, k->allowed);
        return BASE_OK;
    case SIM_KEY_DOUBLE:
        if (!parse_double(v, &d))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: expected a finite number", v, k->name);
        if (range_of(k, &lo, &hi) && (d < lo || d > hi))
            return base_err_set(err, BASE_ERANGE, NULL, 0, "bad value '%s' for %s: must be in %s",
                                v, k->name, k->allowed);
        return BASE_OK;
    case SIM_KEY_ENUM:
        if (!enum_ok(k->allowed, v))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad value '%s' for %s: expected one of %s", v, k->name,
                                k->allowed);
        return BASE_OK;
    case SIM_KEY_BOOL:
        if (!parse_bool(v, &b))
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

/* ---- scenario storage ------------------------------------------------------- */

typedef struct slot {
    char *value; /* NULL: default */
    char file[BASE_ERR_FILE];
    int line;
} slot;

typedef struct user {
    char name[64];
    char file[BASE_ERR_FILE];
    int line;
    slot v[NKEYS]; /* only per-user keys are used */
} user;

typedef struct axis {
    size_t key;
    char **values;
    size_t n;
    int zip;
    char spec[256];
    char file[BASE_ERR_FILE];
    int line;
} axis;

struct sim_scenario {
    char path[BASE_ERR_FILE];
    slot v[NKEYS];
    user *users;
    size_t n_users;
    axis *axes;
    size_t n_axes;
    int n_zip;
    sim_constraint *cons;
    size_t n_cons;
};

static void slot_clear(slot *s)
{
    free(s->value);
    s->value = NULL;
}

static void axis_free(axis *a)
{
    for (size_t j = 0; j < a->n; j++) free(a->values[j]);
    free(a->values);
    a->values = NULL;
    a->n = 0;
}

sim_scenario *sim_scenario_create(base_err *err)
{
    sim_scenario *sc = calloc(1, sizeof *sc);
    if (!sc) base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return sc;
}

void sim_scenario_destroy(sim_scenario *sc)
{
    if (!sc) return;
    for (size_t i = 0; i < NKEYS; i++) slot_clear(&sc->v[i]);
    for (size_t u = 0; u < sc->n_users; u++)
        for (size_t i = 0; i < NKEYS; i++) slot_clear(&sc->users[u].v[i]);
    free(sc->users);
    for (size_t a = 0; a < sc->n_axes; a++) axis_free(&sc->axes[a]);
    free(sc->axes);
    free(sc->cons);
    free(sc);
}

const char *sim_scenario_path(const sim_scenario *sc)
{
    return sc->path;
}

/* Copy with truncation to n-1 bytes (n > 0), always terminated. */
static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = src ? strlen(src) : 0;
    if (len >= n) len = n - 1;
    if (len) memcpy(dst, src, len);
    dst[len] = 0;
}

/* Directory part of file ("." if none), into buf. */
static void dir_of(const char *file, char *buf, size_t n)
{
    const char *slash = strrchr(file, '/');
    if (!slash) {
        copy_str(buf, n, ".");
    } else if (slash == file) {
        copy_str(buf, n, "/");
    } else {
        snprintf(buf, n, "%.*s", (int)(slash - file), file);
    }
}

/* A path value relative to the file it was set in. */
static void join_path(const char *file, const char *value, char *buf, size_t n)
{
    if (!*value || value[0] == '/' || !file || !*file || !strcmp(file, "--set")) {
        copy_str(buf, n, value);
        return;
    }
    char dir[BASE_ERR_FILE];
    dir_of(file, dir, sizeof dir);
    if (!strcmp(dir, "."))
        copy_str(buf, n, value);
    else
        snprintf(buf, n, "%s/%s", dir, value);
}

static base_status slot_set(slot *s, const sim_key_def *k, const char *value, const char *file,
                            int line, base_err *err)
{
    char buf[SIM_CFG_STR + 256];
    if (sim_key_check(k, value, err) != BASE_OK) {
        base_err_locate(err, file, line);
        return err ? err->code : BASE_EINVAL;
    }
    if (k->type == SIM_KEY_PATH) {
        join_path(file, value, buf, sizeof buf);
        value = buf;
    }
    char *copy = strdup(value);
    if (!copy) return base_err_set(err, BASE_ENOMEM, file, line, "out of memory");
    free(s->value);
    s->value = copy;
    copy_str(s->file, sizeof s->file, file);
    s->line = line;
    return BASE_OK;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    size_t i = 0;
    while (isspace((unsigned char)s[i])) i++;
    memmove(s, s + i, n - i + 1);
}

/* Number text without float noise: 0.1*3 prints as 0.3, 1e-05 stays. */
static void format_number(double x, char *buf, size_t n)
{
    snprintf(buf, n, "%.12g", x);
}

/* Expand "a,b,c" or "start:step:stop" (numeric keys only) into values. */
static base_status expand_spec(const sim_key_def *k, const char *spec, char ***out, size_t *count,
                               base_err *err)
{
    char **vals = NULL;
    size_t n = 0;
    int numeric = k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE;
    base_status st = BASE_OK;
    if (numeric && strchr(spec, ':')) {
        char a[64], b[64], c[64];
        double start, step, stop;
        if (sscanf(spec, " %63[^:]:%63[^:]:%63s", a, b, c) != 3 || !parse_double(a, &start) ||
            !parse_double(b, &step) || !parse_double(c, &stop)) {
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad range '%s' for %s: expected start:step:stop", spec, k->name);
        }
        if (step == 0 || (stop - start) / step < 0)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad range '%s' for %s: step must be non-zero and lead from start "
                                "to stop",
                                spec, k->name);
        /* Float-safe count: a stop within 1e-9 steps of the grid is included. */
        double steps = (stop - start) / step;
        size_t m = (size_t)floor(steps + 1e-9) + 1;
        if (m > 100000)
            return base_err_set(err, BASE_ERANGE, NULL, 0,
                                "range '%s' for %s has %zu values (max 100000)", spec, k->name, m);
        vals = calloc(m, sizeof *vals);
        if (!vals) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        for (size_t i = 0; i < m; i++) {
            char buf[64];
            double x = start + (double)i * step; /* no accumulated error */
            if (k->type == SIM_KEY_INT) {
                if (x != floor(x)) {
                    st = base_err_set(err, BASE_EINVAL, NULL, 0,
                                      "bad range '%s' for %s: values must be integers", spec,
                                      k->name);
                    goto fail;
                }
                snprintf(buf, sizeof buf, "%lld", (long long)llround(x));
            } else {
                format_number(x, buf, sizeof buf);
            }
            if ((st = sim_key_check(k, buf, err)) != BASE_OK) goto fail;
            if (!(vals[n++] = strdup(buf))) goto nomem;
        }
    } else {
        char *copy = strdup(spec), *save = NULL;
        if (!copy) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            trim(tok);
            if ((st = sim_key_check(k, tok, err)) != BASE_OK) {
                free(copy);
                goto fail;
            }
            char **nv = realloc(vals, (n + 1) * sizeof *nv);
            if (!nv || !(nv[n] = strdup(tok))) {
                if (nv) vals = nv;
                free(copy);
                goto nomem;
            }
            vals = nv;
            n++;
        }
        free(copy);
        if (!n) return base_err_set(err, BASE_EINVAL, NULL, 0, "empty sweep list for %s", k->name);
    }
    *out = vals;
    *count = n;
    return BASE_OK;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    for (size_t i = 0; i < n; i++) free(vals[i]);
    free(vals);
    return st;
}

static long find_axis(const sim_scenario *sc, size_t key)
{
    for (size_t a = 0; a < sc->n_axes; a++)
        if (sc->axes[a].key == key) return (long)a;
    return -1;
}

static void drop_axis(sim_scenario *sc, size_t a)
{
    axis_free(&sc->axes[a]);
    memmove(&sc->axes[a], &sc->axes[a + 1], (sc->n_axes - a - 1) * sizeof *sc->axes);
    sc->n_axes--;
}

base_status sim_scenario_override(sim_scenario *sc, const char *arg, int sweep, int *malformed,
                                  base_err *err)
{
    const char *opt = sweep ? "--sweep" : "--set";
    const char *eq = strchr(arg, '=');
    if (malformed) *malformed = !eq;
    if (!eq)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "%s: expected KEY=%s, got '%s'", opt,
                            sweep ? "SPEC" : "VALUE", arg);
    char *key = strndup(arg, (size_t)(eq - arg));
    if (!key) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = sweep ? sim_scenario_sweep(sc, key, eq + 1, opt, 0, err)
                           : sim_scenario_set(sc, key, eq + 1, opt, 0, err);
    free(key);
    return st;
}

base_status sim_scenario_sweep(sim_scenario *sc, const char *key, const char *spec,
                               const char *origin, int line, base_err *err)
{
    long ki = key_index(key);
    if (ki < 0) return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown key '%s'", key);
    const sim_key_def *k = &registry[ki];
    if (k->flags & SIM_KEY_NOSWEEP)
        return base_err_set(err, BASE_EINVAL, origin, line, "%s cannot be swept", key);
    char **vals = NULL;
    size_t n = 0;
    base_status st = expand_spec(k, spec, &vals, &n, err);
    if (st != BASE_OK) {
        base_err_locate(err, origin, line);
        return st;
    }
    long a = find_axis(sc, (size_t)ki);
    if (a < 0) {
        axis *na = realloc(sc->axes, (sc->n_axes + 1) * sizeof *na);
        if (!na) {
            for (size_t i = 0; i < n; i++) free(vals[i]);
            free(vals);
            return base_err_set(err, BASE_ENOMEM, origin, line, "out of memory");
        }
        sc->axes = na;
        a = (long)sc->n_axes++;
        memset(&sc->axes[a], 0, sizeof sc->axes[a]);
        sc->axes[a].zip = -1;
    } else {
        axis_free(&sc->axes[a]);
    }
    axis *ax = &sc->axes[a];
    ax->key = (size_t)ki;
    ax->values = vals;
    ax->n = n;
    copy_str(ax->spec, sizeof ax->spec, spec);
    copy_str(ax->file, sizeof ax->file, origin);
    ax->line = line;
    if (k->type == SIM_KEY_PATH) /* sweep paths resolve like set paths */
        for (size_t j = 0; j < n; j++) {
            char buf[SIM_CFG_STR + 256];
            join_path(origin, vals[j], buf, sizeof buf);
            char *c = strdup(buf);
            if (!c) return base_err_set(err, BASE_ENOMEM, origin, line, "out of memory");
            free(vals[j]);
            vals[j] = c;
        }
    return BASE_OK;
}

static long find_user(const sim_scenario *sc, const char *name)
{
    for (size_t u = 0; u < sc->n_users; u++)
        if (!strcmp(sc->users[u].name, name)) return (long)u;
    return -1;
}

base_status sim_scenario_set(sim_scenario *sc, const char *key, const char *value,
                             const char *origin, int line, base_err *err)
{
    if (!strncmp(key, "user.", 5)) { /* user.NAME.KEY */
        const char *dot = strchr(key + 5, '.');
        char name[64];
        if (!dot || (size_t)(dot - key - 5) >= sizeof name)
            return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown key '%s'", key);
        snprintf(name, sizeof name, "%.*s", (int)(dot - key - 5), key + 5);
        long u = find_user(sc, name), ki = key_index(dot + 1);
        if (u < 0) return base_err_set(err, BASE_ENOTFOUND, origin, line, "no user '%s'", name);
        if (ki < 0 || !(registry[ki].flags & SIM_KEY_PER_USER))
            return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown per-user key '%s'",
                                dot + 1);
        return slot_set(&sc->users[u].v[ki], &registry[ki], value, origin, line, err);
    }
    long ki = key_index(key);
    if (ki < 0) return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown key '%s'", key);
    base_status st = slot_set(&sc->v[ki], &registry[ki], value, origin, line, err);
    if (st != BASE_OK) return st;
    long a = find_axis(sc, (size_t)ki);
    if (a >= 0) drop_axis(sc, (size_t)a);
    return BASE_OK;
}

const char *sim_scenario_get(const sim_scenario *sc, const char *key)
{
    long ki = key_index(key);
    if (ki < 0) return NULL;
    return sc->v[ki].value ? sc->v[ki].value : registry[ki].def;
}

int sim_scenario_is_set(const sim_scenario *sc, const char *key)
{
    long ki = key_index(key);
    return ki >= 0 && sc->v[ki].value != NULL;
}

void sim_scenario_where(const sim_scenario *sc, const char *key, const char **file, int *line)
{
    long ki = key_index(key);
    if (ki >= 0 && sc->v[ki].value) {
        *file = sc->v[ki].file;
        *line = sc->v[ki].line;
        return;
    }
    if (ki >= 0) {
        long a = find_axis(sc, (size_t)ki);
        if (a >= 0) {
            *file = sc->axes[a].file;
            *line = sc->axes[a].line;
            return;
        }
    }
    *file = sc->path;
    *line = 0;
}

size_t sim_scenario_user_count(const sim_scenario *sc)
{
    return sc->n_users ? sc->n_users : 1;
}
const char *sim_scenario_user_name(const sim_scenario *sc, size_t i)
{
    return sc->n_users ? sc->users[i].name : "default";
}

size_t sim_scenario_axis_count(const sim_scenario *sc)
{
    return sc->n_axes;
}
const char *sim_scenario_axis_key(const sim_scenario *sc, size_t i)
{
    return registry[sc->axes[i].key].name;
}
size_t sim_scenario_axis_len(const sim_scenario *sc, size_t i)
{
    return sc->axes[i].n;
}
const char *sim_scenario_axis_value(const sim_scenario *sc, size_t i, size_t j)
{
    return sc->axes[i].values[j];
}
int sim_scenario_axis_zip(const sim_scenario *sc, size_t i)
{
    return sc->axes[i].zip;
}
void sim_scenario_axis_where(const sim_scenario *sc, size_t i, const char **file, int *line)
{
    *file = sc->axes[i].file;
    *line = sc->axes[i].line;
}
size_t sim_scenario_constraint_count(const sim_scenario *sc)
{
    return sc->n_cons;
}
const sim_constraint *sim_scenario_constraint(const sim_scenario *sc, size_t i)
{
    return &sc->cons[i];
}

size_t sim_scenario_set_keys(const sim_scenario *sc, const char **names, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        int used = sc->v[i].value != NULL || find_axis(sc, i) >= 0;
        for (size_t c = 0; !used && c < sc->n_cons; c++)
            used = !strcmp(sc->cons[c].set_key, registry[i].name);
        if (!used) continue;
        if (names && n < cap) names[n] = registry[i].name;
        n++;
    }
    return n;
}

/* ---- parsing -------------------------------------------------------------------- */

#define MAX_INCLUDE_DEPTH 16

typedef struct parse_ctx {
    sim_scenario *sc;
    base_err *err;
    int failed;
    const char *stack[MAX_INCLUDE_DEPTH]; /* realpaths of the files being parsed */
    int depth;
} parse_ctx;

typedef struct file_state {
    parse_ctx *ctx;
    FILE *f;
    char file[BASE_ERR_FILE];
    int line;       /* line of the text the reader returned last */
    int section_ok; /* the current section is known */
    char section[80];
    int at_line_start;
} file_state;

static int fail_at(file_state *fs, base_status code, const char *fmt, const char *a, const char *b)
{
    if (!fs->ctx->failed) {
        fs->ctx->failed = 1;
        base_err_set(fs->ctx->err, code, fs->file, fs->line, fmt, a, b);
    }
    return 0;
}

static int section_known(const char *name)
{
    if (!strncmp(name, "user.", 5)) {
        const char *n = name + 5;
        if (!*n || strlen(n) >= 64) return 0;
        for (; *n; n++)
            if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-') return 0;
        return 1;
    }
    for (int i = 0; sections[i]; i++)
        if (!strcmp(sections[i], name)) return 1;
    return 0;
}

/* inih's line reader: counts lines (Debian's inih does not pass line numbers to
 * the handler) and checks section headers as they go past, so even an empty
 * unknown section is an error at its own line. Returning NULL ends the parse. */
static char *reader(char *str, int num, void *stream)
{
    file_state *fs = stream;
    if (fs->ctx->failed) return NULL;
    if (!fgets(str, num, fs->f)) return NULL;
    size_t len = strlen(str);
    fs->line++;
    if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(fs->f)) {
        fail_at(fs, BASE_EFORMAT, "line too long (max %s characters)%s", "196", "");
        return NULL;
    }
    char tmp[256];
    copy_str(tmp, sizeof tmp, str);
    trim(tmp);
    if (tmp[0] == '[') {
        char *close = strchr(tmp, ']');
        if (!close) {
            fail_at(fs, BASE_EFORMAT, "syntax error: section header without ']'%s%s", "", "");
            return NULL;
        }
        *close = 0;
        char name[200];
        copy_str(name, sizeof name, tmp + 1);
        trim(name);
        if (!section_known(name)) {
            fail_at(fs, BASE_ENOTFOUND, "unknown section [%s]%s", name, "");
            return NULL;
        }
        if (!strncmp(name, "user.", 5)) {
            sim_scenario *sc = fs->ctx->sc;
            if (find_user(sc, name + 5) < 0) {
                if (sc->n_users == SIM_MAX_USERS) {
                    fail_at(fs, BASE_ERANGE, "too many users (max %s)%s", "16", "");
                    return NULL;
                }
                user *nu = realloc(sc->users, (sc->n_users + 1) * sizeof *nu);
                if (!nu) {
                    fail_at(fs, BASE_ENOMEM, "out of memory%s%s", "", "");
                    return NULL;
                }
                sc->users = nu;
                user *u = &sc->users[sc->n_users++];
                memset(u, 0, sizeof *u);
                copy_str(u->name, sizeof u->name, name + 5);
                copy_str(u->file, sizeof u->file, fs->file);
                u->line = fs->line;
            }
        }
    }
    return str;
}

static base_status parse_file(parse_ctx *ctx, const char *path, const char *from_file,
                              int from_line);

static int add_constraint(file_state *fs, const char *value)
{
    sim_scenario *sc = fs->ctx->sc;
    sim_constraint c;
    memset(&c, 0, sizeof c);
    char lhs[256], rhs[256];
    const char *arrow = strstr(value, "->");
    if (!arrow || (size_t)(arrow - value) >= sizeof lhs)
        return fail_at(fs, BASE_EINVAL,
                       "bad constraint '%s': expected KEY=VALUE -> KEY=VALUE or -> skip%s", value,
                       "");
    snprintf(lhs, sizeof lhs, "%.*s", (int)(arrow - value), value);
    copy_str(rhs, sizeof rhs, arrow + 2);
    trim(lhs);
    trim(rhs);
    char *eq = strchr(lhs, '=');
    if (!eq)
        return fail_at(fs, BASE_EINVAL, "bad constraint '%s': condition needs KEY=VALUE%s", value,
                       "");
    if (eq > lhs && eq[-1] == '!') {
        c.negate = 1;
        eq[-1] = 0;
    }
    *eq = 0;
    trim(lhs);
    char *cv = eq + 1;
    trim(cv);
    const sim_key_def *k = sim_key_find(lhs);
    if (!k) return fail_at(fs, BASE_ENOTFOUND, "unknown key '%s' in constraint%s", lhs, "");
    if (sim_key_check(k, cv, NULL) != BASE_OK)
        return fail_at(fs, BASE_EINVAL, "bad value '%s' in constraint for %s", cv, lhs);
    copy_str(c.key, sizeof c.key, lhs);
    copy_str(c.value, sizeof c.value, cv);
    if (strcmp(rhs, "skip")) {
        char *eq2 = strchr(rhs, '=');
        if (!eq2)
            return fail_at(fs, BASE_EINVAL,
                           "bad constraint '%s': action must be KEY=VALUE or skip%s", value, "");
        *eq2 = 0;
        char *sv = eq2 + 1;
        trim(rhs);
        trim(sv);
        const sim_key_def *k2 = sim_key_find(rhs);
        if (!k2) return fail_at(fs, BASE_ENOTFOUND, "unknown key '%s' in constraint%s", rhs, "");
        if (k2->flags & SIM_KEY_NOSWEEP)
            return fail_at(fs, BASE_EINVAL, "%s cannot be set by a constraint%s", rhs, "");
        if (sim_key_check(k2, sv, NULL) != BASE_OK)
            return fail_at(fs, BASE_EINVAL, "bad value '%s' in constraint for %s", sv, rhs);
        copy_str(c.set_key, sizeof c.set_key, rhs);
        copy_str(c.set_value, sizeof c.set_value, sv);
    }
    copy_str(c.file, sizeof c.file, fs->file);
    c.line = fs->line;
    sim_constraint *nc = realloc(sc->cons, (sc->n_cons + 1) * sizeof *nc);
    if (!nc) return fail_at(fs, BASE_ENOMEM, "out of memory%s%s", "", "");
    sc->cons = nc;
    sc->cons[sc->n_cons++] = c;
    return 1;
}

static int add_zip(file_state *fs, const char *value)
{
    sim_scenario *sc = fs->ctx->sc;
    char *copy = strdup(value), *save = NULL;
    if (!copy) return fail_at(fs, BASE_ENOMEM, "out of memory%s%s", "", "");
    int group = sc->n_zip++, count = 0, ok = 1;
    for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
        trim(tok);
        long ki = key_index(tok);
        long a = ki < 0 ? -1 : find_axis(sc, (size_t)ki);
        if (a < 0) {
            ok = fail_at(fs, BASE_EINVAL, "zip: '%s' is not a sweep axis defined above%s", tok, "");
        } else if (sc->axes[a].zip >= 0) {
            ok = fail_at(fs, BASE_EINVAL, "zip: '%s' is already zipped%s", tok, "");
        } else {
            sc->axes[a].zip = group;
            count++;
        }
    }
    free(copy);
    if (ok && count < 2)
        ok = fail_at(fs, BASE_EINVAL, "zip needs at least two sweep keys: '%s'%s", value, "");
    /* zipped axes advance together, so they need the same length */
    size_t len = 0;
    for (size_t a = 0; ok && a < sc->n_axes; a++) {
        if (sc->axes[a].zip != group) continue;
        if (!len)
            len = sc->axes[a].n;
        else if (sc->axes[a].n != len)
            ok = fail_at(fs, BASE_EINVAL, "zip: axes of different lengths in '%s'%s", value, "");
    }
    return ok;
}

static int handler(void *user_, const char *section, const char *name, const char *value)
{
    file_state *fs = user_;
    parse_ctx *ctx = fs->ctx;
    sim_scenario *sc = ctx->sc;
    base_err *err = ctx->err;
    if (ctx->failed) return 0;
    if (!strcmp(name, "include")) {
        char path[BASE_ERR_FILE + 256];
        join_path(fs->file, value, path, sizeof path);
        if (parse_file(ctx, path, fs->file, fs->line) != BASE_OK) ctx->failed = 1;
        return !ctx->failed;
    }
    if (!*section)
        return fail_at(fs, BASE_EFORMAT, "key '%s' outside a section (only include may be)%s", name,
                       "");
    if (!strcmp(section, "sweep")) {
        if (!strcmp(name, "zip")) return add_zip(fs, value);
        if (!strcmp(name, "constraint")) return add_constraint(fs, value);
        if (!sim_key_find(name))
            return fail_at(fs, BASE_ENOTFOUND, "unknown key '%s' in [sweep]%s", name, "");
        if (sim_scenario_sweep(sc, name, value, fs->file, fs->line, err) != BASE_OK) {
            ctx->failed = 1;
            return 0;
        }
        return 1;
    }
    if (!strncmp(section, "user.", 5)) {
        long u = find_user(sc, section + 5), ki = key_index(name);
        if (ki < 0) return fail_at(fs, BASE_ENOTFOUND, "unknown key '%s' in [%s]", name, section);
        if (!(registry[ki].flags & SIM_KEY_PER_USER))
            return fail_at(fs, BASE_EINVAL, "%s cannot be set per user in [%s]", name, section);
        if (u < 0)
            return fail_at(fs, BASE_EINTERNAL, "user section [%s] not registered%s", section, "");
        if (slot_set(&sc->users[u].v[ki], &registry[ki], value, fs->file, fs->line, err) !=
            BASE_OK) {
            ctx->failed = 1;
            return 0;
        }
        return 1;
    }
    char full[256];
    snprintf(full, sizeof full, "%s.%s", section, name);
    long ki = key_index(full);
    if (ki < 0) return fail_at(fs, BASE_ENOTFOUND, "unknown key '%s' in [%s]", name, section);
    if (sim_scenario_set(sc, full, value, fs->file, fs->line, err) != BASE_OK) {
        ctx->failed = 1;
        return 0;
    }
    return 1;
}

static base_status parse_file(parse_ctx *ctx, const char *path, const char *from_file,
                              int from_line)
{
    char real[PATH_MAX];
    if (ctx->depth == MAX_INCLUDE_DEPTH)
        return base_err_set(ctx->err, BASE_ERANGE, from_file, from_line,
                            "includes nested deeper than %d", MAX_INCLUDE_DEPTH);
    FILE *f = fopen(path, "r");
    if (!f || !realpath(path, real)) {
        if (f) fclose(f);
        if (from_file)
            return base_err_set(ctx->err, BASE_EIO, from_file, from_line,
                                "cannot open include '%s': %s", path, strerror(errno));
        return base_err_set(ctx->err, BASE_EIO, path, 0, "cannot open: %s", strerror(errno));
    }
    for (int i = 0; i < ctx->depth; i++)
        if (!strcmp(ctx->stack[i], real)) {
            fclose(f);
            return base_err_set(ctx->err, BASE_EINVAL, from_file, from_line,
                                "include cycle: '%s' includes itself", path);
        }
    file_state fs;
    memset(&fs, 0, sizeof fs);
    fs.ctx = ctx;
    fs.f = f;
    copy_str(fs.file, sizeof fs.file, path);
    ctx->stack[ctx->depth++] = real;
    int rc = ini_parse_stream(reader, &fs, handler, &fs);
    ctx->depth--;
    int read_error = ferror(f);
    fclose(f);
    if (ctx->failed) return ctx->err ? ctx->err->code : BASE_EFORMAT;
    if (read_error) {
        ctx->failed = 1;
        return base_err_set(ctx->err, BASE_EIO, path, 0, "read error");
    }
    if (rc != 0) {
        ctx->failed = 1;
        if (rc < 0) return base_err_set(ctx->err, BASE_ENOMEM, path, 0, "out of memory");
        return base_err_set(ctx->err, BASE_EFORMAT, path, rc,
                            "syntax error: expected [section], key = value or a comment");
    }
    return BASE_OK;
}

sim_scenario *sim_scenario_load(const char *path, base_err *err)
{
    base_err local = BASE_ERR_INIT;
    if (!err) err = &local;
    sim_scenario *sc = sim_scenario_create(err);
    if (!sc) return NULL;
    copy_str(sc->path, sizeof sc->path, path);
    parse_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.sc = sc;
    ctx.err = err;
    if (parse_file(&ctx, path, NULL, 0) != BASE_OK) {
        sim_scenario_destroy(sc);
        return NULL;
    }
    /* zip groups are checked when declared; a later --sweep may change a length */
    return sc;
}

/* ---- typed resolution ------------------------------------------------------------- */

static base_status store(const sim_key_def *k, void *base, const char *v, base_err *err)
{
    char *p = (char *)base + k->offset;
    switch (k->type) {
    case SIM_KEY_INT:
        parse_int(v, (int64_t *)p);
        return BASE_OK;
    case SIM_KEY_DOUBLE:
        parse_double(v, (double *)p);
        return BASE_OK;
    case SIM_KEY_BOOL:
        parse_bool(v, (int *)p);
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

/* Effective text of key i for the point: override, then set value, then default
 * (relative path defaults are in the source tree). */
static const char *effective(const sim_scenario *sc, size_t i, const char *const *keys,
                             const char *const *values, size_t n, char *buf, size_t cap)
{
    for (size_t j = n; j-- > 0;)
        if (!strcmp(keys[j], registry[i].name)) return values[j];
    if (sc->v[i].value) return sc->v[i].value;
    const char *d = registry[i].def;
    if (registry[i].type == SIM_KEY_PATH && *d && d[0] != '/') {
        snprintf(buf, cap, "%s/%s", SEMSIM_SRCDIR, d);
        return buf;
    }
    return d;
}

base_status sim_scenario_resolve(const sim_scenario *sc, const char *const *keys,
                                 const char *const *values, size_t n, sim_config *cfg,
                                 base_err *err)
{
    char buf[SIM_CFG_STR + 64];
    base_status st;
    memset(cfg, 0, sizeof *cfg);
    for (size_t j = 0; j < n; j++) {
        const sim_key_def *k = sim_key_find(keys[j]);
        if (!k) return base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown key '%s'", keys[j]);
        if ((st = sim_key_check(k, values[j], err)) != BASE_OK) return st;
    }
    sim_user_config base;
    memset(&base, 0, sizeof base);
    for (size_t i = 0; i < NKEYS; i++) {
        const char *v = effective(sc, i, keys, values, n, buf, sizeof buf);
        void *dst = registry[i].scope == SCOPE_USER ? (void *)&base : (void *)cfg;
        if ((st = store(&registry[i], dst, v, err)) != BASE_OK) return st;
    }
    cfg->n_users = sim_scenario_user_count(sc);
    for (size_t u = 0; u < cfg->n_users; u++) {
        sim_user_config *uc = &cfg->user[u];
        *uc = base;
        copy_str(uc->name, sizeof uc->name, sim_scenario_user_name(sc, u));
        if (!sc->n_users) continue;
        for (size_t i = 0; i < NKEYS; i++) {
            const slot *s = &sc->users[u].v[i];
            if (!s->value) continue;
            if ((st = store(&registry[i], uc, s->value, err)) != BASE_OK) {
                base_err_locate(err, s->file, s->line);
                return st;
            }
        }
    }
    return BASE_OK;
}

/* ---- text dumps -------------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)w;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
}

char *sim_scenario_text(const sim_scenario *sc)
{
    sbuf b = {0};
    char prev[32] = "";
    sb_printf(&b, "; resolved scenario%s%s\n", *sc->path ? " from " : "", sc->path);
    for (size_t i = 0; i < NKEYS; i++) {
        const char *dot = strchr(registry[i].name, '.');
        char sec[32];
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - registry[i].name), registry[i].name);
        if (strcmp(sec, prev)) {
            sb_printf(&b, "\n[%s]\n", sec);
            copy_str(prev, sizeof prev, sec);
        }
        const char *v = sc->v[i].value ? sc->v[i].value : registry[i].def;
        sb_printf(&b, "%s = %s%s\n", dot + 1, v, sc->v[i].value ? "" : "  ; default");
    }
    for (size_t u = 0; u < sc->n_users; u++) {
        sb_printf(&b, "\n[user.%s]\n", sc->users[u].name);
        for (size_t i = 0; i < NKEYS; i++)
            if (sc->users[u].v[i].value)
                sb_printf(&b, "%s = %s\n", registry[i].name, sc->users[u].v[i].value);
    }
    if (sc->n_axes || sc->n_cons) sb_printf(&b, "\n[sweep]\n");
    for (size_t a = 0; a < sc->n_axes; a++) {
        sb_printf(&b, "%s = ", registry[sc->axes[a].key].name);
        for (size_t j = 0; j < sc->axes[a].n; j++)
            sb_printf(&b, "%s%s", j ? "," : "", sc->axes[a].values[j]);
        sb_printf(&b, "\n");
    }
    for (int g = 0; g < sc->n_zip; g++) {
        int first = 1;
        for (size_t a = 0; a < sc->n_axes; a++)
            if (sc->axes[a].zip == g) {
                sb_printf(&b, "%s%s", first ? "zip = " : ", ", registry[sc->axes[a].key].name);
                first = 0;
            }
        if (!first) sb_printf(&b, "\n");
    }
    for (size_t c = 0; c < sc->n_cons; c++) {
        const sim_constraint *k = &sc->cons[c];
        sb_printf(&b, "constraint = %s%s=%s -> ", k->key, k->negate ? "!" : "", k->value);
        if (*k->set_key)
            sb_printf(&b, "%s=%s\n", k->set_key, k->set_value);
        else
            sb_printf(&b, "skip\n");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

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

/* The format reference after the key tables of docs/scenario.md. */
static const char footer_md[] =
    "\n## File format\n\n"
    "- `[section]` headers: the sections above, `[sweep]`, and `[user.NAME]` (NAME: letters, "
    "digits, "
    "`_`, `-`). Any other section is an error at its header line.\n"
    "- `key = value` (or `key: value`). Comments: lines starting with `;` or `#`, and `;` after "
    "whitespace inside a line. Lines are at most 196 characters.\n"
    "- `include = other.ini` may appear anywhere (also before the first section). The file is read "
    "at that point, relative to the including file; keys after the include override it. Include "
    "cycles and includes nested deeper than 16 are errors.\n"
    "- Paths are relative to the file that sets them (to the current folder for `--set`); unset "
    "path keys with a relative default are relative to the source tree.\n"
    "- Every error names `file:line`: unknown section, unknown key, bad value, missing include, "
    "include cycle, a file the scenario names that does not exist, or a `source.kind` this build "
    "cannot run.\n"
    "\n## Sweeps\n\n"
    "In `[sweep]` (keys in full) or with `--sweep KEY=SPEC` on the command line (which replaces "
    "the "
    "file's axis for that key):\n\n"
    "```ini\n[sweep]\nchannel.snr_db = 0:2:10          ; range start:step:stop, inclusive\n"
    "link.fec = none,hamming74,conv27  ; list\nlink.modulation = bpsk,qpsk,16qam\n"
    "zip = link.fec, link.modulation   ; these advance together (same length)\n"
    "constraint = equalizer.type=none -> anchors.count=0\n"
    "constraint = link.mode!=digital -> skip\n```\n\n"
    "- Points are the cartesian product of the axes (a zip group is one axis), the first axis "
    "varying slowest.\n"
    "- Ranges are float-safe: the number of values is floor((stop-start)/step + 1e-9) + 1 and "
    "value "
    "i is start + i*step printed with 12 significant digits, so `0:0.1:0.3` gives 0, 0.1, 0.2, "
    "0.3. "
    "Integer keys need integer values. A list value may contain `:` for non-numeric keys.\n"
    "- Constraints run in file order on each point: `KEY=VALUE -> KEY2=VALUE2` sets a key, "
    "`KEY!=VALUE -> ...` negates the test, `... -> skip` drops the point. A point that became "
    "equal "
    "to an earlier one is merged into it (it runs once; the grid cell points at it).\n"
    "- `--set KEY=VALUE` overrides the file, and a key set this way stops being swept. "
    "`--set user.NAME.KEY=VALUE` sets a per-user key.\n"
    "- `scenario.repeats = R` runs every point R times: repeat 0 with `scenario.seed`, repeat r>0 "
    "with a seed derived by SplitMix64 from (seed, r). Every random stream of an utterance is "
    "derived from (repeat seed, utterance index, component), so all sweep points see the same "
    "random draws (common random numbers: a curve vs SNR differs only by SNR) and results are "
    "identical for every `-j`.\n"
    "- `semsim run --dry-run` lists the points; `semsim validate` checks every point.\n"
    "\n## Users (shared medium)\n\n"
    "Each `[user.NAME]` section adds one transmitter->receiver pair; keys marked *per user* above "
    "may be set in it (in full: `channel.snr_db = 3`) and override the global value for that user. "
    "Without user sections there is one user. Utterance i goes to user i mod U. The users share "
    "`link.symbol_rate`: `link.access = tdma` serves their packets round-robin at the full rate, "
    "`fdma` gives each user rate/U.\n"
    "\n## Built-in TTS source\n\n"
    "Without `source.manifest`, speech comes from the built-in TTS source: every line "
    "`source.lines` (1-based, inclusive `A-B`) of `source.text` spoken by every voice of "
    "`source.voices` (`ENGINE VOICE` per line), with the in-process engines of `semsim corpus` "
    "(same files, same ids `TAG_LNNNN`). `semsim run` synthesises it once, before the first point "
    "and before any worker thread starts (with `-j N` worker processes), into "
    "`source.cache/<key>/` (WAVs + manifest.tsv); `<key>` hashes the text file's bytes, the "
    "range and the voices file's bytes, so every point and every later run with the same inputs "
    "reuses the entry, and an edit to any input makes a new one. Concurrent runs lock the entry "
    "while synthesising. `semsim validate` only checks the inputs (readable text with enough "
    "lines, a well-formed range, a parsable voices file). It serves every speaking "
    "`source.kind` (semantic and the codecs).\n"
    "\n## Anchor and relative-head corpora (no test leakage)\n\n"
    "The anchor corpus both agents encode and the receiver's relative-head training data are "
    "training material, never the utterances being evaluated. Unless `anchors.manifest` "
    "(`equalizer.train_manifest`) names one explicitly, each is synthesised by the same TTS "
    "machinery and cache as the source, once per run before the first point: anchors from "
    "`anchors.text` lines `anchors.lines` (default Harvard 1-100, training lists 1-10) spoken by "
    "`anchors.voices` (default `data/voices-anchors.txt`: `espeak-ng en-us`, 100 utterances); "
    "the head's data from `equalizer.train_text` lines `equalizer.train_lines` (default 1-200, "
    "lists 1-20) spoken by `equalizer.train_voices` (default `data/voices-head.txt`: three "
    "training voices, 600 utterances, about 30 s of synthesis on this machine). They are "
    "synthesised only when used (`source.kind = semantic` with an anchor-based `equalizer.type`; "
    "the head's data only for `relative`). Guards: `semsim validate` refuses a default corpus "
    "whose line range overlaps `source.lines` of the same text file, and `semsim run` refuses "
    "one that shares an utterance id or a transcript with the evaluated source (checked on the "
    "manifests after synthesis). Explicit manifests are taken as given: pointing them at the "
    "test source reproduces the old, leaky setup.\n"
    "\n## Classic-codec baselines\n\n"
    "`source.kind = codec2-3200 | codec2-1200 | codec2-700c | opus-N` (N = 6..64 kbit/s) sends "
    "the speech itself the traditional way, so that only the transmission differs from the "
    "semantic link: the audio (16 kHz) is coded (Codec2 at 8 kHz behind a 2:1 resampler, frames "
    "of 64/48/28 bits per 20/40/40 ms; Opus 16 kHz CBR, 20 ms frames of N*2.5 bytes, rounded "
    "down); `link.frames_per_packet` codec frames form one packet of the digital link (16-bit "
    "sequence header, CRC-16, `link.fec`, interleaver, `link.modulation`, the channel, ZF with "
    "perfect CSI; the last packet is zero-padded to the same format). A packet that fails its "
    "CRC or header check marks its frames lost: Opus conceals them with its own PLC, Codec2 "
    "repeats the last good frame. The decoded audio is transcribed by the receiving agent "
    "(`rx.model`: its own front-end, encoder and decoder, then `rx.decoder`) and scored as for "
    "`semantic`. `sym_per_s` counts every complex symbol of every packet (header, CRC, FEC, tail "
    "and padding included) per second of speech; `ber` is over the codec payload bits, `per` "
    "over packets. `link.mode` must be `digital`; `tx.model`, `equalizer.*`, `anchors.*` and "
    "`link.quant_bits` do not apply (cosine and the alignment metrics are NaN, `handshake_sym` "
    "is 0). `scenarios/codec-baselines.ini` sweeps them.\n"
    "\n## Stopping rules\n\n"
    "A point stops after `scenario.utterances` utterances, or (checked every "
    "`metrics.check_every`) once `metrics.min_word_errors` word errors (`metrics.min_bit_errors` "
    "bit "
    "errors for `source.kind = bits`) were counted, or once the 95% bootstrap interval of WER "
    "(BER) "
    "is narrower than `metrics.ci_width`. The `status` column of /summary names the rule.\n";

base_status sim_key_write_markdown(FILE *out)
{
    fprintf(out,
            "# Scenario keys\n\n"
            "<!-- Generated by `semsim validate --list-keys=markdown` from the registry in "
            "sim/scenario.c. Do not edit by hand: run `tools/gen-scenario-doc.sh`. -->\n\n"
            "A scenario is an INI file. Keys are written inside their section (`snr_db = 5` in "
            "`[channel]` is `channel.snr_db`), or in full in `[sweep]`, `[user.NAME]` and on the "
            "command line (`--set channel.snr_db=5`). Every key is optional; the table gives "
            "its default. See the end of this page for includes, sweeps, constraints and users.\n");
    const char *prev = "";
    size_t plen = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const sim_key_def *k = &registry[i];
        const char *dot = strchr(k->name, '.');
        size_t len = (size_t)(dot - k->name);
        if (len != plen || strncmp(prev, k->name, len)) {
            fprintf(
                out,
                "\n## [%.*s]\n\n| key | type | default | unit | allowed | per user | meaning |\n"
                "|---|---|---|---|---|---|---|\n",
                (int)len, k->name);
            prev = k->name;
            plen = len;
        }
        char allowed[256];
        copy_str(allowed, sizeof allowed, k->allowed);
        for (char *p = allowed; *p; p++)
            if (*p == '|') *p = ',';
        fprintf(out, "| `%s` | %s | %s%s%s | %s | %s | %s | %s%s |\n", k->name,
                sim_key_type_name(k->type), *k->def ? "`" : "", *k->def ? k->def : "(none)",
                *k->def ? "`" : "", k->unit, allowed, (k->flags & SIM_KEY_PER_USER) ? "yes" : "",
                k->doc, (k->flags & SIM_KEY_NOSWEEP) ? " (cannot be swept)" : "");
    }
    fputs(footer_md, out);
    return ferror(out) ? BASE_EIO : BASE_OK;
}
