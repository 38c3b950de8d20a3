/* cmd_eval.c -- `semsim eval --model MODEL.h5 --manifest MANIFEST.tsv ...`.
 *
 * An agent's own encoder -> own decoder, no channel: for every manifest
 * utterance, audio (codecs/audio) -> log-mel front-end with the settings stored
 * in the model file (codecs/frontend, codecs/melspec) -> encoder -> latent ->
 * decoder -> CTC log-probabilities (codecs/agent) -> transcript (codecs/decode:
 * LM beam search by default, greedy with --greedy) -> sclite-convention WER and
 * CER (sim/score), printed as a summary or as the CONTRACT.md JSON object.
 *
 * --grid A1,A2,...:B1,B2,... decodes the same log-probabilities once per
 * (LM weight, word bonus) pair and prints one line per pair: the network runs
 * once, so tuning alpha/beta on the dev set is cheap (tools/tune-lm.sh).
 *
 * The chain is codecs/recognizer.h, the same the simulator's receivers use.
 * Threads (-j N): utterances are handed out by an atomic counter; each thread
 * has its own recognizer work space (front-end and agent work space, beam
 * decoder with its own LM handle, see codecs/decode.h); the lexicon and the
 * agent are shared read-only. Results are stored by utterance index, so the output is
 * the same for every N.
 */
#include "codecs/audio.h"
#include "codecs/decode.h"
#include "codecs/manifest.h"
#include "codecs/recognizer.h"
#include "codecs/text.h"
#include "codecs/vocab.h"
#include "sim/cmd.h"
#include "sim/datadir.h"
#include "sim/score.h"
#include "base/pool.h"

#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_GRID 64
#define MAX_JOBS 64

static void usage(FILE *out)
{
    const codec_beam_config d = codec_beam_config_default();
    fprintf(out,
            "usage: semsim eval --model MODEL.h5 --manifest MANIFEST.tsv [--hyp OUT.trn]\n"
            "                   [--json] [--greedy] [--beam N] [--lm-weight A] [--word-bonus B]\n"
            "                   [--no-oov] [--oov-penalty P] [--lm FILE|none] [--dict FILE]\n"
            "                   [--grid A1,A2,..:B1,B2,..] [--score-beam D] [--utts] [-j N]\n"
            "\n"
            "Transcribes every utterance of MANIFEST with the agent's own encoder and\n"
            "decoder (no channel) and scores the result by sclite's rules.\n"
            "\n"
            "  --model FILE      agent model file (docs/model-format.md); a relative path\n"
            "                    not found here is looked up in the data folder (models/B.h5)\n"
            "  --manifest FILE   utterances: ID<TAB>AUDIO<TAB>TRANSCRIPT\n"
            "  --hyp FILE        also write the hypotheses as a trn file (`words (ID)`)\n"
            "  --json            one JSON object on stdout (utterances, ref_words, sub, del,\n"
            "                    ins, wer, ref_chars, cer, ..., per_voice, timing)\n"
            "  --utts            summary: also one line per utterance\n"
            "  --greedy          best-path decoding instead of the LM beam search\n"
            "  --beam N          beam width (default %d)\n"
            "  --score-beam D    also drop prefixes scoring more than D nats below the\n"
            "                    best, each frame (default off: the width alone)\n"
            "  --lm-weight A     LM weight alpha (default %g)\n"
            "  --word-bonus B    per-word bonus beta, nats (default %g)\n"
            "  --no-oov          only lexicon words may be produced\n"
            "  --oov-penalty P   nats per out-of-lexicon word, <= 0 (default %g)\n"
            "  --lm FILE|none    word LM (default: pocketsphinx en-us trigram); `none` keeps\n"
            "                    the lexicon constraint without LM scores\n"
            "  --dict FILE       lexicon in CMU dict format (default: cmudict-en-us)\n"
            "  --grid A..:B..    decode once per (alpha, beta) pair, print one line each\n"
            "                    (WER, CER) and the best pair; for tuning on the dev set\n"
            "  -j, --jobs N      threads (default 1)\n"
            "  -h, --help        this text\n",
            d.beam, (double)d.lm_weight, (double)d.word_bonus, (double)d.oov_penalty);
}

/* ---- options -------------------------------------------------------------------- */

typedef struct eval_opts {
    const char *model, *manifest, *hyp, *lm, *dict;
    int json, utts, greedy, jobs;
    codec_beam_config beam;
    int n_alpha, n_beta;
    float alpha[MAX_GRID], beta[MAX_GRID];
    char model_buf[SIM_DATADIR_MAX]; /* --model found under the data folder */
} eval_opts;

static int parse_float(const char *s, float *v)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(d)) return -1;
    *v = (float)d;
    return 0;
}

static int parse_int(const char *s, int lo, int hi, int *v)
{
    char *end;
    errno = 0;
    long d = strtol(s, &end, 10);
    if (errno || end == s || *end || d < lo || d > hi) return -1;
    *v = (int)d;
    return 0;
}

/* "a,b,c" into v (at most MAX_GRID); returns the count or -1. */
static int parse_list(char *s, float *v)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        if (n == MAX_GRID || parse_float(tok, &v[n])) return -1;
        n++;
    }
    return n ? n : -1;
}

static int parse_grid(const char *arg, eval_opts *o)
{
    char buf[2048];
    if (strlen(arg) >= sizeof buf) return -1;
    strcpy(buf, arg);
    char *colon = strchr(buf, ':');
    if (!colon) return -1;
    *colon = 0;
    o->n_alpha = parse_list(buf, o->alpha);
    o->n_beta = parse_list(colon + 1, o->beta);
    return o->n_alpha > 0 && o->n_beta > 0 ? 0 : -1;
}

/* ---- per-utterance work -------------------------------------------------------------- */

typedef struct utt {
    char *ref;   /* normalised transcript */
    char *hyp;   /* decoded text */
    float *logp; /* (tz, V), kept for --grid */
    int tz;
    double audio_s; /* duration */
    int failed;
    base_err err;
} utt;

typedef struct shared {
    const eval_opts *o;
    const codec_manifest *man;
    const codec_recognizer *rec;
    utt *u;
    size_t n;
    struct worker *w; /* (jobs) */
    atomic_int stop;  /* an utterance failed: the others are skipped */
    int keep_logp;
} shared;

typedef struct worker {
    shared *sh;
    codec_recognizer_ws *ws;
    double t_front, t_net, t_dec; /* thread CPU seconds per stage */
    base_status st;
    base_err err;
} worker;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Audio -> log-probabilities (in w->ws, *tz frames); tz = 0 for audio too
 * short to give one latent frame. */
static base_status run_network(worker *w, size_t i, int *tz, double *audio_s, base_err *err)
{
    shared *sh = w->sh;
    const codec_recognizer *rec = sh->rec;
    const char *path = codec_manifest_audio_path(sh->man, i);
    int rate = codec_recognizer_rate(rec);
    float *x = NULL;
    size_t n = 0;
    double t0 = cpu_now();
    base_status st = codec_audio_read(path, rate, &x, &n, err);
    if (st) return st;
    *audio_s = (double)n / rate;
    *tz = 0;
    st = codec_recognizer_frontend(rec, w->ws, x, n, err);
    free(x);
    if (st) return st;
    double t1 = cpu_now();
    w->t_front += t1 - t0;
    int tl = 0;
    if ((st = codec_recognizer_encode(rec, w->ws, &tl, err))) return st;
    if (tl <= 0) return BASE_OK;
    st = codec_recognizer_decode(rec, w->ws, codec_recognizer_latents(w->ws), tl, err);
    if (st) return st;
    w->t_net += cpu_now() - t1;
    *tz = tl;
    return BASE_OK;
}

/* Decode logp (tz, V) with the thread's decoder into a new string *hyp. */
static base_status decode_text(worker *w, const float *logp, int tz, char **hyp, base_err *err)
{
    const char *text = NULL;
    double t0 = cpu_now();
    base_status st = codec_recognizer_text(w->ws, logp, tz, &text, err);
    w->t_dec += cpu_now() - t0;
    if (st) return st;
    if (!(*hyp = strdup(text))) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return BASE_OK;
}

/* One utterance (a base/pool item): network, then decoding; a failure is
 * kept on the utterance and stops the others. */
static void eval_one(void *ctx, int wi, size_t i)
{
    shared *sh = ctx;
    worker *w = &sh->w[wi];
    if (atomic_load(&sh->stop)) return;
    utt *u = &sh->u[i];
    int tz = 0;
    base_status st = run_network(w, i, &tz, &u->audio_s, &u->err);
    const float *logp = tz > 0 ? codec_recognizer_logp(w->ws) : NULL;
    if (!st && sh->keep_logp && tz > 0) {
        size_t nf = (size_t)codec_agent_ctc_len(codec_recognizer_agent(sh->rec), tz);
        u->logp = malloc(nf * CODEC_VOCAB_SIZE * sizeof *u->logp);
        if (!u->logp)
            st = base_err_set(&u->err, BASE_ENOMEM, NULL, 0, "out of memory");
        else
            memcpy(u->logp, logp, nf * CODEC_VOCAB_SIZE * sizeof *u->logp);
    }
    u->tz = tz;
    if (!st) st = decode_text(w, logp, tz, &u->hyp, &u->err);
    if (st) {
        base_err_locate(&u->err, codec_manifest_audio_path(sh->man, i), 0);
        u->failed = 1;
        atomic_store(&sh->stop, 1);
    }
}

/* Pass 2 of --grid (a base/pool item): decode the stored log-probabilities again. */
static void regrid_one(void *ctx, int wi, size_t i)
{
    shared *sh = ctx;
    worker *w = &sh->w[wi];
    if (w->st) return;
    utt *u = &sh->u[i];
    free(u->hyp);
    u->hyp = NULL;
    w->st = decode_text(w, u->logp, u->tz, &u->hyp, &w->err);
}

/* ---- output ------------------------------------------------------------------------------ */

/* Voice of an utterance id: the part before the last '_' (the corpus names
 * utterances VOICETAG_LNNNN), or the whole id. */
static size_t voice_len(const char *id)
{
    const char *u = strrchr(id, '_');
    return u && u != id ? (size_t)(u - id) : strlen(id);
}

typedef struct voice_sum {
    char name[128];
    size_t utts;
    codec_align_counts w, c;
} voice_sum;

static size_t per_voice(const sim_score *s, voice_sum **out)
{
    size_t n = sim_score_count(s), nv = 0;
    voice_sum *v = calloc(n ? n : 1, sizeof *v);
    if (!v) return 0;
    for (size_t i = 0; i < n; i++) {
        const sim_score_utt *u = sim_score_utt_at(s, i);
        size_t len = voice_len(u->id);
        if (len >= sizeof v->name) len = sizeof v->name - 1;
        size_t k = 0;
        while (k < nv && (strlen(v[k].name) != len || strncmp(v[k].name, u->id, len))) k++;
        if (k == nv) {
            memcpy(v[nv].name, u->id, len);
            v[nv].name[len] = 0;
            nv++;
        }
        v[k].utts++;
        codec_align_add(&v[k].w, &u->words);
        codec_align_add(&v[k].c, &u->chars);
    }
    *out = v;
    return nv;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_rate(FILE *f, const codec_align_counts *c)
{
    double r = codec_align_rate(c);
    if (isfinite(r))
        fprintf(f, "%.10g", r);
    else
        fputs("null", f);
}

typedef struct timing {
    double audio_s, wall_s, front_s, net_s, dec_s, setup_s;
} timing;

static int write_json(const sim_score *s, const eval_opts *o, const timing *tm, FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) return -1;
    base_status st = sim_score_write_json(s, mem, o->utts);
    fclose(mem);
    /* drop the closing "}\n" and add eval's own fields */
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '}')) {
        int brace = buf[len - 1] == '}';
        buf[--len] = 0;
        if (brace) break;
    }
    if (st || !len) {
        free(buf);
        return -1;
    }
    fputs(buf, out);
    free(buf);
    fputs(", \"model\": ", out);
    json_str(out, o->model);
    fputs(", \"manifest\": ", out);
    json_str(out, o->manifest);
    if (o->greedy)
        fputs(", \"decoder\": \"greedy\"", out);
    else
        fprintf(out,
                ", \"decoder\": \"beam\", \"beam\": %d, \"lm_weight\": %g, \"word_bonus\": %g, "
                "\"oov\": %s",
                o->beam.beam, o->beam.lm_weight, o->beam.word_bonus,
                o->beam.allow_oov ? "true" : "false");
    fprintf(out,
            ", \"audio_s\": %.3f, \"wall_s\": %.3f, \"setup_s\": %.3f, \"frontend_cpu_s\": %.3f, "
            "\"network_cpu_s\": %.3f, \"decode_cpu_s\": %.3f, \"threads\": %d",
            tm->audio_s, tm->wall_s, tm->setup_s, tm->front_s, tm->net_s, tm->dec_s, o->jobs);
    voice_sum *v = NULL;
    size_t nv = per_voice(s, &v);
    fputs(", \"per_voice\": [", out);
    for (size_t k = 0; k < nv; k++) {
        fputs(k ? ",\n  {\"voice\": " : "\n  {\"voice\": ", out);
        json_str(out, v[k].name);
        fprintf(out,
                ", \"utterances\": %zu, \"ref_words\": %ld, \"sub\": %ld, \"del\": %ld, "
                "\"ins\": %ld, \"wer\": ",
                v[k].utts, v[k].w.ref, v[k].w.sub, v[k].w.del, v[k].w.ins);
        json_rate(out, &v[k].w);
        fprintf(out, ", \"ref_chars\": %ld, \"cer\": ", v[k].c.ref);
        json_rate(out, &v[k].c);
        fputc('}', out);
    }
    fputs(nv ? "\n]}\n" : "]}\n", out);
    free(v);
    return ferror(out) ? -1 : 0;
}

static int write_summary(const sim_score *s, const eval_opts *o, const timing *tm, FILE *out)
{
    fprintf(out, "model %s\nmanifest %s\ndecoder ", o->model, o->manifest);
    if (o->greedy)
        fprintf(out, "greedy\n");
    else
        fprintf(out, "beam %d, LM weight %g, word bonus %g, OOV %s\n", o->beam.beam,
                o->beam.lm_weight, o->beam.word_bonus, o->beam.allow_oov ? "allowed" : "no");
    if (sim_score_write_summary(s, out, o->utts)) return -1;
    voice_sum *v = NULL;
    size_t nv = per_voice(s, &v);
    if (nv > 1) {
        fprintf(out, "%-28s %5s %7s %8s %8s\n", "voice", "utts", "words", "WER%", "CER%");
        for (size_t k = 0; k < nv; k++)
            fprintf(out, "%-28s %5zu %7ld %8.2f %8.2f\n", v[k].name, v[k].utts, v[k].w.ref,
                    100 * codec_align_rate(&v[k].w), 100 * codec_align_rate(&v[k].c));
    }
    free(v);
    fprintf(out,
            "audio %.1f s, wall %.2f s (setup %.2f s) on %d thread(s); CPU: front-end %.2f s, "
            "network %.2f s (%.0fx real time), decoding %.2f s (%.0fx real time)\n",
            tm->audio_s, tm->wall_s, tm->setup_s, o->jobs, tm->front_s, tm->net_s,
            tm->net_s > 0 ? tm->audio_s / tm->net_s : 0, tm->dec_s,
            tm->dec_s > 0 ? tm->audio_s / tm->dec_s : 0);
    return ferror(out) ? -1 : 0;
}

static int write_trn(const char *path, const utt *u, const codec_manifest *man, size_t n,
                     base_err *err)
{
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (!tmp) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    snprintf(tmp, len, "%s.partial", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        base_err_set(err, BASE_EIO, path, 0, "cannot write: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s (%s)\n", u[i].hyp ? u[i].hyp : "", codec_manifest_id(man, i));
    int bad = ferror(f) | fclose(f);
    if (bad || rename(tmp, path)) {
        remove(tmp);
        base_err_set(err, BASE_EIO, path, 0, "write failed");
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

static base_status score_all(const utt *u, const codec_manifest *man, size_t n, sim_score **out,
                             base_err *err)
{
    sim_score *s = sim_score_create(err);
    if (!s) return BASE_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        base_status st = sim_score_add(s, codec_manifest_id(man, i), u[i].ref, u[i].hyp, err);
        if (st) {
            sim_score_destroy(s);
            return st;
        }
    }
    *out = s;
    return BASE_OK;
}

/* ---- main ---------------------------------------------------------------------------------- */

static int usage_error(const char *msg)
{
    fprintf(stderr, "semsim eval: %s\n", msg);
    usage(stderr);
    return SIM_EXIT_USAGE;
}

/* The command line into o: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, eval_opts *o)
{
    enum {
        O_MODEL = 256,
        O_MANIFEST,
        O_HYP,
        O_JSON,
        O_GREEDY,
        O_BEAM,
        O_ALPHA,
        O_BETA,
        O_NOOOV,
        O_OOVPEN,
        O_LM,
        O_DICT,
        O_GRID,
        O_UTTS,
        O_SCOREBEAM
    };
    static const struct option opts[] = {
        {"model", required_argument, NULL, O_MODEL},
        {"manifest", required_argument, NULL, O_MANIFEST},
        {"hyp", required_argument, NULL, O_HYP},
        {"json", no_argument, NULL, O_JSON},
        {"greedy", no_argument, NULL, O_GREEDY},
        {"beam", required_argument, NULL, O_BEAM},
        {"lm-weight", required_argument, NULL, O_ALPHA},
        {"word-bonus", required_argument, NULL, O_BETA},
        {"no-oov", no_argument, NULL, O_NOOOV},
        {"oov-penalty", required_argument, NULL, O_OOVPEN},
        {"lm", required_argument, NULL, O_LM},
        {"dict", required_argument, NULL, O_DICT},
        {"grid", required_argument, NULL, O_GRID},
        {"utts", no_argument, NULL, O_UTTS},
        {"score-beam", required_argument, NULL, O_SCOREBEAM},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "j:h", opts, NULL)) != -1) {
        switch (c) {
        case O_MODEL:
            o->model = optarg;
            break;
        case O_MANIFEST:
            o->manifest = optarg;
            break;
        case O_HYP:
            o->hyp = optarg;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_GREEDY:
            o->greedy = 1;
            break;
        case O_UTTS:
            o->utts = 1;
            break;
        case O_NOOOV:
            o->beam.allow_oov = 0;
            break;
        case O_LM:
            o->lm = optarg;
            break;
        case O_DICT:
            o->dict = optarg;
            break;
        case O_BEAM:
            if (parse_int(optarg, 1, 100000, &o->beam.beam))
                return usage_error("--beam needs an integer 1..100000");
            break;
        case O_ALPHA:
            if (parse_float(optarg, &o->beam.lm_weight) || o->beam.lm_weight < 0)
                return usage_error("--lm-weight needs a number >= 0");
            break;
        case O_BETA:
            if (parse_float(optarg, &o->beam.word_bonus))
                return usage_error("--word-bonus needs a number");
            break;
        case O_OOVPEN:
            if (parse_float(optarg, &o->beam.oov_penalty) || o->beam.oov_penalty > 0)
                return usage_error("--oov-penalty needs a number <= 0");
            break;
        case O_SCOREBEAM:
            if (!strcmp(optarg, "off"))
                o->beam.score_beam = INFINITY;
            else if (parse_float(optarg, &o->beam.score_beam) || !(o->beam.score_beam > 0))
                return usage_error("--score-beam needs a number > 0 (nats) or off");
            break;
        case O_GRID:
            if (parse_grid(optarg, o))
                return usage_error("--grid needs A1,A2,...:B1,B2,... (at most 64 each)");
            break;
        case 'j':
            if (parse_int(optarg, 1, MAX_JOBS, &o->jobs))
                return usage_error("-j needs an integer 1..64");
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (optind < argc) return usage_error("unexpected argument");
    if (!o->model || !o->manifest) return usage_error("--model and --manifest are required");
    if (access(o->model, F_OK)) { /* models/B.h5 from any folder: the shipped copy */
        sim_datadir dd;
        sim_datadir_find(&dd);
        if (sim_datadir_fallback(&dd, o->model, o->model_buf, sizeof o->model_buf))
            o->model = o->model_buf;
    }
    if (o->greedy && o->n_alpha) return usage_error("--grid needs the beam decoder, not --greedy");

    return -1;
}

/* Everything one evaluation holds. */
typedef struct eval_run {
    codec_recognizer *rec;
    codec_manifest *man;
    codec_lexicon *lex;
    utt *u;
    size_t n;
    worker w[MAX_JOBS];
    shared sh;
} eval_run;

/* Model, manifest, lexicon, references and one recognizer workspace per job. */
static base_status setup(eval_run *r, eval_opts *o, base_err *err)
{
    base_status st;
    if ((st = codec_recognizer_load(&r->rec, o->model, err))) return st;
    if ((st = codec_manifest_read(o->manifest, &r->man, err))) return st;
    r->n = codec_manifest_size(r->man);
    if (!r->n) /* nothing to score is an error, as `semsim score` says for a trn */
        return base_err_set(err, BASE_EFORMAT, o->manifest, 0, "no utterances");
    if (!o->greedy) {
        const char *lm = o->lm && !strcmp(o->lm, "none") ? "" : o->lm;
        if ((st = codec_lexicon_create(&r->lex, o->dict, lm, err))) return st;
    }
    if (!(r->u = calloc(r->n ? r->n : 1, sizeof *r->u)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < r->n; i++)
        if ((st = codec_text_normalise(codec_manifest_transcript(r->man, i), &r->u[i].ref, err)))
            return st;
    if ((size_t)o->jobs > r->n && r->n > 0) o->jobs = (int)r->n;
    /* each thread is one core's worth of work: no BLAS threads on top */
    openblas_set_num_threads(1);
    r->sh = (shared){.o = o,
                     .man = r->man,
                     .rec = r->rec,
                     .u = r->u,
                     .n = r->n,
                     .w = r->w,
                     .keep_logp = o->n_alpha > 0};
    atomic_init(&r->sh.stop, 0);
    for (int k = 0; k < o->jobs; k++) {
        r->w[k].sh = &r->sh;
        if ((st = codec_recognizer_ws_create(&r->w[k].ws, r->rec, r->lex,
                                             o->greedy ? NULL : &o->beam, err)))
            return st;
    }
    return BASE_OK;
}

/* --grid: one line per (alpha, beta); the network ran once before. */
static base_status run_grid(eval_run *r, const eval_opts *o, base_err *err)
{
    double best = INFINITY;
    float ba = 0, bb = 0;
    base_status st = BASE_OK;
    printf("%-9s %-10s %8s %8s\n", "lm_weight", "word_bonus", "WER%", "CER%");
    for (int ia = 0; ia < o->n_alpha; ia++)
        for (int ib = 0; ib < o->n_beta; ib++) {
            codec_beam_config bc = o->beam;
            bc.lm_weight = o->alpha[ia];
            bc.word_bonus = o->beta[ib];
            for (int k = 0; k < o->jobs; k++)
                if ((st = codec_recognizer_ws_set_beam(r->w[k].ws, &bc, err))) return st;
            base_pool_run(o->jobs, r->n, regrid_one, &r->sh);
            for (int k = 0; k < o->jobs; k++)
                if (r->w[k].st) {
                    if (err) *err = r->w[k].err;
                    return r->w[k].st;
                }
            sim_score *score = NULL;
            if ((st = score_all(r->u, r->man, r->n, &score, err))) return st;
            sim_score_totals t;
            sim_score_totals_get(score, &t);
            sim_score_destroy(score);
            double wer = codec_align_rate(&t.words), cer = codec_align_rate(&t.chars);
            printf("%-9g %-10g %8.2f %8.2f\n", bc.lm_weight, bc.word_bonus, 100 * wer, 100 * cer);
            fflush(stdout);
            if (wer < best) best = wer, ba = bc.lm_weight, bb = bc.word_bonus;
        }
    printf("best lm_weight %g word_bonus %g WER %.2f%%\n", ba, bb, 100 * best);
    return BASE_OK;
}

static void eval_run_free(eval_run *r)
{
    for (int k = 0; k < MAX_JOBS; k++) codec_recognizer_ws_destroy(r->w[k].ws);
    if (r->u)
        for (size_t i = 0; i < r->n; i++) {
            free(r->u[i].ref);
            free(r->u[i].hyp);
            free(r->u[i].logp);
        }
    free(r->u);
    codec_lexicon_destroy(r->lex);
    codec_manifest_destroy(r->man);
    codec_recognizer_destroy(r->rec);
}

int sim_cmd_eval(int argc, char **argv)
{
    eval_opts o = {.jobs = 1, .beam = codec_beam_config_default()};
    int prc = parse_args(argc, argv, &o);
    if (prc >= 0) return prc;
    double wall0 = wall_now();
    base_err err = BASE_ERR_INIT;
    int rc = SIM_EXIT_FAIL;
    sim_score *score = NULL;
    eval_run r;
    memset(&r, 0, sizeof r);
    if (setup(&r, &o, &err)) goto out_err;
    timing tm = {.setup_s = wall_now() - wall0};
    base_pool_run(o.jobs, r.n, eval_one, &r.sh);
    for (size_t i = 0; i < r.n; i++)
        if (r.u[i].failed) {
            err = r.u[i].err;
            goto out_err;
        }
    for (size_t i = 0; i < r.n; i++) tm.audio_s += r.u[i].audio_s;
    for (int k = 0; k < o.jobs; k++) {
        tm.front_s += r.w[k].t_front;
        tm.net_s += r.w[k].t_net;
        tm.dec_s += r.w[k].t_dec;
    }
    if (o.n_alpha) {
        if (run_grid(&r, &o, &err)) goto out_err;
        rc = SIM_EXIT_OK;
        goto out;
    }
    if (o.hyp && write_trn(o.hyp, r.u, r.man, r.n, &err)) goto out_err;
    if (score_all(r.u, r.man, r.n, &score, &err)) goto out_err;
    tm.wall_s = wall_now() - wall0;
    if ((o.json ? write_json(score, &o, &tm, stdout) : write_summary(score, &o, &tm, stdout)) ||
        fflush(stdout)) {
        fprintf(stderr, "semsim: stdout: write error\n");
        goto out;
    }
    rc = SIM_EXIT_OK;
    goto out;
out_err:
    rc = sim_cmd_fail(&err);
out:
    sim_score_destroy(score);
    eval_run_free(&r);
    return rc;
}
